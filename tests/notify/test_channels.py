"""Group robots and SMS against a local recording server: payloads, signatures, retries."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import timedelta
from urllib.parse import unquote_plus

import pytest
from sqlalchemy import select

from studyhub.notify import services
from studyhub.notify.channels import dingtalk_sign, feishu_sign, mask
from studyhub.notify.jobs import deliver_channels, deliver_sms
from studyhub.notify.models import ChannelDelivery, ChannelKind, DeliveryStatus, SmsDelivery
from studyhub.notify.sms import AliyunSms, aliyun_signature, percent_encode
from tests.conftest import NOW
from tests.notify.recording_server import recording_server

SECRET = "SEC0123456789abcdef"


@pytest.fixture
def robot():
    with recording_server() as server:
        yield server


def add_channel(session, branch, kind, url, secret=None):
    return services.save_channel(
        session,
        branch.id,
        kind,
        webhook_url=url,
        secret=secret,
        is_active=True,
        by_user_id=None,
        now=NOW,
    )


def queue(session, branch, key="study:1"):
    return services.post_to_branch(
        session,
        branch.id,
        text="3 名党员尚未学习今天的材料",
        link="/readings/7",
        dedupe_key=key,
        now=NOW,
    )


def statuses(session):
    session.expire_all()
    return [
        (r.status, r.attempts)
        for r in session.scalars(select(ChannelDelivery).order_by(ChannelDelivery.id))
    ]


def test_wecom_posts_the_text_and_link_once(session, make, robot):
    branch = make.branch()
    add_channel(session, branch, ChannelKind.WECOM, f"{robot.url}/cgi-bin/webhook/send?key=K1")
    assert queue(session, branch) == 1
    assert queue(session, branch) == 0  # same key: queued once
    base = "https://study.example.org"
    assert deliver_channels(session, now=NOW, base_url=base) == 1
    assert deliver_channels(session, now=NOW + timedelta(hours=1), base_url=base) == 0
    [request] = robot.requests
    assert request.path == "/cgi-bin/webhook/send" and request.query == {"key": ["K1"]}
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {
        "msgtype": "text",
        "text": {"content": "3 名党员尚未学习今天的材料\nhttps://study.example.org/readings/7"},
    }
    assert statuses(session) == [(DeliveryStatus.SENT, 1)]


def test_dingtalk_signs_timestamp_and_secret(session, make, robot):
    branch = make.branch()
    add_channel(
        session, branch, ChannelKind.DINGTALK, f"{robot.url}/robot/send?access_token=T", SECRET
    )
    queue(session, branch)
    assert deliver_channels(session, now=NOW) == 1
    [request] = robot.requests
    timestamp = request.query["timestamp"][0]
    assert int(timestamp) == int(NOW.timestamp() * 1000)
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    # parse_qs decoded the URL-encoding once: the signature itself is plain base64.
    assert request.query["sign"] == [expected]
    assert request.query["access_token"] == ["T"]
    assert request.json()["msgtype"] == "text"
    # Without BASE_URL the site's path would lead nowhere from the chat: text only.
    assert request.json()["text"]["content"] == "3 名党员尚未学习今天的材料"
    assert unquote_plus(dingtalk_sign(SECRET, int(timestamp))) == expected


def test_feishu_signs_in_the_body(session, make, robot):
    robot.default = {"code": 0, "msg": "success"}
    branch = make.branch()
    add_channel(session, branch, ChannelKind.FEISHU, f"{robot.url}/open-apis/bot/v2/hook/H", SECRET)
    queue(session, branch)
    assert deliver_channels(session, now=NOW) == 1
    body = robot.requests[0].json()
    assert body["timestamp"] == str(int(NOW.timestamp()))
    key = f"{body['timestamp']}\n{SECRET}".encode()
    assert body["sign"] == base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    assert body["sign"] == feishu_sign(SECRET, int(body["timestamp"]))
    assert body["msg_type"] == "text" and body["content"]["text"].startswith("3 名党员")


def test_a_500_is_retried_with_backoff_and_never_posted_twice(session, make, robot):
    branch = make.branch()
    add_channel(session, branch, ChannelKind.WECOM, f"{robot.url}/send?key=K")
    queue(session, branch)
    robot.answers = [(500, {"errcode": -1, "errmsg": "busy"})]
    assert deliver_channels(session, now=NOW) == 0
    assert statuses(session) == [(DeliveryStatus.PENDING, 1)]
    # Not due again before the backoff (1 minute).
    assert deliver_channels(session, now=NOW + timedelta(seconds=30)) == 0
    assert len(robot.requests) == 1
    assert deliver_channels(session, now=NOW + timedelta(minutes=1)) == 1
    assert deliver_channels(session, now=NOW + timedelta(minutes=5)) == 0
    assert deliver_channels(session, now=NOW + timedelta(days=1)) == 0
    assert len(robot.requests) == 2
    assert robot.requests[0].body == robot.requests[1].body
    assert statuses(session) == [(DeliveryStatus.SENT, 2)]


def test_an_error_code_in_a_200_answer_is_a_failure(session, make, robot):
    branch = make.branch()
    add_channel(session, branch, ChannelKind.WECOM, f"{robot.url}/send?key=K")
    queue(session, branch)
    robot.answers = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    assert deliver_channels(session, now=NOW) == 0
    session.expire_all()
    row = session.scalars(select(ChannelDelivery)).one()
    assert row.status == DeliveryStatus.PENDING and "45009" in row.last_error


def test_a_wrong_address_gives_up_at_once(session, make, robot):
    branch = make.branch()
    add_channel(session, branch, ChannelKind.WECOM, f"{robot.url}/send?key=K")
    queue(session, branch)
    robot.answers = [(404, {})]
    deliver_channels(session, now=NOW)
    assert statuses(session) == [(DeliveryStatus.FAILED, 1)]


def test_an_inactive_channel_gets_nothing_and_blank_fields_keep_credentials(session, make):
    branch = make.branch()
    channel = add_channel(session, branch, ChannelKind.DINGTALK, "https://x.example/r?t=1", SECRET)
    services.save_channel(
        session,
        branch.id,
        ChannelKind.DINGTALK,
        webhook_url="",
        secret="",
        is_active=False,
        by_user_id=None,
        now=NOW,
    )
    assert channel.secret == SECRET and channel.webhook_url == "https://x.example/r?t=1"
    assert queue(session, branch) == 0
    assert mask(SECRET) == "••••••••cdef"
    assert SECRET not in mask(SECRET)


def test_aliyun_signature_matches_the_documented_example():
    # Aliyun's signature v1 example (SendSms, "testSecret", GET).
    params = {
        "AccessKeyId": "testId",
        "Action": "SendSms",
        "Format": "XML",
        "OutId": "123",
        "PhoneNumbers": "15300000001",
        "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
        "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007",
        "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z",
        "Version": "2017-05-25",
    }
    assert aliyun_signature(params, "testSecret", method="GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_sms_copies_go_to_those_who_asked_and_retry_once(session, make, robot):
    robot.default = {"Code": "OK", "Message": "OK", "BizId": "1", "RequestId": "r"}
    branch = make.branch()
    wants, does_not = make.member(branch).user, make.member(branch).user
    services.set_preferences(session, wants.id, {("daily_reading", "sms"): True})
    services.send_many(
        session,
        [wants.id, does_not.id],
        kind="daily_reading",
        subject="今日一读：初心",
        link="/readings/7",
        dedupe_key="daily-reading:7",
        now=NOW,
        sms=True,
    )
    rows = list(session.scalars(select(SmsDelivery)))
    assert [r.phone for r in rows] == [wants.phone]
    provider = AliyunSms(
        access_key_id="AK",
        access_key_secret="SK",
        sign_name="学习平台",
        template_code="SMS_1",
        endpoint=f"{robot.url}/",
        nonce=lambda: "nonce-1",
    )
    robot.answers = [(500, {"Code": "ServiceUnavailable"})]
    assert deliver_sms(session, now=NOW, provider=provider, base_url="https://s.example") == 0
    later = NOW + timedelta(minutes=1)
    assert deliver_sms(session, now=later, provider=provider, base_url="https://s.example") == 1
    assert deliver_sms(session, now=later + timedelta(hours=1), provider=provider) == 0
    assert len(robot.requests) == 2
    form = robot.requests[1].form()
    assert form["Action"] == "SendSms" and form["PhoneNumbers"] == wants.phone
    assert json.loads(form["TemplateParam"]) == {
        "link": "https://s.example/readings/7",
        "title": "今日一读：初心",
    }
    signature = form.pop("Signature")
    assert signature == aliyun_signature(form, "SK")
    assert percent_encode("a b*~") == "a%20b%2A~"


def test_preferences_turn_a_reminder_off(session, make):
    branch = make.branch()
    off, on = make.member(branch).user, make.member(branch).user
    services.set_preferences(session, off.id, {("plan_reminder", "inbox"): False})
    assert services.preferences_of(session, off.id)[("plan_reminder", "inbox")] is False
    assert services.preferences_of(session, on.id)[("plan_reminder", "inbox")] is True
    sent = services.send_many(
        session,
        [off.id, on.id],
        kind="plan_reminder",
        subject="提醒",
        dedupe_key="plan-reminder:1",
        now=NOW,
    )
    assert sent == 1
    assert (
        services.send(session, user_id=off.id, kind="plan_reminder", subject="x", now=NOW) is None
    )
    # Kinds a member cannot turn off still arrive.
    assert services.send(session, user_id=off.id, kind="export_ready", subject="x", now=NOW)

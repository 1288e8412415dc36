"""The preferences page and a branch's group robots page."""

from __future__ import annotations

from sqlalchemy import select

from studyhub.notify import services
from studyhub.notify.models import (
    BranchChannel,
    ChannelDelivery,
    DeliveryStatus,
    NotificationPreference,
)
from studyhub.org.models import Role
from tests.conftest import NOW

SECRET = "SECabcdef0123456789"


def test_a_member_turns_reminders_off_and_sms_on(app, client, login, session, make, in_english):
    user = make.member().user
    login(user)
    app.config["SMS_PROVIDER"] = "aliyun"
    try:
        page = client.get("/inbox/preferences").get_data(as_text=True)
        assert "reading is out</legend>" in page and 'name="daily_reading__sms"' in page
        answer = client.post(
            "/inbox/preferences",
            data={
                "daily_reading__inbox": "y",
                "daily_reading__sms": "y",
                "plan_published__inbox": "y",
                "plan_reminder__inbox": "y",
                # The meeting notices stay on.
                **{f"{kind}__inbox": "y" for kind in services.REMINDER_KINDS[4:]},
            },
        )
    finally:
        app.config["SMS_PROVIDER"] = None
    assert answer.status_code == 302
    chosen = services.preferences_of(session, user.id)
    assert chosen[("daily_reading", "sms")] is True
    assert chosen[("study_reminder", "inbox")] is False
    assert chosen[("plan_reminder", "inbox")] is True
    # Only choices that differ from the defaults are stored.
    rows = session.scalars(select(NotificationPreference)).all()
    assert {(r.kind, r.channel, r.is_wanted) for r in rows} == {
        ("daily_reading", "sms", True),
        ("study_reminder", "inbox", False),
    }
    page = client.get("/inbox/preferences").get_data(as_text=True)
    unticked = 'id="study_reminder__inbox" name="study_reminder__inbox" type="checkbox" value="y">'
    assert unticked in page


def test_the_secretary_sets_up_a_robot_and_never_sees_the_secret_again(
    client, login, session, make, in_english
):
    branch = make.branch()
    secretary = make.member(branch, role=Role.SECRETARY)
    login(secretary.user)
    url = f"/org/units/{branch.id}/channels"
    assert client.get(url).status_code == 200
    hook = "https://oapi.dingtalk.com/robot/send?access_token=abcdef123456"
    answer = client.post(
        url, data={"kind": "dingtalk", "webhook_url": hook, "secret": SECRET, "is_active": "y"}
    )
    assert answer.status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert SECRET not in page and hook not in page and "6789" in page
    # Saved again with empty fields: the credentials stay.
    client.post(url, data={"kind": "dingtalk", "webhook_url": "", "secret": "", "is_active": "y"})
    channel = session.scalars(select(BranchChannel)).one()
    assert channel.secret == SECRET and channel.webhook_url == hook
    from studyhub.audit.models import AuditEntry

    [entry] = session.scalars(select(AuditEntry).where(AuditEntry.kind == "group_robot.changed"))
    assert entry.actor_id == secretary.user_id and entry.object_id == branch.id
    assert SECRET not in str(entry.changes) and hook not in str(entry.changes)
    assert entry.changes["robot"] == [None, "dingtalk"]
    client.post(url, data={"kind": "dingtalk", "test": "y"})
    assert len(session.scalars(select(ChannelDelivery)).all()) == 1
    assert "A message is waiting to be sent." in client.get(url).get_data(as_text=True)
    post = session.scalars(select(ChannelDelivery)).one()
    post.status, post.last_error = DeliveryStatus.FAILED, "error 310000: sign not match"
    session.flush()
    page = client.get(url).get_data(as_text=True)
    assert "The last message could not be sent: error 310000: sign not match" in page
    for wrong in (
        "javascript:alert(1)",
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
        "https://10.0.0.5/cgi-bin/webhook/send?key=k",
        "https://oapi.dingtalk.com/robot/send?access_token=t",  # DingTalk's, not WeCom's
    ):
        bad = client.post(url, data={"kind": "wecom", "webhook_url": wrong})
        assert bad.status_code == 400, wrong
    assert len(session.scalars(select(BranchChannel)).all()) == 1


def test_members_and_other_branches_cannot_see_the_robots(client, login, make):
    branch = make.branch()
    url = f"/org/units/{branch.id}/channels"
    login(make.member(branch).user)
    assert client.get(url).status_code == 403
    login(make.member(make.branch(), role=Role.SECRETARY).user)
    assert client.get(url).status_code == 403
    assert NOW  # the fixed clock of the suite

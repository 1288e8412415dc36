"""deliver_outbox: each mail leaves once, failures are retried with backoff, then given up."""

from __future__ import annotations

import email
import email.policy
import smtplib
from datetime import timedelta
from email.message import EmailMessage

import pytest
from sqlalchemy import select

from studyhub.core.clock import as_utc
from studyhub.notify import services
from studyhub.notify.jobs import CLAIM_FOR, _claim, deliver_outbox
from studyhub.notify.mail import SmtpSender, SmtpSettings
from studyhub.notify.models import DeliveryStatus, EmailDelivery
from tests.conftest import NOW

SETTINGS = SmtpSettings(host="mail.invalid", mail_from="studyhub@example.org")


def queue_mails(session, make, n: int) -> list[int]:
    branch = make.branch()
    ids = []
    for i in range(n):
        user = make.member(branch).user
        message = services.send(
            session,
            user_id=user.id,
            kind="reading",
            subject=f"今日一读 {i}",
            body="请学习今天的材料。",
            link="/readings/7",
            now=NOW,
            email_to=f"m{i}@example.org",
        )
        ids.append(message.id)
    return ids


def deliveries(session) -> list[EmailDelivery]:
    session.expire_all()
    return list(session.scalars(select(EmailDelivery).order_by(EmailDelivery.id)))


def test_each_mail_is_sent_once_even_when_the_job_runs_twice(session, make):
    queue_mails(session, make, 3)
    outbox: list[EmailMessage] = []
    assert deliver_outbox(session, now=NOW, smtp_settings=SETTINGS, send=outbox.append) == 3
    assert deliver_outbox(session, now=NOW, smtp_settings=SETTINGS, send=outbox.append) == 0
    later = NOW + timedelta(days=1)
    assert deliver_outbox(session, now=later, smtp_settings=SETTINGS, send=outbox.append) == 0
    assert sorted(m["To"] for m in outbox) == [f"m{i}@example.org" for i in range(3)]
    assert outbox[0]["From"] == "studyhub@example.org"
    assert outbox[0]["Subject"].startswith("今日一读")
    rows = deliveries(session)
    assert [r.status for r in rows] == [DeliveryStatus.SENT] * 3
    assert all(r.attempts == 1 and as_utc(r.sent_at) == NOW for r in rows)


def test_nothing_is_sent_without_smtp_settings(session, make):
    queue_mails(session, make, 1)
    outbox: list[EmailMessage] = []
    assert deliver_outbox(session, now=NOW, smtp_settings=None, send=outbox.append) == 0
    assert outbox == []
    assert deliveries(session)[0].status == DeliveryStatus.PENDING


def test_a_failing_mail_is_retried_with_backoff_then_given_up(session, make):
    queue_mails(session, make, 1)
    calls = []

    def broken(mail):
        calls.append(mail)
        raise ConnectionRefusedError("mail server down")

    now = NOW
    expected_gaps = [1, 2, 4, 8]  # minutes
    for attempt, gap in enumerate(expected_gaps, start=1):
        assert deliver_outbox(session, now=now, smtp_settings=SETTINGS, send=broken) == 0
        row = deliveries(session)[0]
        assert (row.status, row.attempts) == (DeliveryStatus.PENDING, attempt)
        assert as_utc(row.next_attempt_at) == now + timedelta(minutes=gap)
        assert "mail server down" in row.last_error
        # not due yet: nothing is tried
        deliver_outbox(
            session, now=now + timedelta(seconds=30), smtp_settings=SETTINGS, send=broken
        )
        assert len(calls) == attempt
        now = now + timedelta(minutes=gap)
    assert deliver_outbox(session, now=now, smtp_settings=SETTINGS, send=broken) == 0
    row = deliveries(session)[0]
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 5)
    assert row.last_error == "ConnectionRefusedError: mail server down"
    deliver_outbox(session, now=now + timedelta(days=1), smtp_settings=SETTINGS, send=broken)
    assert len(calls) == 5


def test_a_refused_recipient_fails_at_once(session, make):
    queue_mails(session, make, 1)

    def refuse(mail):
        raise smtplib.SMTPRecipientsRefused({mail["To"]: (550, b"no such user")})

    deliver_outbox(session, now=NOW, smtp_settings=SETTINGS, send=refuse)
    row = deliveries(session)[0]
    assert (row.status, row.attempts) == (DeliveryStatus.FAILED, 1)


def test_one_failure_does_not_stop_the_batch(session, make):
    queue_mails(session, make, 3)
    sent = []

    def flaky(mail):
        if mail["To"] == "m1@example.org":
            raise TimeoutError("timed out")
        sent.append(mail["To"])

    assert deliver_outbox(session, now=NOW, smtp_settings=SETTINGS, send=flaky) == 2
    assert sent == ["m0@example.org", "m2@example.org"]
    assert [r.status for r in deliveries(session)] == [
        DeliveryStatus.SENT,
        DeliveryStatus.PENDING,
        DeliveryStatus.SENT,
    ]


def test_claimed_rows_are_left_to_their_claimant_until_the_claim_expires(session, make):
    """A run that crashed after claiming its batch: others skip the batch, then take it over."""
    queue_mails(session, make, 2)
    assert len(_claim(session, now=NOW, limit=10)) == 2
    session.commit()
    outbox: list[EmailMessage] = []
    assert deliver_outbox(session, now=NOW, smtp_settings=SETTINGS, send=outbox.append) == 0
    later = NOW + CLAIM_FOR
    assert deliver_outbox(session, now=later, smtp_settings=SETTINGS, send=outbox.append) == 2
    assert len(outbox) == 2


def test_batch_size_bounds_one_run(session, make):
    queue_mails(session, make, 3)
    outbox: list[EmailMessage] = []
    assert (
        deliver_outbox(session, now=NOW, smtp_settings=SETTINGS, send=outbox.append, batch_size=2)
        == 2
    )
    assert deliver_outbox(session, now=NOW, smtp_settings=SETTINGS, send=outbox.append) == 1


def test_the_smtplib_sender_talks_to_a_real_socket(session, make, smtp_server):
    queue_mails(session, make, 2)
    host, port = smtp_server.server_address
    settings = SmtpSettings(
        host=host,
        port=port,
        starttls=False,
        mail_from="studyhub@example.org",
        base_url="https://study.example.org/",
    )
    assert deliver_outbox(session, now=NOW, smtp_settings=settings) == 2
    assert [r.status for r in deliveries(session)] == [DeliveryStatus.SENT] * 2
    assert len(smtp_server.received) == 2
    sender, recipients, data = smtp_server.received[0]
    assert sender == "<studyhub@example.org>"
    assert recipients == ["<m0@example.org>"]
    mail = email.message_from_bytes(data, policy=email.policy.default)
    assert mail["Subject"] == "今日一读 0"
    body = mail.get_content()
    assert "请学习今天的材料。" in body
    assert "https://study.example.org/readings/7" in body


def test_the_smtplib_sender_reports_a_dead_server(smtp_server):
    host, port = smtp_server.server_address
    smtp_server.shutdown()
    smtp_server.server_close()
    mail = EmailMessage()
    mail["To"] = "x@example.org"
    mail.set_content("x")
    with (
        SmtpSender(SmtpSettings(host=host, port=port, starttls=False)) as send,
        pytest.raises(OSError),
    ):
        send(mail)


def test_settings_come_from_the_config_only_when_a_host_is_set():
    assert SmtpSettings.from_config({"SMTP_HOST": None}) is None
    settings = SmtpSettings.from_config(
        {"SMTP_HOST": "smtp.example.org", "SMTP_PORT": "2525", "SMTP_STARTTLS": False}
    )
    assert (settings.host, settings.port, settings.starttls) == ("smtp.example.org", 2525, False)

"""Messages stored as a kind plus parameters read in the reader's language."""

from __future__ import annotations

from flask_babel import force_locale

from studyhub.notify import services, texts
from studyhub.notify.models import Message
from tests.conftest import NOW


def send_reading(session, user) -> Message:
    services.send_many(
        session,
        [user.id],
        kind="daily_reading",
        subject="每日一读：《初心》",
        body="摘要",
        link="/readings/7",
        dedupe_key="daily-reading:7",
        now=NOW,
        params={"title": "初心", "summary": "摘要"},
    )
    return session.query(Message).filter_by(user_id=user.id).one()


def test_a_message_renders_in_each_language(session, make):
    message = send_reading(session, make.member().user)
    with force_locale("en"):
        assert texts.render(message) == ("Today's reading: 初心", "摘要")
    with force_locale("zh"):
        assert texts.render(message)[0] == "每日一读：《初心》"


def test_a_plan_reminder_renders_its_date_in_each_language(session, make):
    user = make.member().user
    message = services.send(
        session,
        user_id=user.id,
        kind="plan_reminder",
        subject="stored",
        now=NOW,
        params={"title": "学习二十大", "due_on": "2026-12-31"},
    )
    with force_locale("en"):
        assert texts.render(message)[0] == "Reminder: “学习二十大” is due on December 31, 2026"
    with force_locale("zh"):
        assert "2026年12月31日" in texts.render(message)[0]


def test_missing_params_fall_back_to_the_stored_text(session, make):
    user = make.member().user
    message = services.send(
        session, user_id=user.id, kind="daily_reading", subject="存的", now=NOW, params={"x": 1}
    )
    assert texts.render(message) == ("存的", "")


def test_the_inbox_shows_the_reader_language(session, make, client, login):
    user = make.member().user
    send_reading(session, user)
    login(user)
    zh = client.get("/inbox", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert "每日一读：《初心》" in zh
    en = client.get("/inbox", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Today&#39;s reading: 初心" in en and "每日一读" not in en


def test_email_copies_are_written_in_each_reader_language(session, make):
    from studyhub.notify.jobs import deliver_outbox
    from studyhub.notify.mail import SmtpSettings

    english, chinese = make.member().user, make.member().user
    english.locale = "en"
    for user in (english, chinese):
        user.email = f"u{user.id}@example.org"
    session.flush()
    services.send_many(
        session,
        [english.id, chinese.id],
        kind="daily_reading",
        subject="stored",
        dedupe_key="daily-reading:9",
        now=NOW,
        email=True,
        params={"title": "初心", "summary": ""},
    )
    outbox = []
    settings = SmtpSettings(host="mail.invalid")
    assert deliver_outbox(session, now=NOW, smtp_settings=settings, send=outbox.append) == 2
    subjects = {mail["To"]: mail["Subject"] for mail in outbox}
    assert subjects[english.email] == "Today's reading: 初心"
    assert subjects[chinese.email] == "每日一读：《初心》"

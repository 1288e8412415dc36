"""Outbox services: messages once per key, e-mail copies only when asked, read marks."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from studyhub.accounts.models import User
from studyhub.notify import queries, services
from studyhub.notify.models import DeliveryStatus, EmailDelivery, Message
from studyhub.org.models import Member
from tests.conftest import NOW


def count(session, model, *where) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where))


def test_send_adds_a_message_and_no_mail_without_an_address(session, make):
    user = make.member().user
    message = services.send(
        session, user_id=user.id, kind="reading", subject="今日一读", body="正文", now=NOW
    )
    assert message is not None and message.id
    assert (message.user_id, message.subject, message.body, message.read_at) == (
        user.id,
        "今日一读",
        "正文",
        None,
    )
    assert count(session, Message, Message.user_id == user.id) == 1
    assert count(session, EmailDelivery) == 0


def test_send_with_a_dedupe_key_sends_once(session, make):
    user = make.member().user
    first = services.send(
        session, user_id=user.id, kind="reading", subject="A", dedupe_key="reading:1", now=NOW
    )
    again = services.send(
        session, user_id=user.id, kind="reading", subject="A", dedupe_key="reading:1", now=NOW
    )
    other = services.send(
        session, user_id=user.id, kind="reading", subject="B", dedupe_key="reading:2", now=NOW
    )
    assert first is not None and again is None and other is not None
    assert count(session, Message, Message.user_id == user.id) == 2


def test_send_survives_a_lost_race_inside_a_savepoint(session, make, monkeypatch):
    """Another transaction inserted the same key after our SELECT: the unique constraint wins."""
    user = make.member().user
    services.send(session, user_id=user.id, kind="k", subject="first", dedupe_key="x", now=NOW)
    real_scalar = session.scalar
    calls = []

    def blind_first_lookup(stmt, *args, **kwargs):
        if not calls:  # pretend the pre-check saw nothing
            calls.append(stmt)
            return None
        return real_scalar(stmt, *args, **kwargs)

    monkeypatch.setattr(session, "scalar", blind_first_lookup)
    result = services.send(
        session, user_id=user.id, kind="k", subject="second", dedupe_key="x", now=NOW
    )
    monkeypatch.undo()
    assert calls and result is None
    # the caller's transaction is still usable
    assert count(session, Message, Message.user_id == user.id) == 1
    assert session.scalar(select(Message.subject).where(Message.user_id == user.id)) == "first"


def test_send_queues_an_email_when_given_an_address(session, make):
    user = make.member().user
    message = services.send(
        session, user_id=user.id, kind="k", subject="S", now=NOW, email_to="a@example.org"
    )
    delivery = session.scalars(select(EmailDelivery)).one()
    assert delivery.message_id == message.id
    assert delivery.to_address == "a@example.org"
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 0


def test_send_many_is_one_insert_and_skips_those_already_told(session, make, count_queries):
    branch = make.branch()
    users = [make.member(branch).user for _ in range(5)]
    services.send(session, user_id=users[0].id, kind="k", subject="S", dedupe_key="d", now=NOW)
    with count_queries() as statements:
        sent = services.send_many(
            session, [u.id for u in users], kind="k", subject="S", dedupe_key="d", now=NOW
        )
    assert sent == 4
    assert len(statements) == 1 and statements[0].lstrip().upper().startswith("INSERT")
    assert count(session, Message, Message.dedupe_key == "d") == 5
    assert (
        services.send_many(
            session, [u.id for u in users], kind="k", subject="S", dedupe_key="d", now=NOW
        )
        == 0
    )
    assert count(session, Message, Message.dedupe_key == "d") == 5


def test_send_many_accepts_a_select_and_queues_mail_for_addresses(session, make):
    branch = make.branch()
    members = [make.member(branch) for _ in range(3)]
    members[0].user.email = "one@example.org"
    members[1].user.email = ""
    session.flush()
    recipients = select(Member.user_id).where(Member.branch_id == branch.id)
    sent = services.send_many(
        session,
        recipients,
        kind="reading",
        subject="今日一读",
        link="/readings/1",
        dedupe_key="reading:1",
        now=NOW,
        email=True,
    )
    assert sent == 3
    rows = session.execute(
        select(Message.user_id, Message.link, Message.created_at).where(
            Message.dedupe_key == "reading:1"
        )
    ).all()
    assert sorted(r.user_id for r in rows) == sorted(m.user_id for m in members)
    assert {r.link for r in rows} == {"/readings/1"}
    deliveries = session.execute(
        select(EmailDelivery.to_address, User.id)
        .join(Message, Message.id == EmailDelivery.message_id)
        .join(User, User.id == Message.user_id)
    ).all()
    assert [(d.to_address, d.id) for d in deliveries] == [("one@example.org", members[0].user_id)]
    # sending again adds neither messages nor mails
    assert (
        services.send_many(
            session,
            recipients,
            kind="reading",
            subject="x",
            dedupe_key="reading:1",
            now=NOW,
            email=True,
        )
        == 0
    )
    assert count(session, EmailDelivery) == 1


def test_send_many_with_many_users_splits_the_list(session, make, monkeypatch):
    monkeypatch.setattr(services, "CHUNK", 2)
    branch = make.branch()
    ids = [make.member(branch).user_id for _ in range(5)]
    assert services.send_many(session, ids, kind="k", subject="S", dedupe_key="c", now=NOW) == 5
    assert count(session, Message, Message.dedupe_key == "c") == 5


def test_mark_read_and_mark_all_read_and_unread_count(session, make):
    user = make.member().user
    other = make.member().user
    messages = [
        services.send(session, user_id=user.id, kind="k", subject=f"S{i}", now=NOW)
        for i in range(3)
    ]
    services.send(session, user_id=other.id, kind="k", subject="theirs", now=NOW)
    assert session.scalar(queries.unread_count(), {"user_id": user.id}) == 3
    later = NOW + timedelta(minutes=5)
    assert services.mark_read(messages[0], now=later) is True
    assert services.mark_read(messages[0], now=later + timedelta(hours=1)) is False
    session.flush()
    assert session.scalar(queries.unread_count(), {"user_id": user.id}) == 2
    assert services.mark_all_read(session, user_id=user.id, now=later) == 2
    assert session.scalar(queries.unread_count(), {"user_id": user.id}) == 0
    assert session.scalar(queries.unread_count(), {"user_id": other.id}) == 1
    assert services.mark_all_read(session, user_id=user.id, now=later) == 0


def test_inbox_is_newest_first_and_only_the_users_own(session, make):
    user = make.member().user
    other = make.member().user
    for i in range(3):
        services.send(
            session, user_id=user.id, kind="k", subject=f"S{i}", now=NOW + timedelta(hours=i)
        )
    services.send(session, user_id=other.id, kind="k", subject="theirs", now=NOW)
    assert list(session.scalars(queries.inbox(user.id).with_only_columns(Message.subject))) == [
        "S2",
        "S1",
        "S0",
    ]
    theirs = session.scalar(select(Message.id).where(Message.user_id == other.id))
    assert session.scalar(queries.own_message(user.id, theirs)) is None

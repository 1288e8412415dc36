"""Writing messages into the outbox, and marking them read.

Callers add messages in the same transaction as the change that causes them;
nothing here talks to a mail server (``jobs.deliver_outbox`` does, after
commit). ``notify`` sits below ``accounts`` in the layers, so it never imports
the ``User`` model: ``send`` takes the address from its caller, and
``send_many`` reads only the ``email`` column of the ``user`` table that
``Message.user_id`` already points at.

Sending and marking read live here; :mod:`.preferences` (members' reminder choices) and
:mod:`.branch_channels` (branch group robots) are the other parts, and every public name
is importable from here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, column, exists, literal, select, table, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.notify.models import (
    DeliveryStatus,
    EmailDelivery,
    Message,
    NotificationPreference,
    SmsDelivery,
)
from studyhub.notify.services.branch_channels import channels_of as channels_of
from studyhub.notify.services.branch_channels import last_deliveries as last_deliveries
from studyhub.notify.services.branch_channels import post_to_branch as post_to_branch
from studyhub.notify.services.branch_channels import remove_channel as remove_channel
from studyhub.notify.services.branch_channels import save_channel as save_channel
from studyhub.notify.services.common import dialect_insert as _dialect_insert
from studyhub.notify.services.preferences import CHANNELS as CHANNELS
from studyhub.notify.services.preferences import DEFAULT_WANTED as DEFAULT_WANTED
from studyhub.notify.services.preferences import REMINDER_KINDS as REMINDER_KINDS
from studyhub.notify.services.preferences import preferences_of as preferences_of
from studyhub.notify.services.preferences import set_preferences as set_preferences
from studyhub.notify.services.preferences import wants as wants

# The columns of the accounts' user table that notifications read.
_user = table("user", column("id"), column("email"), column("phone"))

# Bound parameters per INSERT … SELECT when a list of user ids is given.
CHUNK = 500


def send(
    session: Session,
    *,
    user_id: int,
    kind: str,
    subject: str,
    body: str = "",
    link: str | None = None,
    dedupe_key: str | None = None,
    now: datetime,
    email_to: str | None = None,
    params: dict[str, Any] | None = None,
) -> Message | None:
    """Put a message in ``user_id``'s inbox; queue an e-mail copy when ``email_to`` is given.

    With a ``dedupe_key`` the message is sent once per user: when that user
    already has a message with the key, nothing is added and ``None`` comes
    back. The unique constraint on (user, key) settles a race between two
    transactions; the loser's insert is undone inside a savepoint, so the
    caller's transaction stays usable. Pass ``email_to`` only when e-mail is
    configured and the user has an address.
    """
    if not wants(session, user_id, kind, "inbox"):
        return None
    if email_to and not wants(session, user_id, kind, "email"):
        email_to = None
    if dedupe_key is not None:
        already = session.scalar(
            select(Message.id).where(Message.user_id == user_id, Message.dedupe_key == dedupe_key)
        )
        if already is not None:
            return None
    message = Message(
        user_id=user_id,
        kind=kind,
        params=params,
        subject=subject[:200],
        body=body,
        link=link,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(message)
            session.flush()
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    if email_to:
        session.add(
            EmailDelivery(
                message_id=message.id,
                to_address=email_to,
                status=DeliveryStatus.PENDING,
                attempts=0,
                next_attempt_at=now,
            )
        )
        session.flush()
    return message


def send_many(
    session: Session,
    user_ids: Iterable[int] | Select[Any],
    *,
    kind: str,
    subject: str,
    body: str = "",
    link: str | None = None,
    dedupe_key: str,
    now: datetime,
    email: bool = False,
    sms: bool = False,
    params: dict[str, Any] | None = None,
) -> int:
    """Send one message to many users in set-based SQL; returns how many were new.

    ``user_ids`` is a list of ids or a ``Select`` of one id column (a
    subquery: nothing is loaded into Python). Users who already have a message
    with ``dedupe_key`` are skipped (``ON CONFLICT DO NOTHING``, so a
    concurrent run skips them too). With ``email`` true (e-mail configured),
    an e-mail copy is queued for each new message whose user has an address; with
    ``sms`` (an SMS provider configured), an SMS copy for those who asked for SMS of this
    kind. Users who turned the kind off get nothing; ``params`` let the inbox render the
    text in the reader's language (``notify.texts``).
    """
    text = _Text(kind, subject, body, link, dedupe_key, params)
    if isinstance(user_ids, Select):
        return _send_to(session, user_ids, text, now, email, sms)
    ids = sorted(set(user_ids))
    return sum(
        _send_to(session, ids[i : i + CHUNK], text, now, email, sms)
        for i in range(0, len(ids), CHUNK)
    )


@dataclass(frozen=True)
class _Text:
    kind: str
    subject: str
    body: str
    link: str | None
    dedupe_key: str
    params: dict[str, Any] | None


def _choice(kind: Any, channel: str, user_id: Any, wanted: bool):
    """Whether ``user_id`` has chosen ``wanted`` for ``kind`` on ``channel`` (a SQL test)."""
    return exists().where(
        NotificationPreference.user_id == user_id,
        NotificationPreference.kind == kind,
        NotificationPreference.channel == channel,
        NotificationPreference.is_wanted.is_(wanted),
    )


def _send_to(
    session: Session, recipients: Any, text: _Text, now: datetime, email: bool, sms: bool
) -> int:
    rows = select(
        _user.c.id,
        literal(text.kind),
        literal(text.params, type_=Message.params.type),
        literal(text.subject[:200]),
        literal(text.body),
        literal(text.link, type_=Message.link.type),
        literal(text.dedupe_key),
        literal(now, type_=Message.created_at.type),
    ).where(_user.c.id.in_(recipients), ~_choice(text.kind, "inbox", _user.c.id, False))
    insert = _dialect_insert(session)(Message).from_select(
        ["user_id", "kind", "params", "subject", "body", "link", "dedupe_key", "created_at"],
        rows,
    )
    insert = insert.on_conflict_do_nothing(index_elements=["user_id", "dedupe_key"])
    new_ids = list(session.scalars(insert.returning(Message.id)))
    if email and new_ids:
        _queue_emails(session, new_ids, now)
    if sms and new_ids:
        _queue_sms(session, new_ids, now)
    return len(new_ids)


def _queue_sms(session: Session, message_ids: list[int], now: datetime) -> None:
    """SMS copies for the new messages whose users asked for SMS of the kind."""
    for i in range(0, len(message_ids), CHUNK):
        rows = (
            select(
                Message.id,
                _user.c.phone,
                literal(DeliveryStatus.PENDING.value),
                literal(0),
                literal(now, type_=SmsDelivery.next_attempt_at.type),
            )
            .join(_user, _user.c.id == Message.user_id)
            .where(
                Message.id.in_(message_ids[i : i + CHUNK]),
                _user.c.phone.is_not(None),
                _user.c.phone != "",
                _choice(Message.kind, "sms", Message.user_id, True),
            )
        )
        session.execute(
            _dialect_insert(session)(SmsDelivery).from_select(
                ["message_id", "phone", "status", "attempts", "next_attempt_at"], rows
            )
        )


def _queue_emails(session: Session, message_ids: list[int], now: datetime) -> None:
    for i in range(0, len(message_ids), CHUNK):
        rows = (
            select(
                Message.id,
                _user.c.email,
                literal(DeliveryStatus.PENDING.value),
                literal(0),
                literal(now, type_=EmailDelivery.next_attempt_at.type),
            )
            .join(_user, _user.c.id == Message.user_id)
            .where(
                Message.id.in_(message_ids[i : i + CHUNK]),
                _user.c.email.is_not(None),
                _user.c.email != "",
                ~_choice(Message.kind, "email", Message.user_id, False),
            )
        )
        session.execute(
            _dialect_insert(session)(EmailDelivery).from_select(
                ["message_id", "to_address", "status", "attempts", "next_attempt_at"], rows
            )
        )


def mark_read(message: Message, *, now: datetime) -> bool:
    """Mark ``message`` read; returns whether it was unread."""
    if message.read_at is not None:
        return False
    message.read_at = now
    return True


def mark_all_read(session: Session, *, user_id: int, now: datetime) -> int:
    """Mark every unread message of ``user_id`` read; returns how many."""
    result = session.execute(
        update(Message)
        .where(Message.user_id == user_id, Message.read_at.is_(None))
        .values(read_at=now)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount or 0

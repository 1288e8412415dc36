"""Writing messages into the outbox, and marking them read.

Callers add messages in the same transaction as the change that causes them;
nothing here talks to a mail server (``jobs.deliver_outbox`` does, after
commit). ``notify`` sits below ``accounts`` in the layers, so it never imports
the ``User`` model: ``send`` takes the address from its caller, and
``send_many`` reads only the ``email`` column of the ``user`` table that
``Message.user_id`` already points at.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    and_,
    column,
    delete,
    exists,
    func,
    literal,
    select,
    table,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from studyhub.notify.models import (
    BranchChannel,
    ChannelDelivery,
    ChannelKind,
    DeliveryStatus,
    EmailDelivery,
    Message,
    NotificationPreference,
    SmsDelivery,
)

# The columns of the accounts' user table that notifications read.
_user = table("user", column("id"), column("email"), column("phone"))

# The reminders a member may turn off (inbox and e-mail) or ask for by SMS. Others (a
# secretary's digests, exports ready) always arrive in the inbox.
REMINDER_KINDS = (
    "daily_reading",
    "study_reminder",
    "plan_published",
    "plan_reminder",
    # Meeting notices (meetings.notices).
    "meeting_invitation",
    "meeting_changed",
    "meeting_cancelled",
    "meeting_reminder",
    "leave_decided",
    "record_returned",
    "records_waiting",
    "makeup_assigned",
)
CHANNELS = ("inbox", "email", "sms")
DEFAULT_WANTED = {"inbox": True, "email": True, "sms": False}

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


def _dialect_insert(session: Session):
    name = session.get_bind().dialect.name
    if name == "postgresql":
        return postgresql.insert
    if name == "sqlite":
        return sqlite.insert
    raise NotImplementedError(f"send_many does not support {name}")


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


# Preferences ---------------------------------------------------------------------------------


def wants(session: Session, user_id: int, kind: str, channel: str) -> bool:
    """Whether ``user_id`` wants messages of ``kind`` on ``channel`` (defaults when unset)."""
    if kind not in REMINDER_KINDS:
        return channel != "sms"
    chosen = session.scalar(
        select(NotificationPreference.is_wanted).where(
            NotificationPreference.user_id == user_id,
            NotificationPreference.kind == kind,
            NotificationPreference.channel == channel,
        )
    )
    return DEFAULT_WANTED[channel] if chosen is None else bool(chosen)


def preferences_of(session: Session, user_id: int) -> dict[tuple[str, str], bool]:
    """Every (kind, channel) of the reminders with ``user_id``'s choice or the default."""
    chosen = {
        (kind, channel): bool(wanted)
        for kind, channel, wanted in session.execute(
            select(
                NotificationPreference.kind,
                NotificationPreference.channel,
                NotificationPreference.is_wanted,
            ).where(NotificationPreference.user_id == user_id)
        )
    }
    return {
        (kind, channel): chosen.get((kind, channel), DEFAULT_WANTED[channel])
        for kind in REMINDER_KINDS
        for channel in CHANNELS
    }


def set_preferences(session: Session, user_id: int, choices: dict[tuple[str, str], bool]) -> None:
    """Store ``user_id``'s choices; a choice equal to the default leaves no row."""
    for (kind, channel), wanted in choices.items():
        if kind not in REMINDER_KINDS or channel not in CHANNELS:
            raise ValueError(f"unknown reminder {kind}/{channel}")
        session.execute(
            delete(NotificationPreference).where(
                and_(
                    NotificationPreference.user_id == user_id,
                    NotificationPreference.kind == kind,
                    NotificationPreference.channel == channel,
                )
            )
        )
        if wanted != DEFAULT_WANTED[channel]:
            session.add(
                NotificationPreference(
                    user_id=user_id, kind=kind, channel=channel, is_wanted=wanted
                )
            )
    session.flush()


# Branch group channels -----------------------------------------------------------------------


def channels_of(session: Session, branch_id: int) -> list[BranchChannel]:
    return list(
        session.scalars(
            select(BranchChannel)
            .where(BranchChannel.branch_id == branch_id)
            .order_by(BranchChannel.kind)
        )
    )


def save_channel(
    session: Session,
    branch_id: int,
    kind: ChannelKind,
    *,
    webhook_url: str | None,
    secret: str | None,
    is_active: bool,
    by_user_id: int | None,
    now: datetime,
) -> BranchChannel:
    """Set up or change a branch's robot on one platform.

    An empty ``webhook_url`` or ``secret`` keeps the stored one (pages never show them
    back in full, so a form left empty means "unchanged").
    """
    channel = session.scalar(
        select(BranchChannel).where(
            BranchChannel.branch_id == branch_id, BranchChannel.kind == kind
        )
    )
    if channel is None:
        if not webhook_url:
            raise ValueError("a new channel needs its webhook address")
        channel = BranchChannel(branch_id=branch_id, kind=kind)
        session.add(channel)
    if webhook_url:
        channel.webhook_url = webhook_url
    if secret:
        channel.secret = secret
    channel.is_active = is_active
    channel.updated_at = now
    channel.updated_by_id = by_user_id
    session.flush()
    return channel


def remove_channel(session: Session, channel: BranchChannel) -> None:
    session.delete(channel)
    session.flush()


def post_to_branch(
    session: Session,
    branch_id: int,
    *,
    text: str,
    link: str | None,
    dedupe_key: str,
    now: datetime,
) -> int:
    """Queue ``text`` for every active robot of the branch, once per ``dedupe_key``.

    Returns how many posts were queued now (0 when the branch has no robot, or when the
    same key was queued before). ``jobs.deliver_channels`` sends them after commit.
    """
    rows = select(
        BranchChannel.id,
        literal(dedupe_key),
        literal(text),
        literal(link, type_=ChannelDelivery.link.type),
        literal(DeliveryStatus.PENDING.value),
        literal(0),
        literal(now, type_=ChannelDelivery.created_at.type),
        literal(now, type_=ChannelDelivery.next_attempt_at.type),
    ).where(BranchChannel.branch_id == branch_id, BranchChannel.is_active.is_(True))
    insert = (
        _dialect_insert(session)(ChannelDelivery)
        .from_select(
            [
                "channel_id",
                "dedupe_key",
                "text",
                "link",
                "status",
                "attempts",
                "created_at",
                "next_attempt_at",
            ],
            rows,
        )
        .on_conflict_do_nothing(index_elements=["channel_id", "dedupe_key"])
        .returning(ChannelDelivery.id)
    )
    return len(list(session.scalars(insert)))


def last_deliveries(session: Session, channel_ids: list[int]) -> dict[int, ChannelDelivery]:
    """Each robot's newest post (sent, waiting or failed), to show whether it works."""
    if not channel_ids:
        return {}
    newest = (
        select(func.max(ChannelDelivery.id))
        .where(ChannelDelivery.channel_id.in_(channel_ids))
        .group_by(ChannelDelivery.channel_id)
    )
    return {
        row.channel_id: row
        for row in session.scalars(select(ChannelDelivery).where(ChannelDelivery.id.in_(newest)))
    }

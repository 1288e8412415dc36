"""Members' reminder preferences: which reminders they want on which channel."""

from __future__ import annotations

from sqlalchemy import (
    and_,
    delete,
    select,
)
from sqlalchemy.orm import Session

from studyhub.notify.models import (
    NotificationPreference,
)

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

"""The notices' kinds and their texts, rendered from params in the reader's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from flask_babel import format_date, gettext

from studyhub.meetings.forms import KIND_LABELS
from studyhub.meetings.models import MeetingKind
from studyhub.notify import texts

INVITATION = "meeting_invitation"
CHANGED = "meeting_changed"
CANCELLED = "meeting_cancelled"
REMINDER = "meeting_reminder"
LEAVE_DECIDED = "leave_decided"
RECORD_RETURNED = "record_returned"
RECORDS_WAITING = "records_waiting"
MAKEUP_ASSIGNED = "makeup_assigned"  # sent by services.makeup when tasks are assigned
NOTICE_KINDS = (
    INVITATION,
    CHANGED,
    CANCELLED,
    REMINDER,
    LEAVE_DECIDED,
    RECORD_RETURNED,
    RECORDS_WAITING,
    MAKEUP_ASSIGNED,
)


def _when(value: str) -> str:
    """A local time stored as ``YYYY-MM-DDTHH:MM`` in the committee's time zone."""
    moment = datetime.fromisoformat(value)
    return f"{format_date(moment.date(), 'long')} {moment:%H:%M}"


def _kind(value: str) -> str:
    try:
        return str(KIND_LABELS[MeetingKind(value)])
    except (KeyError, ValueError):
        return value


def _place(p: Mapping[str, Any]) -> str:
    return gettext("Place: %(place)s", place=p["place"]) if p.get("place") else ""


def _invitation(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Meeting notice: %(kind)s “%(title)s”", kind=_kind(p["kind"]), title=p["title"]),
        "\n".join(
            line
            for line in (
                gettext("%(branch)s, on %(when)s.", branch=p["branch"], when=_when(p["at"])),
                _place(p),
                gettext("If you cannot attend, ask for leave on the meeting's page."),
            )
            if line
        ),
    )


def _changed(p: Mapping[str, Any]) -> tuple[str, str]:
    lines = [gettext("%(branch)s, now on %(when)s.", branch=p["branch"], when=_when(p["at"]))]
    if p.get("was"):
        lines.append(gettext("It was on %(when)s.", when=_when(p["was"])))
    lines.append(_place(p))
    return (
        gettext("Meeting changed: “%(title)s”", title=p["title"]),
        "\n".join(line for line in lines if line),
    )


def _cancelled(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Meeting cancelled: “%(title)s”", title=p["title"]),
        gettext(
            "The meeting on %(when)s is cancelled: %(reason)s",
            when=_when(p["at"]),
            reason=p.get("reason") or "",
        ),
    )


def _reminder(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Reminder: “%(title)s” at %(when)s", title=p["title"], when=_when(p["at"])),
        "\n".join(
            line
            for line in (
                gettext("%(kind)s of %(branch)s.", kind=_kind(p["kind"]), branch=p["branch"]),
                _place(p),
            )
            if line
        ),
    )


def _leave_decided(p: Mapping[str, Any]) -> tuple[str, str]:
    if p.get("approved"):
        subject = gettext("Your leave from “%(title)s” was approved", title=p["title"])
        body = gettext("You are excused from the meeting on %(when)s.", when=_when(p["at"]))
    else:
        subject = gettext("Your leave from “%(title)s” was not approved", title=p["title"])
        body = gettext("Please attend the meeting on %(when)s.", when=_when(p["at"]))
    return subject, body


def _record_returned(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("The record of “%(title)s” was returned", title=p["title"]),
        gettext("Correct it and submit it again. The reason: %(reason)s", reason=p["reason"]),
    )


def _records_waiting(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("%(n)d meeting records wait for your review", n=p["count"]),
        gettext(
            "The oldest was submitted on %(day)s.",
            day=format_date(datetime.fromisoformat(p["oldest"]).date(), "long"),
        ),
    )


def _makeup_assigned(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("补学: %(title)s", title=p["title"]),
        gettext("Study the material of the meeting you missed by %(when)s.", when=_when(p["due"])),
    )


RENDERERS: dict[str, texts.Renderer] = {
    INVITATION: _invitation,
    CHANGED: _changed,
    CANCELLED: _cancelled,
    REMINDER: _reminder,
    LEAVE_DECIDED: _leave_decided,
    RECORD_RETURNED: _record_returned,
    RECORDS_WAITING: _records_waiting,
    MAKEUP_ASSIGNED: _makeup_assigned,
}
for _name, _renderer in RENDERERS.items():
    texts.register(_name, _renderer)

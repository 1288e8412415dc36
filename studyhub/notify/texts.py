"""A message's text from its kind and parameters, in the language of whoever reads it.

Messages with ``params`` are rendered when shown (the inbox renders in the request's
language, which is the reader's choice; jobs render inside ``force_locale``). The
stored subject and body stay as written, in the default language, for messages without
parameters, kinds not listed here, and as the fallback when parameters are missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from flask_babel import format_date, gettext

from studyhub.notify.models import Message

Renderer = Callable[[Mapping[str, Any]], tuple[str, str]]


def _date(value: str) -> str:
    return format_date(date.fromisoformat(value), "long")


def _daily_reading(p: Mapping[str, Any]) -> tuple[str, str]:
    return gettext("Today's reading: %(title)s", title=p["title"]), p.get("summary") or ""


def _plan_published(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("New study plan: %(title)s", title=p["title"]),
        gettext("Due on %(date)s.", date=_date(p["due_on"])),
    )


def _plan_reminder(p: Mapping[str, Any]) -> tuple[str, str]:
    if p.get("due_on"):
        subject = gettext(
            "Reminder: “%(title)s” is due on %(date)s", title=p["title"], date=_date(p["due_on"])
        )
    else:
        subject = gettext("Reminder: please finish “%(title)s”", title=p["title"])
    return subject, gettext("Study the materials and take the test before your due date.")


def _study_reminder(p: Mapping[str, Any]) -> tuple[str, str]:
    return gettext("Please study today's reading: %(title)s", title=p["title"]), ""


def _quiz_regraded(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Your result in %(quiz)s was corrected", quiz=p["quiz"]),
        gettext(
            "The answer key was corrected and your attempt %(n)d regraded: %(old)s%% → %(new)s%%.",
            n=p["number"],
            old=p["old"],
            new=p["new"],
        ),
    )


def _quiz_marked(p: Mapping[str, Any]) -> tuple[str, str]:
    return (
        gettext("Your answers in %(quiz)s were marked", quiz=p["quiz"]),
        gettext("Your written answers were marked; your result is ready."),
    )


RENDERERS: dict[str, Renderer] = {
    "study_reminder": _study_reminder,
    "daily_reading": _daily_reading,
    "plan_published": _plan_published,
    "plan_reminder": _plan_reminder,
    "quiz_regraded": _quiz_regraded,
    "quiz_marked": _quiz_marked,
}


def register(kind: str, renderer: Renderer) -> None:
    """Render messages of ``kind`` with ``renderer`` (a domain above notify adds its own)."""
    RENDERERS[kind] = renderer


def render(message: Message) -> tuple[str, str]:
    """(subject, body) of ``message`` in the current language."""
    renderer = RENDERERS.get(message.kind)
    if renderer is not None and message.params:
        try:
            return renderer(message.params)
        except (KeyError, TypeError, ValueError):
            pass
    return message.subject, message.body

"""The attempt page's questions and navigator, rendered without per-option template work.

Each question's screen is rendered by its template (``_screen.html``) once per
question version, option order, language and kind of quiz, with a marker in
every place that belongs to the taker (the position, the answers, the flag…).
That rendering is cut at the markers into a :class:`Skeleton` and kept; a page
then only joins the skeleton's pieces with the taker's values. The markup stays
in the template; the cost per page is one join per question, whatever the
options, and the template runs again only for a version no page showed yet.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import Any

from flask import get_template_attribute, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from studyhub.quizzes.forms import QTYPE_LABELS
from studyhub.quizzes.models import QuestionType
from studyhub.quizzes.services import grading, review
from studyhub.quizzes.services.sheets import AttemptPage, PageItem, Sheet

TEMPLATE = "quizzes/attempt/_screen.html"
MAX_SKELETONS = 50_000
_MARK = re.compile("\x01([a-z_0-9]+)\x02")
_CHOICES = (QuestionType.SINGLE, QuestionType.MULTIPLE)


class _Slots:
    """What the template is given for the taker's values: a marker named after each."""

    def __getitem__(self, name: str) -> Markup:
        return Markup(f"\x01{name}\x02")

    def __getattr__(self, name: str) -> Markup:
        if name.startswith("__"):
            raise AttributeError(name)
        return self[name]


class Skeleton:
    """A rendering cut at its markers: its literal pieces and, between them, slot names.

    Filling it is C-level work (a dict copy, an itemgetter, one join), whatever the slots.
    """

    __slots__ = ("blank", "get", "literals", "single")

    def __init__(self, html: str) -> None:
        parts = _MARK.split(html)
        self.literals: list[str] = parts[0::2]
        names = parts[1::2]
        self.blank = dict.fromkeys(names, "")
        self.get = itemgetter(*names) if names else None
        self.single = len(names) == 1

    def fill(self, values: dict[str, str]) -> str:
        if self.get is None:
            return self.literals[0]
        full = self.blank.copy()
        full.update(values)
        found = self.get(full)
        slots = (found,) if self.single else found
        pairs = zip(self.literals, slots, strict=False)  # one literal more than slots
        return "".join(chain.from_iterable(pairs)) + self.literals[-1]


_cache: dict[tuple[Any, ...], Any] = {}
_lock = threading.Lock()


def _kept(key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
    found = _cache.get(key)
    if found is None:
        found = make()
        with _lock:
            if len(_cache) >= MAX_SKELETONS:
                _cache.clear()
            _cache[key] = found
    return found


def clear_skeletons() -> None:
    """Forget every rendering (tests, whose databases reuse version ids, call it)."""
    with _lock:
        _cache.clear()


@dataclass(frozen=True)
class _Shown:
    """A version as ``_screen.html`` takes it, options in one taker's order."""

    qtype: str
    qtype_label: str
    stem_html: str
    stem_parts: tuple[str, ...] | None
    options: tuple[tuple[str, str, str], ...]  # (key, label, html)
    blanks: int


def _order(sheet: Sheet, option_order: Iterable[str]) -> tuple[str, ...]:
    """The taker's option order (as :func:`review._choice_options` makes it)."""
    keys = sheet.keys
    if sheet.qtype == QuestionType.TRUEFALSE:
        return (grading.TRUE, grading.FALSE)
    if sheet.qtype not in _CHOICES:
        return ()
    order = [k for k in option_order if k in keys] or list(keys)
    return tuple(order + [k for k in keys if k not in order])


def _screen(
    sheet: Sheet, option_order: tuple[str, ...], locale: str
) -> tuple[Skeleton, tuple[str, ...]]:
    """The screen's skeleton for this option order, and the order as shown (kept together)."""

    def make() -> tuple[Skeleton, tuple[str, ...]]:
        order = _order(sheet, option_order)
        return _skeleton(sheet, order, locale), order

    return _kept(("order", sheet.version_id, sheet.question_id, option_order, locale), make)


def _skeleton(sheet: Sheet, order: tuple[str, ...], locale: str) -> Skeleton:
    def make() -> Skeleton:
        if sheet.qtype == QuestionType.TRUEFALSE:
            options = tuple(
                (key, review.LABELS[i], str(review.TRUEFALSE_LABELS[key]))
                for i, key in enumerate(order)
            )
        else:
            html = dict(sheet.options)
            options = tuple(
                (key, review.LABELS[i] if i < len(review.LABELS) else key, html[key])
                for i, key in enumerate(order)
            )
        shown = _Shown(
            qtype=str(sheet.qtype),
            qtype_label=str(QTYPE_LABELS.get(sheet.qtype, "")),
            stem_html=sheet.stem_html,
            stem_parts=sheet.stem_parts,
            options=options,
            blanks=sheet.blanks,
        )
        return Skeleton(str(get_template_attribute(TEMPLATE, "screen")(shown, _Slots())))

    return _kept(("screen", sheet.version_id, sheet.question_id, order, locale), make)


def _text(key: tuple[Any, ...], make: Callable[[], Any]) -> str:
    return _kept(key, lambda: str(make()))


def _chosen(sheet: Sheet, response: Any) -> set[str]:
    if sheet.qtype == QuestionType.TRUEFALSE:
        return (
            {grading.TRUE} if response is True else {grading.FALSE} if response is False else set()
        )
    if isinstance(response, list):
        return {str(value) for value in response}
    return {str(response)} if response is not None else set()


def _blank_texts(response: Any, count: int) -> list[str]:
    texts = response if isinstance(response, list) else []
    return [str(texts[i]) if i < len(texts) else "" for i in range(count)]


@dataclass(frozen=True)
class Context:
    """What every screen of one page shares."""

    attempt_id: int
    total: int
    current: int
    token: str
    is_instant: bool
    locale: str
    save_url: str
    titles: list[str]  # "Question n of total" for n = 1…total
    actions: tuple[str, str, str, str]  # the buttons by (first) + 2 × (last)


def _values(item: PageItem, sheet: Sheet, order: tuple[str, ...], ctx: Context) -> dict[str, str]:
    """The taker's values of one screen without feedback (an exam in progress)."""
    pos = item.position
    total = ctx.total
    loc = ctx.locale
    values = {
        "pos": str(pos),
        "title": ctx.titles[pos - 1] if pos <= total else _title(pos, total),
        "points": _text(("points", loc, item.points), lambda: _points(item.points)),
        "current": " is-current" if pos == ctx.current else "",
        "seq": str(item.seq),
        "token": ctx.token,
        "save_url": ctx.save_url,
        "flag": " checked" if item.is_flagged else "",
        "actions": ctx.actions[(pos == 1) + 2 * (pos >= total)],
    }
    response = item.response
    if order:
        chosen = _chosen(sheet, response)
        for index, key in enumerate(order):
            if key in chosen:
                values[f"oc{index}"] = " is-chosen"
                values[f"ock{index}"] = " checked"
    elif sheet.qtype == QuestionType.ESSAY:
        values["text"] = str(escape(response)) if isinstance(response, str) else ""
    else:
        for index, text in enumerate(_blank_texts(response, sheet.blanks)):
            values[f"bv{index}"] = str(escape(text))
    return values


def _title(position: int, total: int) -> str:
    return _("Question %(n)d of %(total)d", n=position, total=total)


def _points(points: Decimal) -> str:
    return _("%(points)s points", points=f"{float(points):g}")


def _actions(first: bool, last: bool, locked: bool, ctx: Context) -> str:
    key = ("actions", ctx.locale, first, last, locked, ctx.is_instant)
    return _kept(
        key,
        lambda: str(
            get_template_attribute(TEMPLATE, "actions")(first, last, locked, ctx.is_instant)
        ),
    )


def _feedback_values(view: review.ItemView, ctx: Context) -> dict[str, str]:
    """The values of a screen whose item shows feedback (practice, the daily quiz)."""
    pos = view.position
    locked = ctx.is_instant and view.has_feedback
    values = {
        "pos": str(pos),
        "title": _title(pos, ctx.total),
        "points": _points(view.points),
        "current": " is-current" if pos == ctx.current else "",
        "seq": str(view.seq),
        "token": ctx.token,
        "save_url": ctx.save_url,
        "flag": " checked" if view.is_flagged else "",
        "locked": " disabled" if locked else "",
        "actions": _actions(pos == 1, pos >= ctx.total, locked, ctx),
    }
    if view.has_feedback:
        values["feedback"] = render_template("quizzes/attempt/_feedback.html", item=view)
    mark = str(Markup('<span class="mark ok">✓ %s</span>') % _("Correct answer"))
    for index, option in enumerate(view.options):
        css = " is-chosen" if option.is_chosen else ""
        if option.is_right is True:
            css += " right-answer"
            values[f"om{index}"] = mark
        elif option.is_right is False and option.is_chosen:
            css += " wrong-choice"
        values[f"oc{index}"] = css
        values[f"ock{index}"] = " checked" if option.is_chosen else ""
    if view.essay is not None:
        values["text"] = str(escape(view.essay.text or ""))
    for blank in view.blanks:
        values[f"bv{blank.index}"] = str(escape(blank.text))
        if blank.is_right is not None:
            values[f"bc{blank.index}"] = " is-right" if blank.is_right else " is-wrong"
    return values


def screens(page: AttemptPage, ctx: Context, views: list[review.ItemView] | None = None) -> Markup:
    """Every question's screen of the page; ``views`` (with feedback) when some item shows it."""
    out = []
    by_position = {view.position: view for view in views or []}
    for item in page.items:
        sheet = page.sheets[item.version_id]
        skeleton, order = _screen(sheet, item.option_order, ctx.locale)
        view = by_position.get(item.position)
        values = (
            _feedback_values(view, ctx) if view is not None else _values(item, sheet, order, ctx)
        )
        out.append(skeleton.fill(values))
    return Markup("\n".join(out))


def navigator(page: AttemptPage, ctx: Context) -> Markup:
    """The navigator's entries: one join each."""
    loc = ctx.locale
    skeleton = _kept(
        ("nav", loc), lambda: Skeleton(str(get_template_attribute(TEMPLATE, "nav_entry")(_Slots())))
    )
    words = _kept(
        ("nav-words", loc),
        lambda: {
            (answered, flagged): str(escape(_("answered") if answered else _("not answered")))
            + (str(escape(", " + _("flagged"))) if flagged else "")
            for answered in (True, False)
            for flagged in (True, False)
        },
    )
    base = url_for("quizzes.attempt", attempt_id=ctx.attempt_id)
    out = []
    for item in page.items:
        pos = item.position
        answered = item.is_answered
        state = (" is-answered" if answered else "") + (" is-flagged" if item.is_flagged else "")
        out.append(
            skeleton.fill(
                {
                    "href": f"{base}?q={pos}#q{pos}",
                    "pos": str(pos),
                    "state": state,
                    "current": ' aria-current="step"' if pos == ctx.current else "",
                    "words": words[(answered, item.is_flagged)],
                }
            )
        )
    return Markup("\n".join(out))


def context(page: AttemptPage, *, current: int, token: str) -> Context:
    """What every screen of the page shares (its words kept per language and length)."""
    locale = str(get_locale())
    total = len(page.items)
    is_instant = page.is_instant
    numbers = range(1, total + 1)
    titles = _kept(("titles", locale, total), lambda: [_title(n, total) for n in numbers])
    ctx = Context(
        attempt_id=page.attempt_id,
        total=total,
        current=current,
        token=token,
        is_instant=is_instant,
        locale=locale,
        save_url=url_for("quizzes.save_answer", attempt_id=page.attempt_id),
        titles=titles,
        actions=("", "", "", ""),
    )
    actions = tuple(
        _actions(first, last, False, ctx) for last in (False, True) for first in (False, True)
    )
    return replace(ctx, actions=actions)

"""Pieces the parsers share: text formats to HTML, category paths, choice questions."""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from flask_babel import gettext as _
from markdown_it import MarkdownIt

from studyhub.quizzes.importers.model import (
    FULL_WEIGHT,
    KEYS,
    MEDIA_SCHEME,
    WEIGHT_TOLERANCE,
    Answer,
    ParsedCategory,
    ParsedOption,
    QType,
)

_MARKDOWN = MarkdownIt("commonmark")
#: What counts as white space at the ends of a line or cell: ASCII only, as in Moodle, so
#: that a blank written as no-break spaces at the end of a stem survives.
SPACE = " \t\n\r\f\v"
_TAG_RE = re.compile(r"<[^>]*>")


class Invalid(Exception):
    """A question breaks a rule; the message says which, for a person to read."""


def plain_to_html(text: str) -> str:
    """Plain text shown as written: ``<html class="cool"> &`` stays text."""
    escaped = html.escape(text.replace("\r\n", "\n"), quote=False)
    return escaped.replace("\n", "<br>\n")


def to_html(text: str, text_format: str) -> str:
    """Text in one of Moodle's formats as HTML (not yet sanitised).

    html is kept; moodle (Moodle's auto-format, GIFT's default) is HTML whose line
    breaks count; plain is escaped; markdown is rendered (CommonMark).
    """
    text = text.replace("\r\n", "\n")
    if text_format == "plain":
        return plain_to_html(text)
    if text_format == "markdown":
        return _MARKDOWN.render(text).strip()
    if text_format == "moodle":
        return text.replace("\n", "<br>\n")
    return text


def html_to_text(markup: str) -> str:
    """The words of some HTML on one line: for names and messages."""
    return " ".join(html.unescape(_TAG_RE.sub(" ", markup)).split())


def require_stem(stem_html: str, *, name: str) -> str:
    """The stem, or :class:`Invalid` when it has neither words nor a picture."""
    if not html_to_text(stem_html) and "<img" not in stem_html:
        raise Invalid(_("“%(name)s” has no question text.", name=name))
    return stem_html


def first_words(markup: str, limit: int = 60) -> str:
    text = html_to_text(markup)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def media_ref(name: str) -> str:
    """How a question's text refers to one of its media files."""
    return MEDIA_SCHEME + quote(name)


def split_category_path(path: str) -> tuple[str, ...]:
    """Moodle's category path as names: ``$course$/top/A/B`` → ``("A", "B")``.

    The context root (``$course$``, ``$module$``, ``$system$``, ``$cat$``…) and Moodle's
    ``top`` go; ``//`` inside a name is a literal slash.
    """
    parts = [part.replace("//", "/").strip() for part in re.split(r"(?<!/)/(?!/)", path.strip())]
    if parts and re.fullmatch(r"\$\w*\$", parts[0]):
        parts = parts[1:]
    if parts and parts[0] == "top":
        parts = parts[1:]
    return tuple(part for part in parts if part)


def add_category(
    categories: list[ParsedCategory],
    path: tuple[str, ...],
    *,
    idnumber: str | None = None,
    info_html: str = "",
) -> None:
    """Declare a category, its parents first (a child may come before its parent)."""
    known = {category.path: index for index, category in enumerate(categories)}
    for depth in range(1, len(path)):
        if path[:depth] not in known:
            known[path[:depth]] = len(categories)
            categories.append(ParsedCategory(path[:depth]))
    category = ParsedCategory(path, idnumber or None, info_html)
    if path in known:
        categories[known[path]] = category
    elif path:
        categories.append(category)


def _percent(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def build_choice(
    choices: list[tuple[str, float]], *, single: bool, name: str
) -> tuple[QType, list[ParsedOption], Answer]:
    """Options from (html, weight %) pairs, as a single or a multiple choice.

    ``single`` is what the file asked for. One option at 100% makes a single choice;
    several at 100% make a multiple choice (each right one then weighs 100/n). In a
    multiple choice the right options are those with a positive weight, and those
    weights must add up to 100% (±0.01).
    """
    if len(choices) < 2:
        raise Invalid(_("“%(name)s” needs at least two options.", name=name))
    if len(choices) > len(KEYS):
        raise Invalid(
            _(
                "“%(name)s” has %(count)d options; at most 8 are allowed.",
                name=name,
                count=len(choices),
            )
        )
    for text, weight in choices:
        if not html_to_text(text) and "<img" not in text:
            raise Invalid(_("“%(name)s” has an empty option.", name=name))
        if not -FULL_WEIGHT <= weight <= FULL_WEIGHT:
            raise Invalid(
                _(
                    "“%(name)s” has an option weighted %(weight)s%%; "
                    "weights run from -100%% to 100%%.",
                    name=name,
                    weight=_percent(weight),
                )
            )
    full = [
        i
        for i, (_text, weight) in enumerate(choices)
        if abs(weight - FULL_WEIGHT) <= WEIGHT_TOLERANCE
    ]
    if single and len(full) == 1:
        options = [ParsedOption(KEYS[i], text, weight) for i, (text, weight) in enumerate(choices)]
        return "single", options, KEYS[full[0]]
    if single and not full:
        raise Invalid(_("“%(name)s” has no right option (one weighted 100%%).", name=name))
    if single:
        share = FULL_WEIGHT / len(full)
        choices = [
            (text, share if i in full else min(weight, 0.0))
            for i, (text, weight) in enumerate(choices)
        ]
    options = [ParsedOption(KEYS[i], text, weight) for i, (text, weight) in enumerate(choices)]
    total = sum(option.weight for option in options if option.weight > 0)
    if abs(total - FULL_WEIGHT) > WEIGHT_TOLERANCE:
        raise Invalid(
            _(
                "“%(name)s”: the weights of its right options add up to %(total)s%%, not 100%%.",
                name=name,
                total=_percent(total),
            )
        )
    return "multiple", options, [option.key for option in options if option.weight > 0]

"""Markdown to safe HTML, plain text for search, and reading-time estimates.

Rendering happens once when a reading is saved; pages show the stored HTML.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from html import unescape

from markdown_it import MarkdownIt

from studyhub.web.html import Sanitised, sanitise, sanitise_html

_markdown = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)

# Characters of the CJK scripts; each counts as a "word" for the length.
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef]")
_LATIN_WORD = re.compile(r"[A-Za-z0-9]+(?:['’-][A-Za-z0-9]+)*")
_TAG = re.compile(r"<[^>]+>")
# Tags that end a line of text; inline ones (strong, a, em…) join their text to the next,
# so that a search for "新的内容" finds "**新**的内容".
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|h[1-6]|li|ul|ol|br|hr|tr|td|th|table|thead|tbody|tfoot|caption|"
    r"blockquote|pre|figure|figcaption|img|audio|video|source)\b[^>]*>",
    re.IGNORECASE,
)
_SPACE = re.compile(r"\s+")

CJK_CHARS_PER_MINUTE = 400
LATIN_WORDS_PER_MINUTE = 200


def render_markdown(source: str) -> str:
    """Markdown (raw HTML allowed in it) to sanitised HTML."""
    return sanitise_html(_markdown.render(source))


def render_markdown_checked(source: str) -> Sanitised:
    """Like :func:`render_markdown`, and which elements went with their content (for a preview)."""
    return sanitise(_markdown.render(source))


def plain_text(html: str) -> str:
    """The visible text of sanitised HTML, for search and length."""
    return _SPACE.sub(" ", unescape(_TAG.sub("", _BLOCK_TAG.sub(" ", html)))).strip()


@dataclass(frozen=True)
class Length:
    char_count: int  # CJK characters plus Latin words
    reading_seconds: int


def measure(text: str) -> Length:
    """Chinese is measured in characters (about 400 a minute), other text in words."""
    cjk = len(_CJK.findall(text))
    words = len(_LATIN_WORD.findall(_CJK.sub(" ", text)))
    seconds = cjk * 60 / CJK_CHARS_PER_MINUTE + words * 60 / LATIN_WORDS_PER_MINUTE
    return Length(char_count=cjk + words, reading_seconds=max(30, math.ceil(seconds / 10) * 10))


def minimum_seconds(reading_seconds: int, *, fraction: float, floor: int, ceiling: int) -> int:
    """How long a member must spend before a reading counts as studied."""
    return int(min(ceiling, max(floor, reading_seconds * fraction)))


@dataclass(frozen=True)
class StudyTime:
    """The reading time shown to members: one figure, wherever it is shown.

    It is the honest minimum (``Reading.min_seconds``, the wait before "已学习" is
    accepted), so the estimate on home, the plan, the library and the reading page
    is the countdown the reading page runs, never a different figure. Under a
    minute it is shown in seconds; otherwise in minutes, rounded half up, marked
    "about" unless exact.
    """

    seconds: int

    @property
    def is_shown(self) -> bool:
        return self.seconds > 0

    @property
    def minutes(self) -> int:
        return (self.seconds + 30) // 60

    @property
    def is_exact(self) -> bool:
        return self.seconds < 60 or self.seconds % 60 == 0

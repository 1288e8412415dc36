"""Sanitising HTML that people wrote or imported, for every domain that stores it.

Readings, questions and anything else shown as HTML go through
:func:`sanitise_html` before they are stored: only the tags, attributes and
URL schemes below survive. Relative URLs (``/quizzes/media/…``, uploads served
by the app) are kept; ``javascript:`` and other schemes are dropped.

A few elements make an HTML parser read everything after their start tag as
their own text, up to their end tag: ``<style>``, ``<script>``, ``<title>``,
``<textarea>`` and the like. Cleaned naively, a literal ``<style>`` in a
reading would swallow the rest of the body. So only a complete ``<script>`` or
``<style>`` element is removed with its content (and :func:`sanitise` says so,
for the editor's preview); any other such tag, or one never closed, is removed
as a ``<font>`` would be, and what follows it stays.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nh3

ALLOWED_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "caption", "code", "del", "div", "em", "figcaption",
    "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s",
    "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "u", "ul", "audio", "video", "source",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "audio": {"src", "controls", "preload"},
    "video": {"src", "controls", "preload", "poster", "width", "height"},
    "source": {"src", "type"},
    "ol": {"start"},
}
URL_SCHEMES = {"http", "https", "mailto"}

# A whole <script> or <style> element: code, not text, removed with its content.
_CODE_ELEMENT = re.compile(r"<(script|style)(?=[\s/>])[^>]*>.*?</\1(?=[\s/>])[^>]*>", re.I | re.S)
# Elements whose content the parser would not read as HTML (raw text, RCDATA, a
# template's inert content, or the rest of the document).
_SWALLOWING = (
    r"(?:script|style|title|textarea|xmp|iframe|noembed|noframes|noscript|plaintext|template)"
)
# Their tags, start or end, with attributes; and a tag's start cut off at the end.
_SWALLOWING_TAG = re.compile(rf"</?{_SWALLOWING}(?=[\s/>])[^>]*>", re.I)
_SWALLOWING_START = re.compile(rf"<(?=/?{_SWALLOWING}(?:[\s/>]|$))", re.I)


@dataclass(frozen=True)
class Sanitised:
    html: str
    dropped: tuple[str, ...]  # the names of the elements removed with their content, in order


def sanitise(html: str) -> Sanitised:
    """Safe HTML, and which elements went with their content (``script``, ``style``)."""
    dropped: list[str] = []

    def drop(match: re.Match[str]) -> str:
        dropped.append(match.group(1).lower())
        return ""

    kept = _SWALLOWING_START.sub("&lt;", _SWALLOWING_TAG.sub("", _CODE_ELEMENT.sub(drop, html)))
    return Sanitised(html=_clean(kept), dropped=tuple(dropped))


def sanitise_html(html: str) -> str:
    """HTML with only safe tags, attributes and URL schemes; scripts, handlers and styles go."""
    return sanitise(html).html


def _clean(html: str) -> str:
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )

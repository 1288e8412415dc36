"""Links from a page of one domain to the pages of domains above it that use its object.

A quiz's pages may not import the study plans that set it as their test, yet a
member who took the test from a plan wants to go back to that plan. So, as with
the home page's panels (:mod:`studyhub.web.home`), the domain above registers a
provider for a kind of object; the page asks every provider of that kind for
the links to show this user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask

EXTENSION_KEY = "studyhub.related_links"


@dataclass(frozen=True)
class RelatedLink:
    label: str
    url: str
    # A button that posts (with the CSRF token) instead of a link: a next step that starts
    # something, such as today's daily quiz, in one tap.
    is_post: bool = False


LinkProvider = Callable[[Any, Any], list[RelatedLink]]  # (the object, the user)


def register_related_links(app: Flask, kind: str, provider: LinkProvider) -> None:
    """Ask ``provider`` for links whenever a page shows an object of ``kind``."""
    app.extensions.setdefault(EXTENSION_KEY, {}).setdefault(kind, []).append(provider)


def related_links(app: Flask, kind: str, subject: Any, user: Any) -> list[RelatedLink]:
    links: list[RelatedLink] = []
    for provider in app.extensions.get(EXTENSION_KEY, {}).get(kind, []):
        links.extend(provider(subject, user))
    return links

"""``url_for`` in templates, built once per process for each link the layout repeats.

Every page's layout links the same dozen endpoints (home, inbox, help, the tab
bar, versioned CSS and JavaScript); building each URL through Werkzeug's
router, the app's URL defaults (the static files' version hash) and Flask's
checks costs more than the rest of the layout. Outside debug mode a link
depends only on its endpoint, its arguments and the request's script root, so
templates get a ``url_for`` that keeps what it built; anything unusual (an
external URL, an anchor, a method, arguments that cannot be hashed, a request
without context) goes to Flask's own ``url_for``.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, request, url_for

# At most this many distinct links are kept (the layout needs a few dozen; ids in
# links such as a member's branch add one each).
MAX_LINKS = 4096


def register_links(app: Flask) -> None:
    """Give templates the keeping ``url_for`` (not in debug mode, where files change)."""
    if app.debug:
        return
    kept: dict[tuple, str] = {}

    def template_url_for(endpoint: str, **values: Any) -> str:
        if endpoint.startswith(".") or any(key.startswith("_") for key in values):
            return url_for(endpoint, **values)
        try:
            key = (endpoint, request.script_root, frozenset(values.items()))
        except TypeError:  # an argument that cannot be a key (a list)
            return url_for(endpoint, **values)
        found = kept.get(key)
        if found is None:
            found = url_for(endpoint, **values)
            if len(kept) >= MAX_LINKS:
                kept.clear()
            kept[key] = found
        return found

    app.jinja_env.globals["url_for"] = template_url_for

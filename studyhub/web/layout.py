"""The layout's own cost: what every page's template calls many times, made cheap.

``url_for`` in templates, built once per process for each link the layout repeats.

Every page's layout links the same dozen endpoints (home, inbox, help, the tab
bar, versioned CSS and JavaScript); building each URL through Werkzeug's
router, the app's URL defaults (the static files' version hash) and Flask's
checks costs more than the rest of the layout. Outside debug mode a link
depends only on its endpoint, its arguments and the request's script root, so
templates get a ``url_for`` that keeps what it built (an external link by the
request's host and scheme too); anything unusual (an anchor, a method or scheme,
a relative endpoint, arguments that cannot be hashed) goes to Flask's own
``url_for``.

``_()`` in templates: flask-babel looks the request's translations up again for
every string (a dozen and more a page); here they are looked up once per request
and locale (a ``force_locale`` block gets its own).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, request, url_for
from flask_babel import get_translations

# At most this many distinct links are kept (the layout needs a few dozen; ids in
# links such as a member's branch add one each).
MAX_LINKS = 4096


def register_layout(app: Flask) -> None:
    """Install the template helpers below on ``app``'s Jinja environment."""
    _install_gettext(app)
    if not app.debug:  # in debug mode static files change, and their links with them
        _install_url_for(app)


def _translations():
    """The request's translations, looked up once per request and locale."""
    babel = g.get("_flask_babel") if g else None
    locale = getattr(babel, "babel_locale", None)
    kept = getattr(babel, "studyhub_translations", None)
    if kept is not None and locale is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    babel = g.get("_flask_babel") if g else None
    if babel is not None:
        babel.studyhub_translations = (getattr(babel, "babel_locale", None), translations)
    return translations


def _install_gettext(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=lambda s: _translations().ugettext(s),
        ngettext=lambda s, p, n: _translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: _translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: _translations().unpgettext(c, s, p, n),
    )


def _install_url_for(app: Flask) -> None:
    kept: dict[tuple, str] = {}

    def template_url_for(endpoint: str, **values: Any) -> str:
        if endpoint.startswith(".") or any(
            key.startswith("_") and key != "_external" for key in values
        ):
            return url_for(endpoint, **values)
        # An external link (og:image) depends on the host and scheme it was asked on too.
        where = request.host_url if values.get("_external") else request.script_root
        try:
            key = (endpoint, where, frozenset(values.items()))
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

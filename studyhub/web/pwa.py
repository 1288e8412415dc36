"""The installable app: web app manifest, favicon and the service worker, at the site's root.

The service worker must be served from ``/`` to control every page; it caches the app
shell and the readings a member opened, so today's reading can be read offline (see
``static/js/sw.js``). Everything comes from this host (the CSP allows nothing else).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, send_from_directory, url_for
from flask_babel import gettext as _

bp = Blueprint("pwa", __name__)

# The version of the cached shell: a deploy that changes the shell's files bumps it.
SHELL_VERSION = "1"


@bp.get("/manifest.webmanifest")
def manifest():
    response = jsonify(
        {
            "name": _("StudyHub"),
            "short_name": _("StudyHub"),
            "start_url": url_for("web.home"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#b3261e",
            "lang": "zh-CN",
            "icons": [
                {
                    "src": url_for("static", filename="icons/icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                },
                {
                    "src": url_for("static", filename="icons/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                },
                {
                    "src": url_for("static", filename="icons/icon-maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    return response


@bp.get("/favicon.ico")
def favicon():
    return send_from_directory(
        current_app.static_folder, "icons/favicon.ico", mimetype="image/vnd.microsoft.icon"
    )


@bp.get("/sw.js")
def service_worker():
    response = send_from_directory(
        current_app.static_folder, "js/sw.js", mimetype="text/javascript", max_age=0
    )
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
def offline():
    """What the service worker shows for a page it did not keep, without a connection."""
    return render_template("web/offline.html")

"""Security headers on every response.

Every page is built from this app's own files (no CDN, no inline script, no
``on…=`` handler, no ``style`` attribute), so the Content-Security-Policy is
``default-src 'self'`` with nothing unsafe: an injected ``<script>`` or handler
does not run, and a reading's external image does not load (images are uploaded
to the library). No page is meant to be framed (``frame-ancestors 'none'``, and
``X-Frame-Options`` for older browsers): a same-site page cannot frame the
password form. HSTS is sent only where ``HSTS_SECONDS`` is set (production).

A few fixed headers do not need an extension: flask-talisman would also redirect
to HTTPS and change cookie flags, which the proxy and config.py already decide.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def media_origins(url: str | None) -> list[str]:
    """``[scheme://host[:port]]`` of an absolute http(s) media URL; [] for a local or no URL."""
    parts = urlsplit(url or "")
    if parts.scheme in ("http", "https") and parts.netloc:
        return [f"{parts.scheme}://{parts.netloc}"]
    return []


def media_policy(origins: list[str], connect: list[str] | None = None) -> str:
    """The policy of a page that plays media from ``origins`` besides its own (a live
    lesson's stream): media, and the requests of a script player (HLS), may go there, and
    the page may connect to ``connect`` (its live channel); nothing else changes."""
    allowed = " ".join(["'self'", *sorted(set(origins))])
    connected = " ".join(["'self'", *sorted(set(origins) | set(connect or []))])
    return "; ".join(
        [CONTENT_SECURITY_POLICY, f"media-src {allowed} blob:", f"connect-src {connected}"]
    )


def security_headers(hsts_seconds: int) -> dict[str, str]:
    """The headers every response gets (unless a view set its own value)."""
    headers = {
        "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "same-origin",
    }
    if hsts_seconds > 0:
        headers["Strict-Transport-Security"] = f"max-age={hsts_seconds}"
    return headers


def register_security_headers(app: Flask) -> None:
    headers = security_headers(int(app.config.get("HSTS_SECONDS") or 0))

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        return response

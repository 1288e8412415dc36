"""What an operator relies on: cache-safe static URLs, readiness, request ids and logs."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from flask import Flask, url_for

from studyhub.web.ops import register_ops


def test_static_urls_carry_a_hash_of_the_file(app: Flask) -> None:
    content = (Path(app.static_folder) / "css" / "app.css").read_bytes()
    with app.test_request_context():
        url = url_for("static", filename="css/app.css")
        missing = url_for("static", filename="css/no-such-file.css")
    assert url == f"/static/css/app.css?v={hashlib.sha256(content).hexdigest()[:12]}"
    assert missing == "/static/css/no-such-file.css"


def test_pages_link_the_versioned_stylesheet(client) -> None:
    page = client.get("/login").get_data(as_text=True)
    assert re.search(r'href="/static/css/app\.css\?v=[0-9a-f]{12}"', page)


def test_a_new_file_gets_a_new_url(app: Flask, tmp_path: Path) -> None:
    static = tmp_path / "static"
    static.mkdir()
    (static / "x.css").write_text("a{}")
    other = Flask("studyhub", static_folder=str(static))
    register_ops(other)
    with other.test_request_context():
        first = url_for("static", filename="x.css")
        (static / "x.css").write_text("a{color:red}")
        second = url_for("static", filename="x.css")
    assert first != second

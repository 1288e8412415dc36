"""The installable app's files: manifest, icons, favicon, service worker, offline page."""

from __future__ import annotations

import io

from PIL import Image


def test_manifest_lists_icons_that_exist(client):
    answer = client.get("/manifest.webmanifest")
    assert answer.status_code == 200
    assert answer.mimetype == "application/manifest+json"
    manifest = answer.get_json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/"
    sizes = set()
    for icon in manifest["icons"]:
        with client.get(icon["src"]) as image:
            assert image.status_code == 200, icon["src"]
            width, height = Image.open(io.BytesIO(image.data)).size
        assert icon["sizes"] == f"{width}x{height}"
        sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])


def test_favicon_and_service_worker_answer_at_the_root(client):
    with client.get("/favicon.ico") as favicon:
        assert favicon.status_code == 200 and favicon.data[:4] == b"\x00\x00\x01\x00"
    with client.get("/sw.js") as worker:
        assert worker.status_code == 200 and worker.mimetype == "text/javascript"
        assert worker.headers["Cache-Control"] == "no-cache"
        assert b'addEventListener("fetch"' in worker.data


def test_every_page_links_the_manifest_icon_and_a_card(client):
    page = client.get("/login").get_data(as_text=True)
    assert '<link rel="manifest" href="/manifest.webmanifest">' in page
    assert '<link rel="icon" href="/favicon.ico"' in page
    assert 'property="og:title"' in page and 'name="description"' in page


def test_offline_page_needs_no_login(client):
    answer = client.get("/offline")
    assert answer.status_code == 200
    assert "没有网络" in answer.get_data(as_text=True)

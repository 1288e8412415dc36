"""Browser fixtures: a live server with the demo data, and Chromium posing as a phone.

The live server is its own app with its own database (CSRF on, as in
production), never the rolled-back test database of ``tests/conftest.py``.
It runs on SQLite, and also on PostgreSQL when ``STUDYHUB_TEST_DATABASE_URL``
is set: there it uses a sibling database named ``<name>_e2e``, created when
missing and rebuilt by the migrations every session.

The browser is Debian's Chromium at ``/usr/bin/chromium``; Playwright never
downloads one. Without it the browser tests skip.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, sync_playwright
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

from studyhub import create_app
from studyhub.core import clock
from studyhub.demo import load_demo
from studyhub.extensions import db
from studyhub.org import services as org
from studyhub.org.models import MemberStatus, OrgUnit, UnitKind
from tests.conftest import reset_schema

CHROMIUM = "/usr/bin/chromium"
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36"
    ),
    "locale": "zh-CN",
}

# A member added by a secretary who has not activated the account yet: no password
# (not even the phone's last six digits, the first password of older versions).
NEWCOMER_NAME = "新党员"
NEWCOMER_PHONE = "13912345678"
NEWCOMER_PASSWORD = "345678"
NEWCOMER_BRANCH = "机关第二党支部"

E2E_DATABASES = ["sqlite"]
if os.environ.get("STUDYHUB_TEST_DATABASE_URL"):
    E2E_DATABASES.append("postgresql")


@dataclass(frozen=True)
class LiveServer:
    url: str
    database: str
    app: Flask
    unit_ids: dict[str, int] = field(default_factory=dict)


def e2e_database_url(test_url: str) -> str:
    """The PostgreSQL database beside the test one, created when missing."""
    url = make_url(test_url)
    target = url.set(database=f"{url.database}_e2e")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :name"),
                {"name": target.database},
            )
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        admin.dispose()
    return target.render_as_string(hide_password=False)


def _load_data(app: Flask) -> dict[str, int]:
    """The demo organisation plus a newcomer who has not activated the account."""
    with app.app_context():
        load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
        units = {u.name: u.id for u in db.session.scalars(select(OrgUnit))}
        branch = db.session.get(OrgUnit, units[NEWCOMER_BRANCH])
        assert branch is not None and branch.kind == UnitKind.BRANCH
        newcomer = org.add_member(
            db.session,
            branch,
            org.MemberFields(
                name=NEWCOMER_NAME,
                phone=NEWCOMER_PHONE,
                member_no=None,
                status=MemberStatus.FULL,
                joined_on=date(2020, 7, 1),
            ),
            now=clock.now_utc(),
        )
        assert newcomer.user.must_change_password
        db.session.commit()
        return units


class BrowserClockCookies:
    """Cookie lifetimes counted from the browser's clock, not the server's.

    The server runs in this process, on the tests' clock (``TEST_START`` in
    tests/conftest.py); Chromium runs on the machine's. A cookie's ``Expires``
    written by the server could be already past for the browser; ``Max-Age``
    counts from the browser's own now, so the cookie lasts as long as the server
    meant, whenever the suite runs.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            headers = [
                (name, _relative_expiry(value) if name.lower() == "set-cookie" else value)
                for name, value in headers
            ]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


_EXPIRES = re.compile(r";\s*Expires=([^;]*)", re.IGNORECASE)


def _relative_expiry(cookie: str) -> str:
    match = _EXPIRES.search(cookie)
    if match is None:
        return cookie
    if re.search(r";\s*Max-Age=", cookie, re.IGNORECASE):
        return _EXPIRES.sub("", cookie)
    seconds = (parsedate_to_datetime(match.group(1)) - clock.now_utc()).total_seconds()
    return _EXPIRES.sub(f"; Max-Age={max(0, int(seconds))}", cookie)


@pytest.fixture(scope="session", params=E2E_DATABASES)
def live_server(request, tmp_path_factory) -> Iterator[LiveServer]:
    tmp_dir = tmp_path_factory.mktemp(f"e2e-{request.param}")
    if request.param == "postgresql":
        database_url = e2e_database_url(os.environ["STUDYHUB_TEST_DATABASE_URL"])
    else:
        database_url = f"sqlite:///{tmp_dir / 'e2e.sqlite'}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STUDYHUB_INSTANCE_PATH", str(tmp_dir / "instance"))
        app = create_app(
            {
                "ENV_NAME": "testing",
                "SQLALCHEMY_DATABASE_URI": database_url,
                "WTF_CSRF_ENABLED": True,
                "SERVER_NAME": None,
            }
        )
    reset_schema(app)
    unit_ids = _load_data(app)

    server = make_server("127.0.0.1", 0, BrowserClockCookies(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(
            url=f"http://127.0.0.1:{server.server_port}",
            database=request.param,
            app=app,
            unit_ids=unit_ids,
        )
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def browser_environment() -> dict[str, str] | None:
    """Chromium's environment: the tests' own, or with its clock set by libfaketime.

    ``STUDYHUB_E2E_BROWSER_FAKETIME='2026-12-07 23:59:30'`` starts the browser's
    clock there (in ``TZ``, default Asia/Shanghai), to show that the browser tests
    do not care what the machine's clock says. Only the browser: libfaketime breaks
    Python's timed waits, and the server runs on the tests' fixed clock anyway.
    """
    start = os.environ.get("STUDYHUB_E2E_BROWSER_FAKETIME")
    if not start:
        return None
    if not Path(LIBFAKETIME).exists():
        pytest.skip(f"STUDYHUB_E2E_BROWSER_FAKETIME needs {LIBFAKETIME} (apt-get install faketime)")
    return {
        **os.environ,
        "LD_PRELOAD": LIBFAKETIME,
        "FAKETIME": f"@{start}",
        "TZ": os.environ.get("TZ", "Asia/Shanghai"),
    }


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.skip(
            f"browser tests need Debian's chromium at {CHROMIUM} (apt-get install chromium)"
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, env=browser_environment()
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A fresh phone (no cookies) pointed at the live server."""
    context = browser.new_context(**PHONE, base_url=live_server.url)
    context.set_default_timeout(10_000)
    page = context.new_page()
    violations: list[str] = []

    def note_violation(message) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    page.on("console", note_violation)
    yield page
    context.close()
    # No page the test opened needed anything the Content-Security-Policy forbids.
    assert violations == [], violations


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where screenshots go: ``STUDYHUB_E2E_SCREENSHOTS`` if set, else a temporary folder."""
    chosen = os.environ.get("STUDYHUB_E2E_SCREENSHOTS")
    if chosen:
        path = Path(chosen)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


def log_in(page: Page, identifier: str, password: str) -> None:
    """Fill the login form as a person would and wait for the answer."""
    page.goto("/login")
    page.fill("input[name=identifier]", identifier)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def wait_until(page: Page, expression: str, *, timeout: float = 10_000) -> None:
    """Wait until the JavaScript ``expression`` is true in the page.

    Instead of ``page.wait_for_function``, whose predicate is evaluated as a string
    in the page: the Content-Security-Policy forbids that (no 'unsafe-eval').
    """
    waited = 0.0
    while not page.evaluate(expression):
        if waited >= timeout:
            raise AssertionError(f"still false after {timeout / 1000:.0f} s: {expression}")
        page.wait_for_timeout(100)
        waited += 100

"""Two app processes, as on two machines, sharing one PostgreSQL database, one Redis and
one bucket: an image uploaded through one is served by the other, and failed logins are
counted once across both.

The processes are real gunicorn servers on free ports, each with its own instance
folder (so nothing can pass through a local disk); the bucket is moto's S3 server. The
database is the PostgreSQL test database (``STUDYHUB_TEST_DATABASE_URL``), in a schema of
its own that the test creates from the models and drops afterwards; the login counts live
in Redis database 9 (``STUDYHUB_TEST_REDIS_URL`` to use another), which the test empties.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
from sqlalchemy import create_engine, text

from studyhub import create_app
from studyhub.accounts.services import hash_password
from studyhub.extensions import db
from studyhub.org import services as org
from studyhub.org.models import MemberStatus, Role, UnitKind
from tests.conftest import NOW
from tests.s3server import Bucket, bucket, s3_server  # noqa: F401

DATABASE_URL = os.environ.get("STUDYHUB_TEST_DATABASE_URL")
REDIS_URL = os.environ.get("STUDYHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
SCHEMA = "several_machines"
PASSWORD = "secret123"
HASH_METHOD = "pbkdf2:sha256:1000"
ACCOUNT_LIMIT = 3
START_TIMEOUT = 30.0

pytestmark = pytest.mark.skipif(
    not DATABASE_URL,
    reason="several app processes need a shared PostgreSQL database: "
    "set STUDYHUB_TEST_DATABASE_URL",
)

requests = pytest.importorskip("requests")


@dataclass(frozen=True)
class People:
    committee_id: int
    staff_phone: str
    member_phone: str


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _in_schema(url: str) -> str:
    """The database URL with its connections' search_path set to :data:`SCHEMA`."""
    return url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={SCHEMA}")


@pytest.fixture
def redis_url() -> str:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.flushdb()
    except redis.RedisError as exc:
        pytest.skip(f"shared login limits need Redis at {REDIS_URL}: {exc}")
    finally:
        client.close()
    return REDIS_URL


@contextmanager
def _disposing() -> Iterator[None]:
    """Close the app's database connections at the end, even after an error."""
    try:
        yield
    finally:
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def database(tmp_path) -> Iterator[tuple[str, People]]:
    """A schema of its own in the test database, its tables made from the models, with a
    committee, a member of its staff and a member (their passwords are PASSWORD)."""
    assert DATABASE_URL is not None
    admin = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    url = _in_schema(DATABASE_URL)
    app = create_app(
        {
            "ENV_NAME": "testing",
            "SQLALCHEMY_DATABASE_URI": url,
            "UPLOAD_FOLDER": str(tmp_path / "unused"),
        }
    )
    try:
        with app.app_context(), _disposing():
            db.metadata.create_all(db.engine)
            session = db.session
            committee = org.create_committee(
                session, "多机测试党委", now=NOW, timezone="Asia/Shanghai"
            )
            branch = org.create_unit(
                session, committee, kind=UnitKind.BRANCH, name="多机测试支部", now=NOW
            )
            phones = []
            for n, role in enumerate((Role.STAFF, None), start=1):
                member = org.add_member(
                    session,
                    branch,
                    org.MemberFields(
                        name=f"多机党员{n}",
                        phone=f"1390000000{n}",
                        member_no=f"M{n:06d}",
                        status=MemberStatus.FULL,
                        joined_on=date(2001, 7, 1),
                    ),
                    now=NOW,
                    password_hash=hash_password(PASSWORD, method=HASH_METHOD),
                )
                member.user.must_change_password = False
                if role is not None:
                    org.appoint(session, member.user, committee, role, by=None, now=NOW)
                phones.append(f"1390000000{n}")
            session.commit()
            people = People(committee.id, phones[0], phones[1])
        yield url, people
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


@pytest.fixture
def machines(database, redis_url, bucket: Bucket, tmp_path) -> Iterator[list[str]]:  # noqa: F811
    """Two gunicorn servers with the same settings (but their own instance folders)."""
    url, _people = database
    env = {
        **os.environ,
        "STUDYHUB_ENV": "development",
        "STUDYHUB_SECRET_KEY": "several-machines-test-secret",
        "STUDYHUB_DATABASE_URL": url,
        "STUDYHUB_RATELIMIT_STORAGE_URI": redis_url,
        "STUDYHUB_LOGIN_ACCOUNT_LIMIT": f"{ACCOUNT_LIMIT} per 15 minutes",
        "STUDYHUB_PASSWORD_HASH_METHOD": HASH_METHOD,
        **{f"STUDYHUB_{name}": value for name, value in bucket.settings().items()},
    }
    env.pop("STUDYHUB_TEST_DATABASE_URL", None)
    servers: list[subprocess.Popen] = []
    urls: list[str] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            instance = tmp_path / f"instance-{name}"
            instance.mkdir()
            with (tmp_path / f"server-{name}.log").open("wb") as log:  # the child keeps it
                servers.append(
                    subprocess.Popen(
                        [
                            sys.executable,
                            "-m",
                            "gunicorn",
                            "--workers=1",
                            f"--bind=127.0.0.1:{port}",
                            "studyhub:create_app()",
                        ],
                        env={**env, "STUDYHUB_INSTANCE_PATH": str(instance)},
                        cwd=tmp_path,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                    )
                )
            urls.append(f"http://127.0.0.1:{port}")
        for server, base in zip(servers, urls, strict=True):
            _wait_until_up(server, base, tmp_path)
        yield urls
    finally:
        for server in servers:
            server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
        for server in servers:
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


def _wait_until_up(server: subprocess.Popen, base: str, logs: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = "\n".join(p.read_text(errors="replace") for p in logs.glob("server-*.log"))
            pytest.fail(f"an app process ended at start:\n{output[-3000:]}")
        try:
            if requests.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:  # not listening yet, or still loading the app
            pass
        time.sleep(0.1)
    pytest.fail(f"{base} did not answer within {START_TIMEOUT} s")


def _csrf(page: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', page
    )
    assert match, "no CSRF token on the page"
    return match.group(1)


def _log_in(browser, base: str, phone: str, password: str):
    token = _csrf(browser.get(f"{base}/login", timeout=10).text)
    return browser.post(
        f"{base}/login",
        data={"identifier": phone, "password": password, "csrf_token": token},
        allow_redirects=False,
        timeout=10,
    )


def _png(side: int = 32) -> bytes:
    buffer = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def test_two_processes_share_uploads_and_login_limits(machines, database, bucket):  # noqa: F811
    a, b = machines
    _url, people = database

    # Staff log in on A and upload an image there; B serves it, to them and not to strangers.
    staff = requests.Session()
    assert _log_in(staff, a, people.staff_phone, PASSWORD).status_code == 302
    images = f"{a}/library/{people.committee_id}/images"
    data = _png()
    uploaded = staff.post(
        images,
        data={"csrf_token": _csrf(staff.get(images, timeout=10).text)},
        files={"file": ("合影.png", data, "image/png")},
        headers={"Accept": "application/json"},
        timeout=10,
    )
    assert uploaded.status_code == 201, uploaded.text
    path = uploaded.json()["url"]
    assert path == f"/uploads/{people.committee_id}/{hashlib.sha256(data).hexdigest()}.png"
    served = staff.get(f"{b}{path}", timeout=10)
    assert served.status_code == 200 and served.content == data
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    stranger = requests.get(f"{b}{path}", allow_redirects=False, timeout=10)
    assert stranger.status_code == 302 and "/login" in stranger.headers["Location"]

    # Failed logins to one account, taking turns between A and B, share one count: after
    # ACCOUNT_LIMIT of them both refuse even the right password (each process alone has
    # seen fewer than the limit).
    guesser = requests.Session()
    turns = [a, b] * ACCOUNT_LIMIT
    for base in turns[:ACCOUNT_LIMIT]:
        assert _log_in(guesser, base, people.member_phone, "wrong password").status_code == 200
    for base in (turns[ACCOUNT_LIMIT], turns[ACCOUNT_LIMIT + 1]):
        assert _log_in(guesser, base, people.member_phone, PASSWORD).status_code == 429

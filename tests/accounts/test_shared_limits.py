"""Two real app processes count failed logins together through Redis.

With ``memory://`` each process would allow the account's whole budget; with
``STUDYHUB_RATELIMIT_STORAGE_URI=redis://…`` five wrong passwords sent to one
process and five to the other block the account in both. Needs Redis on
127.0.0.1:6379 (database 1 is flushed); skipped with a message when absent.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("STUDYHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/1")
PASSWORD = "Secret2026"
SERVE = """
import sys
from werkzeug.serving import make_server
from studyhub import create_app
server = make_server("127.0.0.1", int(sys.argv[1]), create_app())
print("ready", flush=True)
server.serve_forever()
"""


def redis_or_skip():
    redis = pytest.importorskip("redis", reason="the redis client is not installed")
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"Redis is not running at {REDIS_URL}: the shared limit cannot be tested")
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post_login(port: int, identifier: str, password: str) -> int:
    """Log in as a browser does (the form's CSRF token and cookie); the answer's status."""
    opener = urllib.request.build_opener(
        NoRedirect, urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    base = f"http://127.0.0.1:{port}"
    with opener.open(f"{base}/login", timeout=30) as page:
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.read().decode())
    assert token is not None
    data = {"identifier": identifier, "password": password, "csrf_token": token.group(1)}
    request = urllib.request.Request(f"{base}/login", data=urllib.parse.urlencode(data).encode())
    try:
        with opener.open(request, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STUDYHUB_")}
    env.update(
        {
            "STUDYHUB_ENV": "development",
            "STUDYHUB_INSTANCE_PATH": str(tmp_path / "instance"),
            "STUDYHUB_DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite'}",
            "STUDYHUB_SECRET_KEY": "shared-limits-test",
            "STUDYHUB_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "STUDYHUB_RATELIMIT_STORAGE_URI": REDIS_URL,
        }
    )
    return env


def studyhub(env: dict[str, str], *args: str) -> None:
    command = [str(Path(sys.executable).parent / "studyhub"), *args]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"studyhub {' '.join(args)} failed:\n{done.stderr[-3000:]}"


@contextmanager
def two_servers(env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """Two app processes on the same database, each on its own port."""
    studyhub(env, "db", "upgrade")
    studyhub(env, "create-admin", "--name", "管理员", "--login", "admin1", "--password", PASSWORD)
    servers, ports = [], []
    try:
        for _ in range(2):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "-c", SERVE, str(port)],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            servers.append(process)
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
            ports.append(port)
        yield ports[0], ports[1]
    finally:
        for process in servers:
            process.terminate()
        for process in servers:
            process.wait(timeout=10)
            if process.stdout is not None:
                process.stdout.close()


def test_two_processes_share_the_login_limit_through_redis(environment):
    redis = redis_or_skip()
    redis.flushdb()
    try:
        with two_servers(environment) as (first, second):
            for _ in range(5):
                assert post_login(first, "admin1", "wrong-one") == 200
                assert post_login(second, "admin1", "wrong-two") == 200
            # Each process saw only five failures; together they are the account's ten.
            assert post_login(first, "admin1", PASSWORD) == 429
            assert post_login(second, "admin1", PASSWORD) == 429
    finally:
        redis.flushdb()


def test_with_memory_storage_each_process_counts_alone(environment):
    """The control: with ``memory://`` the same ten failures leave the account open."""
    environment["STUDYHUB_RATELIMIT_STORAGE_URI"] = "memory://"
    with two_servers(environment) as (first, second):
        for _ in range(5):
            assert post_login(first, "admin1", "wrong-one") == 200
            assert post_login(second, "admin1", "wrong-two") == 200
        assert post_login(first, "admin1", PASSWORD) == 302

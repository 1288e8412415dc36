"""A real S3-compatible server for the tests: moto's server mode on a free local port.

Not a mock of boto3: the app's storage talks HTTP to it as it would to a bucket of a
cloud. ``s3_server`` (one per test session) gives the endpoint; ``bucket`` makes an
empty bucket for one test and gives the settings that point the app at it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from studyhub.web.storage import S3Storage

ACCESS_KEY = "studyhub-test"
SECRET_KEY = "studyhub-test-secret"
REGION = "us-east-1"
_buckets = itertools.count(1)


@dataclass(frozen=True)
class Bucket:
    endpoint_url: str
    name: str

    def settings(self, prefix: str = "uploads") -> dict[str, str]:
        """The app's settings for this bucket (``STUDYHUB_`` + these names in the environment)."""
        return {
            "STORAGE_URL": f"s3://{self.name}/{prefix}",
            "STORAGE_ENDPOINT_URL": self.endpoint_url,
            "STORAGE_ACCESS_KEY": ACCESS_KEY,
            "STORAGE_SECRET_KEY": SECRET_KEY,
            "STORAGE_REGION": REGION,
        }


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a moto S3 server running for the whole test session."""
    server_module = pytest.importorskip("moto.server", reason="moto[server] is a test extra")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture
def bucket(s3_server: str) -> Bucket:
    """A new, empty bucket on the test S3 server."""
    name = f"studyhub-test-{next(_buckets)}"
    S3Storage(
        name, endpoint_url=s3_server, access_key=ACCESS_KEY, secret_key=SECRET_KEY, region=REGION
    ).client.create_bucket(Bucket=name)
    return Bucket(s3_server, name)

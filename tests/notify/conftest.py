"""Fixtures of the notification tests."""

from __future__ import annotations

import pytest

from tests.notify.fake_smtp import running_smtp_server


@pytest.fixture
def smtp_server():
    with running_smtp_server() as server:
        yield server

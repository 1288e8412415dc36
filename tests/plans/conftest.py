"""Fixtures of the plans tests: English messages, an organisation with a general branch."""

from __future__ import annotations

import pytest

from tests.plans.plan_helpers import Org, make_org


@pytest.fixture(autouse=True)
def english(app, session):
    """Messages in English (the msgids): the default outside a request is Chinese."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def client(client):
    """The test client, asking for English pages."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def org(make) -> Org:
    return make_org(make)

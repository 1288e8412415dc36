"""Ids the database cannot hold: a 404 on every route, never a 500, on both databases."""

from __future__ import annotations

import re

import pytest

from studyhub.web.ids import MAX_ID, db_id, up_to

OUT_OF_RANGE = [str(MAX_ID + 1), str(2**63), str(10**30), "-1", "-2147483649"]
_ARGUMENT = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")


def _id_rules(app):
    return [
        rule
        for rule in app.url_map.iter_rules()
        if any(m.group("converter") == "int" for m in _ARGUMENT.finditer(rule.rule))
    ]


def _url(rule, value: str) -> str:
    def fill(match: re.Match[str]) -> str:
        return value if match.group("converter") == "int" else "x"

    return _ARGUMENT.sub(fill, rule.rule)


def _method(rule) -> str:
    return "GET" if "GET" in rule.methods else sorted(rule.methods - {"HEAD", "OPTIONS"})[0]


def test_every_route_with_an_id_answers_404_for_an_id_outside_the_database_range(
    app, client, make, login
):
    login(make.admin())
    rules = _id_rules(app)
    assert len(rules) > 100  # the whole app, not a few routes
    wrong = []
    for rule in rules:
        for value in OUT_OF_RANGE:
            url = _url(rule, value)
            response = client.open(url, method=_method(rule))
            if response.status_code != 404:
                wrong.append((url, response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


def test_the_largest_id_is_looked_up_and_not_found(app, client, make, login):
    """2**31 - 1 reaches the database (a real query) and finds nothing: never a 500."""
    login(make.admin())
    wrong = []
    for rule in _id_rules(app):
        if "GET" not in rule.methods:
            continue
        url = _url(rule, str(MAX_ID))
        response = client.get(url)
        if response.status_code not in (403, 404):
            wrong.append((url, response.status_code))
    assert wrong == [], "\n".join(map(str, wrong))


def test_ids_in_query_strings_outside_the_range_read_as_absent():
    assert db_id("0") == 0
    assert db_id(str(MAX_ID)) == MAX_ID
    for value in [*OUT_OF_RANGE, "", "x", "1.5"]:
        with pytest.raises(ValueError):
            db_id(value)


def test_the_url_pattern_matches_exactly_the_numbers_up_to_the_limit():
    pattern = re.compile(up_to(MAX_ID))
    for number in [0, 7, 10**9, 1999999999, 2147483639, MAX_ID - 1, MAX_ID]:
        assert pattern.fullmatch(str(number))
    for number in [MAX_ID + 1, 2147483650, 2147483700, 3 * 10**9, 10**10]:
        assert not pattern.fullmatch(str(number))
    small = re.compile(up_to(1203))
    assert [n for n in range(3000) if small.fullmatch(str(n))] == list(range(1204))

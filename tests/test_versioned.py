"""core.versioned: a kept value is given back only at its version and before its limit."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from studyhub.core.versioned import MISSING, VersionedCache

AT = datetime(2026, 11, 20, 2, 30, tzinfo=UTC)


def test_a_value_is_kept_at_its_version_until_its_limit():
    cache = VersionedCache()
    cache.put(("committee", 1), 7, "today", until=AT + timedelta(minutes=10))

    assert cache.get(("committee", 1), 7, now=AT) == "today"
    assert cache.get(("committee", 1), 8, now=AT) is MISSING  # a change: prepared again
    assert cache.get(("committee", 2), 7, now=AT) is MISSING
    assert cache.get(("committee", 1), 7, now=AT + timedelta(minutes=10)) is MISSING


def test_a_value_kept_as_none_is_found():
    cache = VersionedCache()
    cache.put("day", (None, None), None)
    assert cache.get("day", (None, None), now=AT) is None


def test_a_full_cache_starts_afresh_instead_of_growing():
    cache = VersionedCache(max_entries=2)
    cache.put("a", 1, "A")
    cache.put("b", 1, "B")
    cache.put("c", 1, "C")
    assert cache.get("a", 1, now=AT) is MISSING
    assert cache.get("c", 1, now=AT) == "C"

"""Values prepared once per process and reused while their version holds.

For what is the same for every member of a committee (today's reading in brief,
党史今天): each process keeps the value it prepared with the version it was
prepared at. The caller reads the current version with data it reads anyway (in
the same statement), so every process and machine sees a change at once: a new
version misses, and the value is prepared again. ``until`` bounds how long a
value is kept even when its version holds (for what has no version).

Never for per-member pages: the values are shared by everyone with the same key.
"""

from __future__ import annotations

import threading
from collections.abc import Hashable
from datetime import datetime
from typing import Any

MISSING: Any = object()


class VersionedCache:
    """A bounded map of key → (version, value, until), safe to share between threads."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: dict[Hashable, tuple[Hashable, Any, datetime | None]] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()

    def get(self, key: Hashable, version: Hashable, *, now: datetime) -> Any:
        """The value kept for ``key`` at ``version`` and still valid at ``now``, else MISSING."""
        entry = self._entries.get(key)
        if entry is None or entry[0] != version or (entry[2] is not None and now >= entry[2]):
            return MISSING
        return entry[1]

    def put(
        self, key: Hashable, version: Hashable, value: Any, *, until: datetime | None = None
    ) -> Any:
        """Keep ``value`` for ``key`` at ``version`` (until ``until``); returns ``value``."""
        with self._lock:
            if len(self._entries) >= self._max_entries and key not in self._entries:
                self._entries.clear()  # rare (more keys than committees × days): start afresh
            self._entries[key] = (version, value, until)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

"""The test process's clock: fixed at TEST_START whatever the wall clock says, ticking."""

from __future__ import annotations

import time
from datetime import timedelta

from studyhub.core import clock
from tests.conftest import TEST_START


def test_the_suite_runs_at_a_fixed_instant_far_from_midnight_in_shanghai():
    now = clock.now_utc()
    # The clock started at TEST_START when the session began and has only ticked since.
    assert TEST_START <= now < TEST_START + timedelta(hours=3)
    local = now.astimezone(clock.ZoneInfo("Asia/Shanghai"))
    assert 10 <= local.hour < 14  # hours from either midnight
    assert clock.local_today() == TEST_START.date()


def test_the_clock_ticks():
    before = clock.now_utc()
    deadline = time.monotonic() + 1  # no sleep: libfaketime breaks it (README, Tests)
    while clock.now_utc() == before and time.monotonic() < deadline:
        pass
    assert clock.now_utc() > before

"""Each privileged act on scores is recorded: by whom, when, where, and what changed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from studyhub.core import clock
from studyhub.core.clock import as_utc
from studyhub.reports import scoring
from studyhub.reports.services import adjustments, closing, settings
from tests.audit_helpers import assert_in, entries, one_entry
from tests.reports.helpers import AFTER_Q4, IN_Q4, Q4


def test_an_adjustment_and_its_revocation_are_recorded_in_the_branch(session, q4):
    entry = adjustments.add_adjustment(
        session, q4.a1, Q4, points=Decimal(3), reason="志愿服务", by=q4.secretary_a.user, now=IN_Q4
    )
    added = one_entry(session, "score.adjusted")
    assert (added.actor_id, added.object_type, added.object_id) == (
        q4.secretary_a.user_id,
        "member",
        q4.a1.id,
    )
    assert as_utc(added.at) == IN_Q4
    assert_in(added, q4.branch_a)
    assert added.details == {"adjustment_id": entry.id, "quarter": "2026Q4", "points": "3.00"}
    adjustments.revoke_adjustment(session, entry, by=q4.staff.user, now=IN_Q4)
    revoked = one_entry(session, "score.adjustment_revoked")
    assert revoked.actor_id == q4.staff.user_id
    assert_in(revoked, q4.branch_a)


def test_an_override_records_the_rating_before_and_after(session, q4):
    for rating in (scoring.Rating.BASIC, scoring.Rating.EXCELLENT):
        adjustments.set_override(
            session, q4.b1, Q4, rating=rating, reason="表现", by=q4.staff.user, now=AFTER_Q4
        )
    first, second = entries(session, "rating.overridden")
    assert first.changes == {"rating": [None, "basic"], "reason": [None, "表现"]}
    assert second.changes == {"rating": ["basic", "excellent"]}
    assert_in(second, q4.branch_b)
    assert second.actor_id == q4.staff.user_id
    assert adjustments.clear_override(session, q4.b1, Q4, actor_id=q4.staff.user_id, now=AFTER_Q4)
    cleared = one_entry(session, "rating.override_cleared")
    assert cleared.changes == {"rating": ["excellent", None], "reason": ["表现", None]}


def test_closing_and_reopening_a_quarter_are_recorded_at_the_committee(session, q4):
    record = closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    closed = one_entry(session, "quarter.closed")
    assert closed.actor_id == q4.staff.user_id
    assert_in(closed, q4.committee)
    assert closed.changes == {"is_closed": [False, True]}
    assert closed.details == {"quarter": "2026Q4", "members": 6}
    closing.reopen_quarter(session, record, by=q4.staff.user, reason="补录会议", now=AFTER_Q4)
    reopened = one_entry(session, "quarter.reopened")
    assert reopened.changes == {"is_closed": [True, False]}
    assert reopened.details["reason"] == "补录会议"


def test_score_settings_record_the_fields_that_changed(session, q4):
    current = settings.settings_for(session, q4.committee.id)
    choices = [settings.DimensionChoice(d.code, d.weight, d.is_active) for d in current.dimensions]
    settings.save_settings(
        session,
        q4.committee,
        dimensions=choices,
        thresholds=current.thresholds,
        adjustment_cap=Decimal(8),
        actor_id=q4.staff.user_id,
        now=IN_Q4,
    )
    entry = one_entry(session, "score_settings.changed")
    assert_in(entry, q4.committee)
    assert entry.actor_id == q4.staff.user_id
    assert entry.changes == {"adjustment_cap": ["10", "8"]}
    # Saving the same settings again changes nothing, and records nothing.
    settings.save_settings(
        session,
        q4.committee,
        dimensions=choices,
        thresholds=current.thresholds,
        adjustment_cap=Decimal(8),
        actor_id=q4.staff.user_id,
        now=IN_Q4,
    )
    assert len(entries(session, "score_settings.changed")) == 1


@pytest.mark.usefixtures("in_english")
def test_a_score_download_is_recorded(session, q4, login, monkeypatch):
    monkeypatch.setattr(clock, "now_utc", lambda: AFTER_Q4)
    response = login(q4.secretary_a.user).get(f"/reports/units/{q4.branch_a.id}/scores/2026Q4.csv")
    assert response.status_code == 200
    response.get_data()
    entry = one_entry(session, "export.downloaded")
    assert entry.actor_id == q4.secretary_a.user_id
    assert_in(entry, q4.branch_a)
    assert entry.details == {
        "export": "scores",
        "file": f"scores-2026Q4-{q4.branch_a.id}.csv",
        "quarter": "2026Q4",
    }

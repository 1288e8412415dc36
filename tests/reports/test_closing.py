"""Closing a quarter freezes its scores; reopening is explicit and audited; statement counts."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from studyhub.core.errors import Closed, Conflict, InvalidInput
from studyhub.reports import scoring
from studyhub.reports.models import FrozenScore, QuarterClose
from studyhub.reports.services import adjustments, closing, exports
from studyhub.reports.services.frozen import FrozenScores, quarter_scores
from studyhub.reports.services.scores import LiveScores
from tests.reports import helpers
from tests.reports.conftest import at
from tests.reports.helpers import AFTER_Q4, IN_Q4, Q4


def scores_by_name(session, q4, scope=None):
    with quarter_scores(session, q4.committee, Q4, scope or q4.committee, now=AFTER_Q4) as found:
        return found, {s.name: s for s in found}


def test_closing_stores_every_member_and_a_later_edit_changes_nothing(session, q4):
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a1, found, at(2026, 10, 5, 3))
    helpers.attempt(session, q4.a1, q4.test, percent=90, at=at(2026, 11, 2))
    adjustments.set_override(
        session,
        q4.a2,
        Q4,
        rating=scoring.Rating.BASIC,
        reason="病假",
        by=q4.staff.user,
        now=AFTER_Q4,
    )
    before, rows_before = scores_by_name(session, q4)
    record = closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)

    assert record.is_closed and record.closed_by_id == q4.staff.user_id
    assert record.history[-1]["members"] == 6
    assert record.history[-1]["not_counted"] == [scoring.ATTENDANCE]
    frozen = list(session.scalars(select(FrozenScore).order_by(FrozenScore.committee_rank)))
    assert len(frozen) == 6
    top = frozen[0]
    assert top.user_id == q4.a1.user_id
    assert (top.branch_rank, top.committee_rank) == (1, 1)
    assert top.total == rows_before["张一"].score.total
    assert top.explanation["member"]["name"] == "张一"
    assert top.explanation["score"]["lines"][0]["code"] == scoring.READING
    a2 = next(f for f in frozen if f.user_id == q4.a2.user_id)
    assert a2.rating == "basic" and a2.explanation["override_reason"] == "病假"

    # Later: a2 studies, a question's attempt is re-graded, a1 is renamed and moves branch.
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a2, found, at(2026, 12, 1, 3))
    helpers.attempt(session, q4.a2, q4.test, percent=100, at=at(2026, 12, 2))
    q4.a1.user.name = "张一改"
    session.flush()

    after, rows_after = scores_by_name(session, q4)
    assert isinstance(after, FrozenScores)
    assert rows_after.keys() == rows_before.keys()
    for name, row in rows_before.items():
        assert rows_after[name].score == row.score
        assert rows_after[name].branch_rank == row.branch_rank
    assert rows_after["张二"].rating == scoring.Rating.BASIC
    assert rows_after["张二"].override_reason == "病假"
    assert after.dimensions == tuple(d for d in before.dimensions)
    assert after.not_counted == [scoring.ATTENDANCE]

    # Nothing may change it while closed.
    with pytest.raises(Closed):
        adjustments.add_adjustment(
            session, q4.a2, Q4, points=Decimal(1), reason="x", by=q4.staff.user, now=AFTER_Q4
        )
    with pytest.raises(Closed):
        adjustments.set_override(
            session, q4.a1, Q4, rating=scoring.Rating.BASIC, reason="x", by=q4.staff.user,
            now=AFTER_Q4,
        )  # fmt: skip
    with pytest.raises(Conflict):
        closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)


def test_reopening_needs_a_reason_is_recorded_and_the_next_close_recomputes(session, q4):
    record = closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    with pytest.raises(InvalidInput):
        closing.reopen_quarter(session, record, by=q4.staff.user, reason="  ", now=AFTER_Q4)
    closing.reopen_quarter(session, record, by=q4.staff.user, reason="会议补录", now=AFTER_Q4)
    assert not record.is_closed
    assert record.reopen_reason == "会议补录" and record.reopened_by_id == q4.staff.user_id
    assert [e["action"] for e in record.history] == ["closed", "reopened"]
    with pytest.raises(Closed):
        closing.reopen_quarter(session, record, by=q4.staff.user, reason="again", now=AFTER_Q4)

    # Open again: live scores, which see the new study.
    for found in [*q4.dailies, *q4.materials]:
        helpers.study(session, q4.a2, found, at(2026, 12, 1, 3))
    live, rows = scores_by_name(session, q4)
    assert isinstance(live, LiveScores)
    assert rows["张二"].score.line(scoring.READING).value == 5

    closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    assert [e["action"] for e in record.history] == ["closed", "reopened", "closed"]
    assert session.scalar(select(func.count(FrozenScore.id))) == 6
    frozen_a2 = session.scalars(
        select(FrozenScore).where(FrozenScore.user_id == q4.a2.user_id)
    ).one()
    assert frozen_a2.explanation["score"]["lines"][0]["value"] == "5"
    assert session.scalar(select(func.count(QuarterClose.id))) == 1


def test_a_quarter_is_closed_only_after_it_ends(session, q4):
    with pytest.raises(InvalidInput):
        closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=IN_Q4)
    # The first instant of 1 January in Beijing is the quarter's end.
    closing.close_quarter(session, q4.committee, Q4, by=None, now=at(2026, 12, 31, 16))


def test_adjustments_are_validated_and_audited(session, q4, in_english):
    with pytest.raises(InvalidInput, match="at most 10"):
        adjustments.add_adjustment(
            session, q4.a1, Q4, points=Decimal("10.01"), reason="x", by=q4.staff.user, now=AFTER_Q4
        )
    with pytest.raises(InvalidInput):
        adjustments.add_adjustment(
            session, q4.a1, Q4, points=Decimal(0), reason="x", by=q4.staff.user, now=AFTER_Q4
        )
    with pytest.raises(InvalidInput):
        adjustments.add_adjustment(
            session, q4.a1, Q4, points=Decimal(1), reason=" ", by=q4.staff.user, now=AFTER_Q4
        )
    with pytest.raises(InvalidInput, match="not started"):
        adjustments.add_adjustment(
            session, q4.a1, Q4.next(), points=Decimal(1), reason="x", by=q4.staff.user, now=IN_Q4
        )
    # Three entries of 6 add to 18, capped to 10 in the score; a revoked one stops counting.
    entries = [
        adjustments.add_adjustment(
            session,
            q4.a1,
            Q4,
            points=Decimal(6),
            reason=f"第{i}次",
            by=q4.secretary_a.user,
            now=AFTER_Q4,
        )  # fmt: skip
        for i in range(3)
    ]
    _scores, rows = scores_by_name(session, q4)
    assert rows["张一"].score.adjustment_requested == 18
    assert rows["张一"].score.adjustment == 10
    adjustments.revoke_adjustment(session, entries[0], by=q4.staff.user, now=AFTER_Q4)
    assert entries[0].revoked_by_id == q4.staff.user_id
    with pytest.raises(Conflict):
        adjustments.revoke_adjustment(session, entries[0], by=q4.staff.user, now=AFTER_Q4)
    _scores, rows = scores_by_name(session, q4)
    assert rows["张一"].score.adjustment_requested == 12
    assert [reason for _p, reason in rows["张一"].adjustments] == ["第1次", "第2次"]


# Statements -----------------------------------------------------------------------------------


def _populate(session, make, q4, count: int) -> None:
    """``count`` more members spread over both branches, each with some study."""
    for i in range(count):
        branch = q4.branch_a if i % 2 else q4.branch_b
        member = make.member(branch, name=f"成员{i:04d}")
        helpers.study(session, member, q4.dailies[i % 3], at(2026, 10, 2, 3))
        if branch is q4.branch_a:
            helpers.attempt(session, member, q4.test, percent=50 + i % 50, at=at(2026, 11, 1))
        helpers.attempt(
            session, member, q4.daily, percent=100, at=at(2026, 10, 1, 2),
            daily_on=date(2026, 10, 1),
        )  # fmt: skip
        if i % 7 == 0:
            adjustments.add_adjustment(
                session, member, Q4, points=Decimal(1), reason="贡献", by=q4.staff.user,
                now=AFTER_Q4,
            )  # fmt: skip


def _statements(session, q4, count_queries) -> tuple[int, int, int]:
    """Statements for the live scores and a CSV export, then for the closed quarter's."""
    with (
        count_queries() as live,
        LiveScores(session, q4.committee, Q4, q4.committee, now=AFTER_Q4) as scores,
    ):
        scores.compute()
        rows = list(scores)
        io.StringIO().writelines(exports.csv_stream(scores))
    with count_queries() as close:
        record = closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    with (
        count_queries() as frozen,
        quarter_scores(session, q4.committee, Q4, q4.committee, now=AFTER_Q4) as scores,
    ):
        assert len(list(scores)) == len(rows)
    closing.reopen_quarter(session, record, by=q4.staff.user, reason="测", now=AFTER_Q4)
    # The frozen rows go in batches of 1000 (one statement each here).
    inserts = [s for s in close if s.startswith("INSERT INTO frozen_score")]
    assert len(inserts) == 1
    return len(live), len(close), len(frozen)


@pytest.mark.slow
def test_statements_do_not_grow_with_members(session, make, q4, count_queries):
    _populate(session, make, q4, 10)
    # Closed and reopened once, so both runs find the quarter's close record.
    record = closing.close_quarter(session, q4.committee, Q4, by=q4.staff.user, now=AFTER_Q4)
    closing.reopen_quarter(session, record, by=q4.staff.user, reason="测", now=AFTER_Q4)
    small = _statements(session, q4, count_queries)
    _populate(session, make, q4, 290)
    large = _statements(session, q4, count_queries)
    assert small == large
    assert small[0] <= 10

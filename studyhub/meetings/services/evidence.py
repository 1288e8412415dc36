"""The "self-study plus online test" evidence behind a lesson's record.

When a lesson or general meeting linked to a study plan is submitted, the
branch's completion of that plan is copied into a :class:`StudyEvidence` row:
who studied how many of the materials, who took the test, their grade and who
passed, computed by the plans' own progress query (the numbers the dashboards
show). It is a snapshot; study done later does not change it.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from studyhub.meetings.models import Meeting, StudyEvidence
from studyhub.org.models import OrgUnit
from studyhub.plans import queries as plan_queries
from studyhub.plans.models import StudyPlan

# The member's test status, as the plans' progress query names it.
TEST_STATUSES = (
    plan_queries.TEST_NONE,
    plan_queries.TEST_NOT_STARTED,
    plan_queries.TEST_IN_PROGRESS,
    plan_queries.TEST_PASSED,
    plan_queries.TEST_FAILED,
)


def _percent(value: Decimal | float | None) -> float | None:
    return None if value is None else round(float(value), 1)


def progress_rows(session: Session, plan: StudyPlan, branch: OrgUnit) -> list[dict[str, Any]]:
    """The branch's members the plan is for and their progress on it, as plain values."""
    return [
        {
            "user_id": row.user_id,
            "name": row.name,
            "studied": int(row.materials_studied),
            "materials": int(row.materials_total),
            "test": row.test_status,
            "attempts": int(row.attempts_submitted),
            "best": _percent(row.best_percent),
            "passed": bool(row.is_passed),
            "complete": bool(row.is_complete),
        }
        for row in session.execute(plan_queries.member_progress(plan, branch.path))
    ]


def summarise(rows: list[dict[str, Any]], plan: StudyPlan) -> dict[str, Any]:
    scores = [r["best"] for r in rows if r["best"] is not None]
    materials = rows[0]["materials"] if rows else 0
    return {
        "plan_title": plan.title,
        "year": plan.year,
        "quarter": plan.quarter,
        "members": len(rows),
        "materials": materials,
        "studied_all": sum(1 for r in rows if r["studied"] >= materials),
        "tested": sum(1 for r in rows if r["attempts"] > 0),
        "passed": sum(1 for r in rows if r["passed"]),
        "complete": sum(1 for r in rows if r["complete"]),
        "average_best": round(sum(scores) / len(scores), 1) if scores else None,
        "has_test": plan.quiz_id is not None,
    }


def take_evidence(
    session: Session, meeting: Meeting, plan: StudyPlan, *, now: datetime
) -> StudyEvidence:
    """Freeze the branch's completion of ``plan`` for ``meeting``'s record."""
    rows = progress_rows(session, plan, meeting.branch)
    evidence = StudyEvidence(
        meeting_id=meeting.id,
        plan_id=plan.id,
        taken_at=now,
        summary=summarise(rows, plan),
        rows=rows,
    )
    session.add(evidence)
    session.flush()
    return evidence

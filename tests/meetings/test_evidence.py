"""The lesson's study evidence: the plan's completion frozen when the record is submitted."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from studyhub.core.clock import as_utc
from studyhub.core.errors import InvalidInput
from studyhub.meetings import queries
from studyhub.meetings.models import MeetingKind, StudyEvidence
from studyhub.meetings.services import records
from studyhub.plans.models import PlanMaterial, PlanTarget, StudyPlan
from studyhub.plans.queries import member_progress
from studyhub.quizzes.models import Attempt, AttemptState, Quiz, QuizMode
from studyhub.readings.models import Reading, ReadReceipt
from tests.conftest import NOW
from tests.meetings.conftest import MEETING_AT, minutes, plan_lesson

AFTER = MEETING_AT + timedelta(hours=3)


def make_plan(session, world, *, target=None, published=True, with_quiz=True) -> StudyPlan:
    readings = [
        Reading(committee_id=world.committee.id, title=f"材料{i}", created_at=NOW, updated_at=NOW)
        for i in (1, 2)
    ]
    session.add_all(readings)
    quiz = None
    if with_quiz:
        quiz = Quiz(
            committee_id=world.committee.id,
            title="四季度测试",
            mode=QuizMode.EXAM,
            created_at=NOW,
            updated_at=NOW,
        )
        session.add(quiz)
    session.flush()
    plan = StudyPlan(
        committee_id=world.committee.id,
        title="2026年第四季度主题学习",
        year=2026,
        quarter=4,
        quiz_id=quiz.id if quiz else None,
        starts_on=date(2026, 10, 1),
        due_on=date(2026, 12, 31),
        published_at=NOW if published else None,
        created_at=NOW,
        updated_at=NOW,
    )
    plan.materials = [PlanMaterial(reading_id=r.id, position=i) for i, r in enumerate(readings)]
    plan.targets = [PlanTarget(unit_id=(target or world.committee).id)]
    session.add(plan)
    session.flush()
    return plan


def study(session, plan: StudyPlan, member, count: int) -> None:
    for material in plan.materials[:count]:
        session.add(
            ReadReceipt(
                reading_id=material.reading_id,
                user_id=member.user_id,
                opened_at=NOW,
                last_seen_at=NOW,
                studied_at=NOW,
                studied_on=NOW.date(),
            )
        )
    session.flush()


def attempt(session, plan: StudyPlan, member, number: int, percent: int | None) -> None:
    submitted = percent is not None
    session.add(
        Attempt(
            quiz_id=plan.quiz_id,
            user_id=member.user_id,
            number=number,
            seed=1,
            state=AttemptState.SUBMITTED if submitted else AttemptState.IN_PROGRESS,
            started_at=NOW,
            submitted_at=NOW if submitted else None,
            percent=Decimal(percent) if submitted else None,
            is_passed=(percent >= 60) if submitted else None,
        )
    )
    session.flush()


def submit_lesson(session, world, plan):
    meeting = plan_lesson(session, world, plan=plan)
    records.record_meeting(session, meeting, minutes(), by=world.secretary_a.user, now=AFTER)
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
    return meeting


def evidence_of(session, meeting) -> StudyEvidence:
    return session.scalars(
        select(StudyEvidence).where(StudyEvidence.meeting_id == meeting.id)
    ).one()


def test_submission_freezes_the_branch_progress(session, world):
    plan = make_plan(session, world)
    study(session, plan, world.member_a1, 2)
    study(session, plan, world.member_a2, 1)
    attempt(session, plan, world.member_a1, 1, 50)
    attempt(session, plan, world.member_a1, 2, 85)
    attempt(session, plan, world.member_a2, 1, None)  # still answering

    meeting = submit_lesson(session, world, plan)

    evidence = evidence_of(session, meeting)
    assert evidence.plan_id == plan.id
    assert as_utc(evidence.taken_at) == AFTER
    rows = {r["name"]: r for r in evidence.rows}
    assert set(rows) == {m.user.name for m in world.a_members}
    assert rows["甲党员一"] == {
        "user_id": world.member_a1.user_id,
        "name": "甲党员一",
        "studied": 2,
        "materials": 2,
        "test": "passed",
        "attempts": 2,
        "best": 85.0,  # the quiz grades by the highest attempt
        "passed": True,
        "complete": True,
    }
    assert (rows["甲党员二"]["studied"], rows["甲党员二"]["test"]) == (1, "in_progress")
    assert (rows["甲党员二"]["best"], rows["甲党员二"]["complete"]) == (None, False)
    assert rows["甲书记"]["test"] == "not_started"
    assert evidence.summary == {
        "plan_title": "2026年第四季度主题学习",
        "year": 2026,
        "quarter": 4,
        "members": 5,
        "materials": 2,
        "studied_all": 1,
        "tested": 1,
        "passed": 1,
        "complete": 1,
        "average_best": 85.0,
        "has_test": True,
    }


def test_a_failed_test_shows_as_not_passed(session, world):
    plan = make_plan(session, world)
    attempt(session, plan, world.member_a1, 1, 40)
    meeting = submit_lesson(session, world, plan)
    row = next(r for r in evidence_of(session, meeting).rows if r["name"] == "甲党员一")
    assert (row["test"], row["best"], row["passed"]) == ("failed", 40.0, False)


def test_later_study_does_not_change_the_snapshot(session, world):
    plan = make_plan(session, world)
    meeting = submit_lesson(session, world, plan)
    before = evidence_of(session, meeting)
    frozen_rows, frozen_summary = list(before.rows), dict(before.summary)
    assert frozen_summary["studied_all"] == 0

    study(session, plan, world.member_a1, 2)
    study(session, plan, world.member_a2, 2)
    attempt(session, plan, world.member_a1, 1, 95)

    # The live progress moved on …
    live = {r.name: r for r in session.execute(member_progress(plan, world.branch_a.path))}
    assert live["甲党员一"].materials_studied == 2
    # … the evidence did not, through a return and resubmission either.
    records.return_meeting(session, meeting, reason="补充讨论", by=world.staff.user, now=AFTER)
    records.record_meeting(session, meeting, minutes(text="改过的纪要"),
                           by=world.secretary_a.user, now=AFTER)  # fmt: skip
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
    session.expire_all()
    after = evidence_of(session, meeting)
    assert after.id == before.id
    assert after.rows == frozen_rows
    assert after.summary == frozen_summary


def test_changing_the_plan_while_returned_takes_new_evidence(session, world):
    plan = make_plan(session, world)
    meeting = submit_lesson(session, world, plan)
    records.return_meeting(session, meeting, reason="计划选错", by=world.staff.user, now=AFTER)
    other = make_plan(session, world, with_quiz=False)
    study(session, other, world.member_a1, 2)
    records.update_meeting(
        session,
        meeting,
        records.MeetingFields(
            kind=MeetingKind.LESSON, title=meeting.title, planned_at=MEETING_AT, plan=other
        ),
        by=world.secretary_a.user,
        now=AFTER,
    )
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
    evidence = evidence_of(session, meeting)
    assert evidence.plan_id == other.id
    assert evidence.summary["has_test"] is False
    assert evidence.summary["studied_all"] == 1


def test_a_meeting_without_a_plan_has_no_evidence(session, world):
    meeting = plan_lesson(session, world)
    records.record_meeting(session, meeting, minutes(), by=world.secretary_a.user, now=AFTER)
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
    assert session.scalars(select(StudyEvidence)).all() == []


def test_only_plans_for_the_branch_can_be_linked(session, world):
    for_b = make_plan(session, world, target=world.branch_b)
    draft = make_plan(session, world, published=False)
    for plan in (for_b, draft):
        with pytest.raises(InvalidInput, match="not one for the branch"):
            plan_lesson(session, world, plan=plan)
    for_a = make_plan(session, world, target=world.branch_a)
    assert plan_lesson(session, world, plan=for_a).plan_id == for_a.id
    linkable = list(session.scalars(queries.linkable_plans(world.branch_a)))
    assert [p.id for p in linkable] == [for_a.id]


def test_only_lessons_and_general_meetings_link_a_plan(session, world):
    plan = make_plan(session, world)
    with pytest.raises(InvalidInput, match="links a study plan"):
        plan_lesson(session, world, kind=MeetingKind.COMMITTEE_MEETING, plan=plan)
    assert plan_lesson(session, world, kind=MeetingKind.GENERAL_MEETING, plan=plan).plan_id


def test_the_record_and_its_print_show_the_evidence(session, world, client, login):
    plan = make_plan(session, world)
    study(session, plan, world.member_a1, 2)
    attempt(session, plan, world.member_a1, 1, 85)
    meeting = submit_lesson(session, world, plan)
    login(world.member_a2.user)
    for url in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/print"):
        page = client.get(url).text
        table = page.split('id="evidence-table"')[1].split("</table>")[0]
        row = table.split(f'data-user="{world.member_a1.user_id}"')[1].split("</tr>")[0]
        assert "甲党员一" in row and "2 / 2" in row and "85.0%" in row and "Passed" in row
        assert table.count("<tr data-user=") == 5
        assert "1 of 5 members studied all 2 materials." in page

"""Progress through plans: who a plan is for, due dates, statuses, summaries, statement counts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from studyhub.org.models import OrgUnit, UnitKind
from studyhub.plans import queries
from studyhub.plans.services import plans, progress
from studyhub.quizzes.models import GradingMethod
from tests.conftest import NOW
from tests.plans.plan_helpers import TODAY, attempt, make_exam, make_plan, readings, study


def rows_by_user(session, plan, path="/") -> dict[int, progress.Progress]:
    return {p.user_id: p for p in progress.member_rows(session, plan, path)}


# --- who sees which plans -----------------------------------------------------------------------


def test_my_plans_are_the_published_plans_whose_targets_cover_the_member(session, make, org):
    material = readings(session, org.committee, 1)
    for_branch = make_plan(
        session,
        org.committee,
        materials=material,
        targets=[org.branch],
        title="支部的计划",
        due_on=TODAY + timedelta(days=20),
    )
    for_general = make_plan(
        session,
        org.committee,
        materials=material,
        targets=[org.general],
        title="总支的计划",
        due_on=TODAY + timedelta(days=5),
    )
    make_plan(session, org.committee, materials=material, targets=[org.outside], title="别的支部")
    make_plan(session, org.committee, materials=material, publish=False, title="草稿")
    other = make.committee()
    make_plan(session, other, materials=readings(session, other, 1), title="别的党委")

    mine = progress.my_plans(session, org.member.user_id, today=TODAY)
    theirs = progress.my_plans(session, org.outsider.user_id, today=TODAY)

    assert [p.plan_id for p in mine] == [for_general.id, for_branch.id]  # by due date
    assert [p.title for p in theirs] == ["别的支部"]
    access_rows = progress.member_rows(session, for_branch, org.committee.path)
    assert {r.user_id for r in access_rows} == {
        org.staff.user_id,
        org.secretary.user_id,
        org.member.user_id,
        org.mate.user_id,
    }


def test_a_group_target_covers_only_the_group(session, make, org):
    group = make.unit(org.branch, UnitKind.GROUP, "第一党小组")
    in_group = make.member(org.branch, name="小组成员", group=group)
    plan = make_plan(
        session, org.committee, materials=readings(session, org.committee, 1), targets=[group]
    )

    assert set(rows_by_user(session, plan)) == {in_group.user_id}


# --- due dates ----------------------------------------------------------------------------------


def test_a_members_extension_comes_before_the_branchs_before_the_plans(session, org):
    plan = make_plan(
        session, org.committee, materials=readings(session, org.committee, 1), targets=[org.general]
    )
    branch_day = plan.due_on + timedelta(days=5)
    member_day = plan.due_on + timedelta(days=2)
    plans.grant_extension(
        session,
        plan,
        branch=org.branch,
        due_on=branch_day,
        reason="支部集中学习",
        by_user_id=None,
        now=NOW,
    )
    plans.grant_extension(
        session, plan, member=org.member, due_on=member_day, reason="出差", by_user_id=None, now=NOW
    )

    rows = rows_by_user(session, plan)

    assert rows[org.member.user_id].due_on == member_day  # own, though earlier than the branch's
    assert rows[org.mate.user_id].due_on == branch_day
    assert rows[org.other_member.user_id].due_on == plan.due_on
    mine = progress.my_plan(session, plan, org.member.user_id, today=TODAY)
    assert mine.progress.due_on == member_day


def test_overdue_only_when_unfinished_after_the_due_date(session, org):
    [material] = readings(session, org.committee, 1)
    plan = make_plan(
        session,
        org.committee,
        materials=[material],
        targets=[org.branch],
        starts_on=TODAY - timedelta(days=20),
        due_on=TODAY - timedelta(days=1),
    )
    study(session, org.mate, material)

    items = {
        i.progress.user_id: i
        for i in (
            progress.my_plan(session, plan, m.user_id, today=TODAY) for m in (org.member, org.mate)
        )
    }

    assert items[org.member.user_id].is_overdue
    assert not items[org.mate.user_id].is_overdue
    assert not progress.my_plan(
        session, plan, org.member.user_id, today=TODAY - timedelta(days=1)
    ).is_overdue


# --- statuses -----------------------------------------------------------------------------------


def test_every_test_status_with_the_best_score(session, make, org):
    quiz = make_exam(session, org.committee, pass_percent=60)
    a, b = readings(session, org.committee, 2)
    plan = make_plan(session, org.committee, materials=[a, b], quiz=quiz, targets=[org.branch])
    # member: studied both and passed on the second go; mate: failed twice then is trying again;
    # secretary: failed once; staff: nothing yet.
    study(session, org.member, a, NOW - timedelta(hours=5))
    study(session, org.member, b, NOW - timedelta(hours=3))
    attempt(session, quiz, org.member, 40, at=NOW - timedelta(hours=2))
    attempt(session, quiz, org.member, 85.5, at=NOW - timedelta(hours=1))
    attempt(session, quiz, org.mate, 30, at=NOW - timedelta(hours=4))
    attempt(session, quiz, org.mate, 55, at=NOW - timedelta(hours=3))
    attempt(session, quiz, org.mate, None)
    attempt(session, quiz, org.secretary, 59.99)
    study(session, org.secretary, b)

    rows = rows_by_user(session, plan)

    member, mate = rows[org.member.user_id], rows[org.mate.user_id]
    secretary, staff = rows[org.secretary.user_id], rows[org.staff.user_id]
    assert (member.test_status, member.best_percent, member.is_passed) == (
        queries.TEST_PASSED,
        Decimal("85.50"),
        True,
    )
    assert (member.materials_studied, member.materials_total, member.is_complete) == (2, 2, True)
    assert member.completed_at == NOW - timedelta(hours=1)  # the pass came after the reading
    assert member.last_activity_at == NOW - timedelta(hours=1)
    assert (mate.test_status, mate.best_percent, mate.attempts_submitted, mate.attempts_open) == (
        queries.TEST_IN_PROGRESS,
        Decimal("55.00"),
        2,
        1,
    )
    assert (secretary.test_status, secretary.best_percent, secretary.is_passed) == (
        queries.TEST_FAILED,
        Decimal("59.99"),
        False,
    )
    assert secretary.materials_studied == 1 and not secretary.is_complete
    assert secretary.completed_at is None
    assert (staff.test_status, staff.best_percent, staff.last_activity_at) == (
        queries.TEST_NOT_STARTED,
        None,
        None,
    )


def test_completed_at_is_the_last_study_when_it_comes_after_the_pass(session, org):
    quiz = make_exam(session, org.committee)
    [material] = readings(session, org.committee, 1)
    plan = make_plan(session, org.committee, materials=[material], quiz=quiz, targets=[org.branch])
    attempt(session, quiz, org.member, 90, at=NOW - timedelta(days=1))
    study(session, org.member, material, NOW)

    assert rows_by_user(session, plan)[org.member.user_id].completed_at == NOW


def test_a_plan_without_a_test_is_done_when_every_material_is_studied(session, org):
    a, b = readings(session, org.committee, 2)
    plan = make_plan(session, org.committee, materials=[a, b], targets=[org.branch])
    study(session, org.member, a, NOW - timedelta(hours=2))
    study(session, org.member, b, NOW - timedelta(hours=1))
    study(session, org.mate, a)

    rows = rows_by_user(session, plan)

    assert rows[org.member.user_id].test_status == queries.TEST_NONE
    assert rows[org.member.user_id].is_complete
    assert rows[org.member.user_id].completed_at == NOW - timedelta(hours=1)
    assert not rows[org.mate.user_id].is_complete


@pytest.mark.parametrize(
    ("method", "grade", "passed"),
    [
        (GradingMethod.HIGHEST, Decimal("70.00"), True),
        (GradingMethod.FIRST, Decimal("70.00"), True),
        (GradingMethod.LAST, Decimal("30.00"), False),
        (GradingMethod.AVERAGE, Decimal("50.00"), False),
    ],
)
def test_the_best_score_follows_the_quizs_grading_method(session, org, method, grade, passed):
    quiz = make_exam(session, org.committee, grading=method, pass_percent=60)
    plan = make_plan(session, org.committee, quiz=quiz, targets=[org.branch])
    attempt(session, quiz, org.member, 70, at=NOW - timedelta(hours=2))
    attempt(session, quiz, org.member, 30, at=NOW - timedelta(hours=1))

    row = rows_by_user(session, plan)[org.member.user_id]

    assert (row.best_percent, row.is_passed) == (grade, passed)
    assert row.test_status == (queries.TEST_PASSED if passed else queries.TEST_FAILED)


def test_next_step_is_the_first_unstudied_material_then_the_test(session, org):
    quiz = make_exam(session, org.committee)
    a, b = readings(session, org.committee, 2)
    plan = make_plan(session, org.committee, materials=[a, b], quiz=quiz, targets=[org.branch])

    def step():
        item = progress.my_plan(session, plan, org.member.user_id, today=TODAY)
        return item.next_step, item.next_reading_id

    assert step() == (progress.NEXT_READING, a.id)
    study(session, org.member, b)
    assert step() == (progress.NEXT_READING, a.id)
    study(session, org.member, a)
    assert step() == (progress.NEXT_TEST, None)
    attempt(session, quiz, org.member, 100)
    assert step() == (None, None)
    assert progress.todo(session, org.member.user_id, today=TODAY) == []


def test_todo_leaves_out_plans_not_started_yet(session, org):
    material = readings(session, org.committee, 1)
    make_plan(
        session,
        org.committee,
        materials=material,
        targets=[org.branch],
        starts_on=TODAY + timedelta(days=1),
        due_on=TODAY + timedelta(days=9),
    )
    started = make_plan(session, org.committee, materials=material, targets=[org.branch])

    assert [i.plan_id for i in progress.todo(session, org.member.user_id, today=TODAY)] == [
        started.id
    ]
    assert len(progress.my_plans(session, org.member.user_id, today=TODAY)) == 2


def test_branch_summary(session, org):
    quiz = make_exam(session, org.committee)
    [material] = readings(session, org.committee, 1)
    plan = make_plan(session, org.committee, materials=[material], quiz=quiz, targets=[org.general])
    study(session, org.member, material)
    attempt(session, quiz, org.member, 90)
    attempt(session, quiz, org.mate, 80)
    attempt(session, quiz, org.other_member, 20)

    summary = {r.branch_id: r for r in progress.branch_rows(session, plan, org.committee.path)}
    only_branch = progress.branch_rows(session, plan, org.branch.path)

    first, second = summary[org.branch.id], summary[org.other.id]
    assert (first.members, first.completed, first.passed, first.average) == (
        4,
        1,
        2,
        Decimal("85.00"),
    )
    assert first.completion_rate == 0.25
    assert (second.members, second.completed, second.passed, second.average) == (
        1,
        0,
        0,
        Decimal("20.00"),
    )
    assert org.outside.id not in summary  # not given the plan
    assert [r.branch_id for r in only_branch] == [org.branch.id]


@pytest.mark.parametrize("method", list(GradingMethod))
@pytest.mark.parametrize("with_test", [True, False])
def test_the_weekly_summary_agrees_with_every_members_progress(session, org, method, with_test):
    """The committee's summary (members grouped first, for scale) counts what the members'
    rows say, whatever the grading method, with or without a test."""
    quiz = make_exam(session, org.committee, grading=method, pass_percent=60)
    a, b = readings(session, org.committee, 2)
    plan = make_plan(session, org.committee, materials=[a, b], quiz=quiz if with_test else None)
    for member in (org.member, org.mate, org.other_member, org.outsider):
        study(session, member, a, NOW - timedelta(days=6))
    for member in (org.member, org.other_member, org.outsider):
        study(session, member, b, NOW - timedelta(days=3))
    attempt(session, quiz, org.member, 70, at=NOW - timedelta(days=5))
    attempt(session, quiz, org.member, 30, at=NOW - timedelta(days=4))
    attempt(session, quiz, org.mate, 95, at=NOW - timedelta(days=2))
    attempt(session, quiz, org.other_member, 40, at=NOW - timedelta(days=7))
    attempt(session, quiz, org.other_member, 80.5, at=NOW - timedelta(days=1))
    attempt(session, quiz, org.outsider, None)  # in progress: no grade yet
    week_ends = [NOW - timedelta(days=d) for d in (8, 5, 2, 0)]

    for path in (org.committee.path, org.general.path, org.branch.path):
        rows = _assert_weekly_summary_agrees(
            session, plan, path, week_ends, quiz if with_test else None
        )
        if path == org.committee.path:  # the case is not trivial
            assert any(r.is_complete for r in rows) and not all(r.is_complete for r in rows)


@pytest.mark.parametrize(
    "targeted",
    [
        ("general",),
        ("branch", "other"),
        ("general", "branch"),
        ("outside",),
        ("group",),
        ("committee", "group"),
    ],
)
def test_the_weekly_summary_counts_the_members_of_the_plans_targets(session, make, org, targeted):
    """Targets inside the scope, around it, beside it, nested in one another or a group."""
    group = make.unit(org.branch, UnitKind.GROUP, "第一党小组")
    grouped = make.member(org.branch, name="党员戊", group=group)
    units = {
        "committee": org.committee,
        "general": org.general,
        "branch": org.branch,
        "other": org.other,
        "outside": org.outside,
        "group": group,
    }
    quiz = make_exam(session, org.committee)
    [material] = readings(session, org.committee, 1)
    plan = make_plan(
        session,
        org.committee,
        materials=[material],
        quiz=quiz,
        targets=[units[t] for t in targeted],
    )
    for member, percent in ((org.member, 90), (org.other_member, 40), (grouped, 65)):
        study(session, member, material, NOW - timedelta(days=3))
        attempt(session, quiz, member, percent, at=NOW - timedelta(days=2))
    attempt(session, quiz, org.outsider, 75, at=NOW - timedelta(days=2))
    week_ends = [NOW - timedelta(days=d) for d in (5, 0)]

    for path in (org.committee.path, org.general.path, org.branch.path, group.path):
        _assert_weekly_summary_agrees(session, plan, path, week_ends, quiz)


def test_targeted_paths_are_the_scope_or_the_outermost_targets_inside_it():
    assert queries.targeted_paths("/1/2/", ["/1/"]) == ["/1/2/"]
    assert queries.targeted_paths("/1/2/", ["/1/2/"]) == ["/1/2/"]
    assert queries.targeted_paths("/1/", ["/1/4/", "/1/2/3/", "/1/2/", "/7/"]) == [
        "/1/2/",
        "/1/4/",
    ]
    assert queries.targeted_paths("/1/2/", ["/1/20/", "/1/4/"]) == []


def _assert_weekly_summary_agrees(session, plan, path, week_ends, quiz):
    """``branch_summary_by_week`` under ``path`` counts what ``member_rows`` says of each
    branch's members; returns the members' rows."""
    rows = progress.member_rows(session, plan, path)
    summary = session.execute(
        queries.branch_summary_by_week(
            plan, path, week_ends, quiz, list(session.scalars(queries.target_paths(plan.id)))
        )
    ).all()
    assert [r.branch_id for r in summary] == sorted(
        {r.branch_id for r in rows}, key=lambda b: session.get(OrgUnit, b).path
    )
    for got in summary:
        mine = [r for r in rows if r.branch_id == got.branch_id]
        grades = [r.best_percent for r in mine if r.best_percent is not None]
        assert got.members == len(mine)
        assert got.completed == sum(r.is_complete for r in mine)
        assert got.passed == sum(r.is_passed for r in mine)
        assert got.graded == len(grades)
        if grades:
            assert Decimal(got.average).quantize(Decimal("0.01")) == (
                sum(grades) / len(grades)
            ).quantize(Decimal("0.01"))
        for i, end in enumerate(week_ends):
            done = [r for r in mine if r.is_complete and r.completed_at < end]
            assert getattr(got, f"completed_{i}") == len(done)
    return rows


# --- statements ---------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [10, 200])
def test_progress_is_one_statement_whatever_the_number_of_members(
    session, make, org, count_queries, size
):
    quiz = make_exam(session, org.committee)
    materials = readings(session, org.committee, 3)
    plan = make_plan(session, org.committee, materials=materials, quiz=quiz, targets=[org.general])
    for i in range(size):
        member = make.member(org.branch if i % 2 else org.other)
        if i % 3 == 0:
            study(session, member, materials[i % 3])
        if i % 4 == 0:
            attempt(session, quiz, member, 50 + i % 50)
    session.expire_all()
    path = org.committee.path
    session.refresh(plan)

    with count_queries() as members:
        rows = progress.member_rows(session, plan, path)
    with count_queries() as branches:
        summary = progress.branch_rows(session, plan, path)

    assert len(rows) == size + 5
    assert sum(r.members for r in summary) == size + 5
    assert sum(1 for r in rows if r.materials_studied) == len(range(0, size, 3))
    assert sum(1 for r in rows if r.attempts_submitted) == len(range(0, size, 4))
    assert len(members) == 1, members
    assert len(branches) == 1, branches

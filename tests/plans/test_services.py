"""Writing and publishing plans: validation, materials, targets, publishing, extensions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from studyhub.core.errors import InvalidInput, NotFound
from studyhub.notify.models import Message
from studyhub.org import services as org_services
from studyhub.plans.models import PlanExtension, PlanMaterial
from studyhub.plans.services import plans
from studyhub.quizzes.models import QuizAssignment, QuizMode
from tests.conftest import NOW
from tests.plans.plan_helpers import TODAY, make_exam, make_plan, readings
from tests.readings.tracking_helpers import make_reading


def fields(**changes) -> plans.PlanFields:
    values = {
        "title": " 2026年第四季度主题学习 ",
        "year": 2026,
        "quarter": 4,
        "starts_on": TODAY,
        "due_on": TODAY + timedelta(days=30),
        "guidance_markdown": "**重点**<script>x()</script>",
    }
    values.update(changes)
    return plans.PlanFields(**values)


def messages(session, kind: str | None = None) -> list[tuple[int, str]]:
    stmt = select(Message.user_id, Message.dedupe_key).order_by(Message.user_id)
    if kind:
        stmt = stmt.where(Message.kind == kind)
    return list(session.execute(stmt))


def material_ids(session, plan) -> list[int]:
    return list(
        session.scalars(
            select(PlanMaterial.reading_id)
            .where(PlanMaterial.plan_id == plan.id)
            .order_by(PlanMaterial.position)
        )
    )


# --- fields -------------------------------------------------------------------------------------


def test_create_plan_trims_the_title_and_sanitises_the_guidance(session, org):
    plan = plans.create_plan(
        session, org.committee, fields(), by_user_id=org.staff.user_id, now=NOW
    )

    assert plan.title == "2026年第四季度主题学习"
    assert plan.published_at is None
    assert "<strong>重点</strong>" in plan.guidance_html
    assert "script" not in plan.guidance_html
    assert plan.created_by_id == org.staff.user_id


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"title": "  "}, "Enter a title."),
        ({"due_on": TODAY}, "The due date must be after the start date."),
        ({"due_on": TODAY - timedelta(days=1)}, "The due date must be after the start date."),
        ({"quarter": 5}, "The quarter must be 1, 2, 3 or 4."),
        ({"year": 1999}, "Enter a year between 2000 and 2100."),
    ],
)
def test_plan_fields_are_checked(session, org, changes, message):
    with pytest.raises(InvalidInput, match=message):
        plans.create_plan(session, org.committee, fields(**changes), by_user_id=None, now=NOW)


def test_the_test_must_be_an_exam_of_the_committee(session, make, org):
    practice = make_exam(session, org.committee)
    practice.mode = QuizMode.PRACTICE
    foreign = make_exam(session, make.committee())

    with pytest.raises(InvalidInput, match="must be an exam"):
        plans.create_plan(
            session, org.committee, fields(quiz_id=practice.id), by_user_id=None, now=NOW
        )
    with pytest.raises(NotFound):
        plans.create_plan(
            session, org.committee, fields(quiz_id=foreign.id), by_user_id=None, now=NOW
        )


def test_quarter_and_default_title():
    assert plans.quarter_of(TODAY) == (2026, 4)
    assert plans.quarter_of(TODAY.replace(month=3, day=31)) == (2026, 1)
    assert plans.quarter_of(TODAY.replace(month=4, day=1)) == (2026, 2)
    assert plans.default_title(2026, 4) == "2026年第四季度主题学习"
    assert plans.default_title(2027, 1) == "2027年第一季度主题学习"


# --- materials ----------------------------------------------------------------------------------


def test_materials_are_added_once_reordered_and_removed(session, make, org):
    a, b, c = readings(session, org.committee)
    plan = make_plan(session, org.committee, publish=False)

    for reading in (a, b, c, a):
        plans.add_material(session, plan, reading.id, now=NOW)
    assert material_ids(session, plan) == [a.id, b.id, c.id]

    plans.move_material(session, plan, c.id, offset=-1, now=NOW)
    assert material_ids(session, plan) == [a.id, c.id, b.id]
    plans.move_material(session, plan, a.id, offset=-1, now=NOW)  # already first
    assert material_ids(session, plan) == [a.id, c.id, b.id]

    plans.remove_material(session, plan, a.id, now=NOW)
    assert material_ids(session, plan) == [c.id, b.id]
    positions = session.scalars(
        select(PlanMaterial.position)
        .where(PlanMaterial.plan_id == plan.id)
        .order_by(PlanMaterial.position)
    ).all()
    assert positions == [1, 2]

    foreign = make_reading(session, make.committee(), title="别的党委的文章")
    with pytest.raises(NotFound):
        plans.add_material(session, plan, foreign.id, now=NOW)


# --- publishing ---------------------------------------------------------------------------------


def test_publish_problems_say_what_is_missing(session, org):
    draft = make_reading(session, org.committee, title="草稿文章", is_published=False)
    quiz = make_exam(session, org.committee, published=False, title="未发布的测试")
    plan = plans.create_plan(session, org.committee, fields(), by_user_id=None, now=NOW)

    assert plans.publish_problems(session, plan) == [
        "Add at least one material or a test.",
        "Choose the units the plan is for.",
    ]

    plans.add_material(session, plan, draft.id, now=NOW)
    plan.quiz_id = quiz.id
    plans.set_targets(session, plan, [org.branch.id], now=NOW)
    assert plans.publish_problems(session, plan) == [
        "Material “草稿文章” is not published.",
        "Publish the test “未发布的测试” first.",
    ]
    with pytest.raises(InvalidInput, match="草稿文章"):
        plans.publish_plan(session, plan, now=NOW)
    assert plan.published_at is None


def test_publishing_tells_every_member_under_the_targets_once(session, make, org):
    inactive = make.member(org.other, name="停用的党员")
    org_services.set_member_active(inactive, is_active=False, actor_id=None, now=NOW)
    quiz = make_exam(session, org.committee)
    plan = make_plan(
        session,
        org.committee,
        materials=readings(session, org.committee, 1),
        quiz=quiz,
        targets=[org.general],
        publish=False,
    )

    told = plans.publish_plan(session, plan, now=NOW)
    again = plans.publish_plan(session, plan, now=NOW + timedelta(hours=1))

    expected = sorted(
        m.user_id for m in (org.staff, org.secretary, org.member, org.mate, org.other_member)
    )
    assert told == len(expected)
    assert again == 0
    assert plan.published_at == NOW
    assert messages(session, plans.PUBLISHED_KIND) == [
        (user_id, f"plan-published:{plan.id}") for user_id in expected
    ]
    assigned = session.scalars(
        select(QuizAssignment.unit_id).where(QuizAssignment.quiz_id == quiz.id)
    ).all()
    assert assigned == [org.general.id]


def test_new_targets_of_a_published_plan_tell_only_the_newly_covered(session, org):
    quiz = make_exam(session, org.committee)
    plan = make_plan(
        session,
        org.committee,
        materials=readings(session, org.committee, 1),
        quiz=quiz,
        targets=[org.branch],
    )
    before = len(messages(session, plans.PUBLISHED_KIND))

    plans.set_targets(session, plan, [org.branch.id, org.outside.id], now=NOW)

    published = messages(session, plans.PUBLISHED_KIND)
    assert len(published) == before + 1
    assert (org.outsider.user_id, f"plan-published:{plan.id}") in published
    assigned = session.scalars(
        select(QuizAssignment.unit_id)
        .where(QuizAssignment.quiz_id == quiz.id)
        .order_by(QuizAssignment.unit_id)
    ).all()
    assert assigned == sorted([org.branch.id, org.outside.id])
    with pytest.raises(InvalidInput):
        plans.set_targets(session, plan, [], now=NOW)


def test_targets_must_be_units_of_the_committee(session, make, org):
    plan = make_plan(session, org.committee, publish=False)
    foreign = make.branch(make.committee())

    with pytest.raises(NotFound):
        plans.set_targets(session, plan, [org.branch.id, foreign.id], now=NOW)


# --- extensions ---------------------------------------------------------------------------------


def test_extensions_need_a_reason_a_later_date_and_a_unit_of_the_plan(session, org):
    plan = make_plan(
        session, org.committee, materials=readings(session, org.committee, 1), targets=[org.general]
    )
    later = plan.due_on + timedelta(days=7)

    with pytest.raises(InvalidInput, match="reason"):
        plans.grant_extension(
            session, plan, branch=org.branch, due_on=later, reason=" ", by_user_id=None, now=NOW
        )
    with pytest.raises(InvalidInput, match="after the plan's due date"):
        plans.grant_extension(
            session,
            plan,
            branch=org.branch,
            due_on=plan.due_on,
            reason="会议冲突",
            by_user_id=None,
            now=NOW,
        )
    with pytest.raises(InvalidInput, match="not given to this branch"):
        plans.grant_extension(
            session,
            plan,
            branch=org.outside,
            due_on=later,
            reason="会议冲突",
            by_user_id=None,
            now=NOW,
        )
    with pytest.raises(InvalidInput, match="not given to this member"):
        plans.grant_extension(
            session,
            plan,
            member=org.outsider,
            due_on=later,
            reason="出差",
            by_user_id=None,
            now=NOW,
        )


def test_a_second_extension_for_the_same_member_replaces_the_first(session, org):
    plan = make_plan(session, org.committee, materials=readings(session, org.committee, 1))
    first = plans.grant_extension(
        session,
        plan,
        member=org.member,
        due_on=plan.due_on + timedelta(days=3),
        reason="出差",
        by_user_id=org.staff.user_id,
        now=NOW,
    )
    second = plans.grant_extension(
        session,
        plan,
        member=org.member,
        due_on=plan.due_on + timedelta(days=9),
        reason="住院",
        by_user_id=org.secretary.user_id,
        now=NOW + timedelta(hours=2),
    )

    assert second.id == first.id
    assert (second.due_on, second.reason, second.granted_by_id) == (
        plan.due_on + timedelta(days=9),
        "住院",
        org.secretary.user_id,
    )
    plans.revoke_extension(session, plan, second.id, actor_id=None, now=NOW)
    assert session.scalar(select(func.count()).select_from(PlanExtension)) == 0


def test_find_member_by_phone_or_number_only_among_the_plans_members(session, org):
    plan = make_plan(
        session, org.committee, materials=readings(session, org.committee, 1), targets=[org.branch]
    )

    assert plans.find_member(session, plan, org.mate.user.phone).id == org.mate.id
    assert plans.find_member(session, plan, f" {org.mate.user.member_no} ").id == org.mate.id
    with pytest.raises(NotFound):
        plans.find_member(session, plan, org.outsider.user.phone)

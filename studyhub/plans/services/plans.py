"""Writing and publishing plans: fields, materials, targets, the test, deadline overrides.

A plan is a draft until published. Publishing checks that it can be followed
(something to study or a test, a due date after the start, units to give it
to, materials and test that members can open), tells every member concerned
once (one set-based insert into the outbox, keyed ``plan-published:<id>``) and
gives the test to the same units. Changing the targets of a published plan
tells and gives the test to the members newly covered, again once each.

Publishing, every change to a published plan (fields, materials, targets) and
each deadline extension granted or withdrawn are recorded in the audit log
(the committee's; an extension in its branch's), in the act's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask_babel import format_date, gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.audit.services import diff
from studyhub.core.errors import DomainError, InvalidInput, NotFound
from studyhub.notify import services as notify
from studyhub.org.auditing import in_committee, record_in
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.plans import queries
from studyhub.plans.models import PlanExtension, PlanMaterial, PlanTarget, StudyPlan
from studyhub.quizzes.models import Quiz, QuizMode
from studyhub.quizzes.services import quizzes as quiz_services
from studyhub.readings.models import Reading
from studyhub.readings.services.content import render_markdown

TITLE_MAX = 200
GUIDANCE_MAX = 20000
REASON_MAX = 300
MIN_YEAR, MAX_YEAR = 2000, 2100
PUBLISHED_KIND = "plan_published"


@dataclass(frozen=True)
class PlanFields:
    """What staff type for a plan; materials and targets are set separately."""

    title: str
    year: int
    quarter: int
    starts_on: date
    due_on: date
    guidance_markdown: str = ""
    quiz_id: int | None = None


def quarter_of(day: date) -> tuple[int, int]:
    """(year, quarter) of a date: calendar quarters, Q1 = January–March."""
    return day.year, (day.month - 1) // 3 + 1


def default_title(year: int, quarter: int) -> str:
    """The customary title, e.g. 2026年第四季度主题学习 (data, not interface text)."""
    numerals = "一二三四"
    return f"{year}年第{numerals[quarter - 1]}季度主题学习"


def _exam(session: Session, committee_id: int, quiz_id: int | None) -> Quiz | None:
    if quiz_id is None:
        return None
    quiz = session.get(Quiz, quiz_id)
    if quiz is None or quiz.committee_id != committee_id:
        raise NotFound(_l("This test is not one of the committee's quizzes."))
    if quiz.mode != QuizMode.EXAM:
        raise InvalidInput(_l("The test of a plan must be an exam."))
    return quiz


def _apply(session: Session, plan: StudyPlan, fields: PlanFields) -> None:
    title = fields.title.strip()
    if not title:
        raise InvalidInput(_l("Enter a title."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(_l("The title is too long (at most %(n)d characters).", n=TITLE_MAX))
    if not MIN_YEAR <= fields.year <= MAX_YEAR:
        raise InvalidInput(_l("Enter a year between %(a)d and %(b)d.", a=MIN_YEAR, b=MAX_YEAR))
    if fields.quarter not in (1, 2, 3, 4):
        raise InvalidInput(_l("The quarter must be 1, 2, 3 or 4."))
    if fields.due_on <= fields.starts_on:
        raise InvalidInput(_l("The due date must be after the start date."))
    if len(fields.guidance_markdown) > GUIDANCE_MAX:
        raise InvalidInput(_l("The guidance is too long."))
    _exam(session, plan.committee_id, fields.quiz_id)
    plan.title = title
    plan.year = fields.year
    plan.quarter = fields.quarter
    plan.starts_on = fields.starts_on
    plan.due_on = fields.due_on
    plan.guidance_markdown = fields.guidance_markdown
    plan.guidance_html = render_markdown(fields.guidance_markdown)
    plan.quiz_id = fields.quiz_id


def fields_of(plan: StudyPlan) -> PlanFields:
    return PlanFields(
        title=plan.title,
        year=plan.year,
        quarter=plan.quarter,
        starts_on=plan.starts_on,
        due_on=plan.due_on,
        guidance_markdown=plan.guidance_markdown,
        quiz_id=plan.quiz_id,
    )


def _record(
    session: Session,
    plan: StudyPlan,
    kind: str,
    *,
    actor_id: int | None,
    now: datetime,
    changes: dict[str, list[Any]] | None = None,
    details: dict[str, Any] | None = None,
    unit: OrgUnit | None = None,
) -> None:
    """An act on a plan in its committee's audit log (or in ``unit``'s)."""
    record_in(
        session,
        unit or in_committee(session, plan.committee_id),
        kind,
        actor_id=actor_id,
        now=now,
        object_type="study_plan",
        object_id=plan.id,
        summary=plan.title,
        changes=changes,
        details=details,
    )


def _audited_fields(plan: StudyPlan) -> dict[str, Any]:
    """A plan's fields as the log compares them (the guidance by its length only)."""
    return {
        "title": plan.title,
        "year": plan.year,
        "quarter": plan.quarter,
        "starts_on": plan.starts_on,
        "due_on": plan.due_on,
        "guidance_length": len(plan.guidance_markdown or ""),
        "quiz_id": plan.quiz_id,
    }


def _record_change(
    session: Session,
    plan: StudyPlan,
    changes: dict[str, list[Any]],
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """A change to a published plan (a draft's changes are not privileged acts)."""
    if plan.published_at is not None and changes:
        _record(session, plan, "plan.changed", actor_id=actor_id, now=now, changes=changes)


def create_plan(
    session: Session,
    committee: OrgUnit,
    fields: PlanFields,
    *,
    by_user_id: int | None,
    now: datetime,
) -> StudyPlan:
    """A draft plan of ``committee``."""
    if committee.kind != UnitKind.COMMITTEE:
        raise InvalidInput(_l("Plans belong to a committee."))
    plan = StudyPlan(committee_id=committee.id, created_by_id=by_user_id, created_at=now)
    _apply(session, plan, fields)
    plan.updated_at = now
    session.add(plan)
    session.flush()
    return plan


def update_plan(
    session: Session,
    plan: StudyPlan,
    fields: PlanFields,
    *,
    now: datetime,
    actor_id: int | None = None,
) -> None:
    """Change the plan's fields; a published plan with a new test gives it to its units."""
    old_quiz_id = plan.quiz_id
    before = _audited_fields(plan)
    _apply(session, plan, fields)
    plan.updated_at = now
    session.flush()
    _record_change(session, plan, diff(before, _audited_fields(plan)), actor_id=actor_id, now=now)
    if plan.published_at is not None and plan.quiz_id != old_quiz_id:
        _check_test(session, plan)
        _assign_test(session, plan, now=now)


# Materials ---------------------------------------------------------------------------------


def _materials(session: Session, plan: StudyPlan) -> list[PlanMaterial]:
    return list(
        session.scalars(
            select(PlanMaterial)
            .where(PlanMaterial.plan_id == plan.id)
            .order_by(PlanMaterial.position, PlanMaterial.id)
        )
    )


def _material_titles(session: Session, plan: StudyPlan) -> list[str]:
    return [title for _position, title in session.execute(_titles_query(plan.id))]


def _titles_query(plan_id: int) -> Any:
    return (
        select(PlanMaterial.position, Reading.title)
        .join(Reading, Reading.id == PlanMaterial.reading_id)
        .where(PlanMaterial.plan_id == plan_id)
        .order_by(PlanMaterial.position, PlanMaterial.id)
    )


def add_material(
    session: Session,
    plan: StudyPlan,
    reading_id: int,
    *,
    now: datetime,
    actor_id: int | None = None,
) -> PlanMaterial:
    """Add a reading of the committee at the end (a second add of the same one does nothing)."""
    reading = session.get(Reading, reading_id)
    if reading is None or reading.committee_id != plan.committee_id:
        raise NotFound(_l("This reading is not in the committee's library."))
    materials = _materials(session, plan)
    for material in materials:
        if material.reading_id == reading_id:
            return material
    before = _material_titles(session, plan)
    material = PlanMaterial(
        plan_id=plan.id,
        reading_id=reading_id,
        position=max((m.position for m in materials), default=0) + 1,
    )
    session.add(material)
    plan.updated_at = now
    session.flush()
    _record_change(
        session,
        plan,
        {"materials": [before, _material_titles(session, plan)]},
        actor_id=actor_id,
        now=now,
    )
    return material


def remove_material(
    session: Session,
    plan: StudyPlan,
    reading_id: int,
    *,
    now: datetime,
    actor_id: int | None = None,
) -> None:
    before = _material_titles(session, plan)
    session.execute(
        delete(PlanMaterial).where(
            PlanMaterial.plan_id == plan.id, PlanMaterial.reading_id == reading_id
        )
    )
    for position, material in enumerate(_materials(session, plan), start=1):
        material.position = position
    plan.updated_at = now
    session.flush()
    after = _material_titles(session, plan)
    if after != before:
        _record_change(session, plan, {"materials": [before, after]}, actor_id=actor_id, now=now)


def move_material(
    session: Session, plan: StudyPlan, reading_id: int, *, offset: int, now: datetime
) -> None:
    """Move a material up (``offset`` -1) or down (+1) in the order."""
    materials = _materials(session, plan)
    index = next((i for i, m in enumerate(materials) if m.reading_id == reading_id), None)
    if index is None:
        raise NotFound(_l("This reading is not one of the plan's materials."))
    other = index + offset
    if 0 <= other < len(materials):
        materials[index], materials[other] = materials[other], materials[index]
    for position, material in enumerate(materials, start=1):
        material.position = position
    plan.updated_at = now
    session.flush()


# Targets and publishing ---------------------------------------------------------------------


def set_targets(
    session: Session,
    plan: StudyPlan,
    unit_ids: list[int],
    *,
    now: datetime,
    email: bool = False,
    actor_id: int | None = None,
) -> None:
    """Give the plan to these units (each with everything under it) instead of the old ones.

    Units must be active units of the plan's committee. For a published plan the
    members newly covered are told, and the test is given to the new units.
    """
    ids = sorted(set(unit_ids))
    units = list(session.scalars(select(OrgUnit).where(OrgUnit.id.in_(ids)))) if ids else []
    if len(units) != len(ids) or any(
        not u.is_active or (u.committee_id or u.id) != plan.committee_id for u in units
    ):
        raise NotFound(_l("Choose units of the plan's committee."))
    if plan.published_at is not None and not units:
        raise InvalidInput(_l("A published plan must be given to at least one unit."))
    before = sorted(u.name for u in session.scalars(queries.targets_of(plan.id)))
    session.execute(
        delete(PlanTarget).where(PlanTarget.plan_id == plan.id, PlanTarget.unit_id.not_in(ids))
    )
    have = set(session.scalars(select(PlanTarget.unit_id).where(PlanTarget.plan_id == plan.id)))
    session.add_all(PlanTarget(plan_id=plan.id, unit_id=i) for i in ids if i not in have)
    plan.updated_at = now
    session.flush()
    session.expire(plan, ["targets"])
    if plan.published_at is not None:
        after = sorted(u.name for u in units)
        if after != before:
            _record_change(session, plan, {"targets": [before, after]}, actor_id=actor_id, now=now)
        _notify_published(session, plan, now=now, email=email)
        _assign_test(session, plan, now=now)


def publish_problems(session: Session, plan: StudyPlan) -> list[str]:
    """Why the plan cannot be published yet (empty when it can)."""
    problems: list[str] = []
    materials = list(session.execute(queries.plan_materials(plan.id)))
    if not materials and plan.quiz_id is None:
        problems.append(str(_l("Add at least one material or a test.")))
    if plan.due_on <= plan.starts_on:
        problems.append(str(_l("The due date must be after the start date.")))
    has_targets = session.scalar(
        select(func.count()).select_from(PlanTarget).where(PlanTarget.plan_id == plan.id)
    )
    if not has_targets:
        problems.append(str(_l("Choose the units the plan is for.")))
    for _position, reading, _studied in materials:
        if reading.published_at is None or reading.unpublished_at is not None:
            problems.append(str(_l("Material “%(title)s” is not published.", title=reading.title)))
    try:
        _check_test(session, plan)
    except DomainError as exc:
        problems.append(str(exc))
    return problems


def _check_test(session: Session, plan: StudyPlan) -> None:
    quiz = _exam(session, plan.committee_id, plan.quiz_id)
    if quiz is not None and quiz.published_at is None:
        raise InvalidInput(_l("Publish the test “%(title)s” first.", title=quiz.title))


def publish_plan(
    session: Session,
    plan: StudyPlan,
    *,
    now: datetime,
    email: bool = False,
    actor_id: int | None = None,
) -> int:
    """Publish the plan: tell every member concerned (once) and give them the test.

    Returns how many members were told now; publishing again tells nobody twice
    (and is not recorded again).
    """
    problems = publish_problems(session, plan)
    if problems:
        raise InvalidInput(" ".join(problems))
    first = plan.published_at is None
    if first:
        plan.published_at = now
        plan.updated_at = now
    session.flush()
    told = _notify_published(session, plan, now=now, email=email)
    _assign_test(session, plan, now=now)
    if first:
        _record(
            session,
            plan,
            "plan.published",
            actor_id=actor_id,
            now=now,
            changes={"published_at": [None, now]},
            details={
                "targets": sorted(u.name for u in session.scalars(queries.targets_of(plan.id))),
                "told": told,
            },
        )
    return told


def _notify_published(session: Session, plan: StudyPlan, *, now: datetime, email: bool) -> int:
    return notify.send_many(
        session,
        queries.targeted_members(plan),
        kind=PUBLISHED_KIND,
        subject=gettext("New study plan: %(title)s", title=plan.title),
        body=gettext("Due on %(date)s.", date=format_date(plan.due_on, "long")),
        link=f"/plans/{plan.id}",
        dedupe_key=f"plan-published:{plan.id}",
        now=now,
        email=email,
        params={"title": plan.title, "due_on": plan.due_on.isoformat()},
    )


def _assign_test(session: Session, plan: StudyPlan, *, now: datetime) -> None:
    """Give the plan's test to each target unit that does not have it yet."""
    quiz = _exam(session, plan.committee_id, plan.quiz_id)
    if quiz is None:
        return
    for unit in session.scalars(queries.targets_of(plan.id)):
        # Part of the plan's publication (no one's act on the quiz itself).
        quiz_services.assign_quiz(session, quiz, unit, actor_id=None, now=now)


# Deadline overrides --------------------------------------------------------------------------


def find_member(session: Session, plan: StudyPlan, identifier: str) -> Member:
    """An active member the plan is for, by phone number or member number."""
    text = identifier.strip()
    member = (
        session.scalars(
            select(Member)
            .join(User, User.id == Member.user_id)
            .where(
                Member.committee_id == plan.committee_id,
                Member.is_active.is_(True),
                or_(User.phone == text, User.member_no == text),
                queries.is_targeted(plan.id, Member.org_path),
            )
        ).first()
        if text
        else None
    )
    if member is None:
        raise NotFound(_l("No member of the plan's units has this phone or member number."))
    return member


def _covered(session: Session, plan: StudyPlan, path: str) -> bool:
    return any(path.startswith(u.path) for u in session.scalars(queries.targets_of(plan.id)))


def grant_extension(
    session: Session,
    plan: StudyPlan,
    *,
    due_on: date,
    reason: str,
    by_user_id: int | None,
    now: datetime,
    branch: OrgUnit | None = None,
    member: Member | None = None,
) -> PlanExtension:
    """A later due date for one branch or one member (replacing an earlier one for them)."""
    if (branch is None) == (member is None):
        raise InvalidInput(_l("Choose a branch or a member."))
    reason = reason.strip()
    if not reason:
        raise InvalidInput(_l("Give the reason for the extension."))
    if len(reason) > REASON_MAX:
        raise InvalidInput(_l("The reason is too long (at most %(n)d characters).", n=REASON_MAX))
    if due_on <= plan.due_on:
        raise InvalidInput(
            _l(
                "An extension must end after the plan's due date (%(date)s).",
                date=format_date(plan.due_on),
            )
        )
    if branch is not None:
        if branch.kind != UnitKind.BRANCH or branch.committee_id != plan.committee_id:
            raise NotFound(_l("Choose a branch of the plan's committee."))
        if not _covered(session, plan, branch.path):
            raise InvalidInput(_l("The plan is not given to this branch."))
        stmt = queries.extension_for(plan.id, unit_id=branch.id)
    else:
        assert member is not None
        if member.committee_id != plan.committee_id or not _covered(session, plan, member.org_path):
            raise InvalidInput(_l("The plan is not given to this member."))
        stmt = queries.extension_for(plan.id, user_id=member.user_id)
    extension = session.scalars(stmt).first()
    before = extension.due_on if extension is not None else plan.due_on
    if extension is None:
        extension = PlanExtension(
            plan_id=plan.id,
            unit_id=branch.id if branch is not None else None,
            user_id=member.user_id if member is not None else None,
        )
        session.add(extension)
    extension.due_on = due_on
    extension.reason = reason
    extension.granted_by_id = by_user_id
    extension.granted_at = now
    session.flush()
    _record_extension(
        session,
        plan,
        extension,
        "plan.extension_granted",
        changes={"due_on": [before, due_on]},
        actor_id=by_user_id,
        now=now,
    )
    return extension


def _record_extension(
    session: Session,
    plan: StudyPlan,
    extension: PlanExtension,
    kind: str,
    *,
    changes: dict[str, list[Any]],
    actor_id: int | None,
    now: datetime,
) -> None:
    """An extension in the log of the branch it is for (a member's: their branch's)."""
    if extension.unit_id is not None:
        unit = session.get_one(OrgUnit, extension.unit_id)
        details: dict[str, Any] = {"branch": unit.name}
    else:
        member = session.scalars(
            select(Member).where(
                Member.user_id == extension.user_id, Member.committee_id == plan.committee_id
            )
        ).one()
        unit = member.branch
        details = {"member": member.user.name, "member_id": member.id}
    _record(
        session,
        plan,
        kind,
        actor_id=actor_id,
        now=now,
        unit=unit,
        changes=changes,
        details={**details, "reason": extension.reason},
    )


def revoke_extension(
    session: Session,
    plan: StudyPlan,
    extension_id: int,
    *,
    actor_id: int | None,
    now: datetime,
) -> None:
    """Withdraw an extension (recorded with the due date it gave and the plan's)."""
    extension = session.get(PlanExtension, extension_id)
    if extension is None or extension.plan_id != plan.id:
        raise NotFound(_l("This extension does not exist."))
    _record_extension(
        session,
        plan,
        extension,
        "plan.extension_revoked",
        changes={"due_on": [extension.due_on, plan.due_on]},
        actor_id=actor_id,
        now=now,
    )
    session.delete(extension)
    session.flush()

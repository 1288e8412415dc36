"""``studyhub gen-data``: a large synthetic organisation for benchmarks.

One committee named after the seed, general branches, branches with two or
three Party groups, members spread over the branches, a secretary and a branch
committee member per branch, one committee staff account, and each domain's
data: :data:`STEPS` in order (see :mod:`studyhub.benchdata.generation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.benchdata import ahead, organisation
from studyhub.benchdata import audit as audit_data
from studyhub.benchdata import plans as plan_data
from studyhub.benchdata import quizzes as quiz_data
from studyhub.benchdata.generation import (
    MAX_MEMBERS,
    MAX_SEED,
    MIN_BRANCH_SIZE,
    TARGET_BRANCH_SIZE,
    Generation,
    Progress,
    Step,
    committee_name,
    phone_for,
)
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org import services as org
from studyhub.org.models import Member, OrgUnit, Role, RoleAssignment
from studyhub.org.queries import branch_sizes_under

STEPS: list[Step] = [
    Step("Units", lambda gen: gen.branch_count, organisation.create_units, organisation.clear_org),
    Step("Members", lambda gen: gen.members, organisation.insert_members),
    Step("Staff", lambda gen: 1, organisation.create_staff),
    Step("Quizzes", quiz_data.size, quiz_data.run, quiz_data.clear),
    Step("Plans", plan_data.size, plan_data.run, plan_data.clear),
    Step("Audit", lambda gen: gen.audit_entries, audit_data.create_audit, audit_data.clear_audit),
    Step("Ahead", ahead.size, ahead.run),  # cleared with the quizzes' and plans' rows
]


# -- the whole run ---------------------------------------------------------------


def check_parameters(*, members: int, branches: int, seed: int) -> None:
    if not 0 <= seed <= MAX_SEED:
        raise InvalidInput(f"The seed must be between 0 and {MAX_SEED}.")
    if branches < 1:
        raise InvalidInput("There must be at least one branch.")
    if members < MIN_BRANCH_SIZE * branches:
        raise InvalidInput(
            f"{branches} branches need at least {MIN_BRANCH_SIZE * branches} members."
        )
    if members + 1 > MAX_MEMBERS:
        raise InvalidInput(f"At most {MAX_MEMBERS - 1} members.")


def clear(session: Session, committee: OrgUnit, *, seed: int) -> None:
    """Delete a generated committee and everything the steps made under it."""
    for step in reversed(STEPS):
        if step.clear is not None:
            step.clear(session, committee, seed)


def generate(
    session: Session,
    *,
    members: int,
    branches: int,
    seed: int,
    now: datetime,
    password_hash: str,
    replace: bool = False,
    on_progress: Progress | None = None,
    attempts: int = 0,
    audit_entries: int = 0,
) -> Generation:
    """Run every step for a new committee named after ``seed``; the caller commits.

    Raises ``Conflict`` when that committee exists (unless ``replace``) or when
    its phone numbers are taken, ``InvalidInput`` for impossible sizes.
    """
    check_parameters(members=members, branches=branches, seed=seed)
    name = committee_name(seed)
    existing = session.scalar(
        select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.name == name)
    )
    if existing is not None:
        if not replace:
            raise Conflict(f"{name} exists already; use --replace to generate it again.")
        clear(session, existing, seed=seed)
    taken = session.scalar(
        select(func.count())
        .select_from(User)
        .where(User.phone.between(phone_for(seed, 0), phone_for(seed, MAX_MEMBERS)))
    )
    if taken:
        raise Conflict(
            f"Phone numbers {phone_for(seed, 0)[:4]}… of seed {seed} are in use; "
            "choose another seed."
        )
    committee = org.create_committee(session, name, now=now, timezone="Asia/Shanghai")
    gen = Generation(
        session=session,
        committee=committee,
        seed=seed,
        members=members,
        branch_count=branches,
        now=now,
        password_hash=password_hash,
        attempts=attempts,
        audit_entries=audit_entries,
    )
    report = on_progress or (lambda label, done, total: None)
    for step in STEPS:
        total = step.size(gen)
        done = 0
        report(step.label, 0, total)

        def advance(n: int, label: str = step.label, total: int = total) -> None:
            nonlocal done
            done += n
            report(label, done, total)

        step.run(gen, advance)
    session.flush()
    return gen


# -- logins to try it with -------------------------------------------------------


@dataclass(frozen=True)
class SampleLogin:
    role: str
    name: str
    login: str
    unit_id: int | None = None
    unit_name: str | None = None
    unit_size: int | None = None


def sample_logins(session: Session, committee: OrgUnit) -> list[SampleLogin]:
    """A plain member, the secretary of the branch nearest 60 members, and the staff."""
    logins: list[SampleLogin] = []
    with_role = select(RoleAssignment.user_id)
    member = session.scalars(
        select(Member)
        .where(Member.committee_id == committee.id, Member.user_id.not_in(with_role))
        .order_by(Member.id)
        .limit(1)
    ).first()
    if member is not None:
        logins.append(SampleLogin("member", member.user.name, member.user.phone or ""))
    sizes = session.execute(branch_sizes_under(committee.path)).all()
    if sizes:
        branch_id, size = min(sizes, key=lambda row: (abs(row[1] - TARGET_BRANCH_SIZE), row[0]))
        secretary = session.scalars(
            select(RoleAssignment).where(
                RoleAssignment.unit_id == branch_id, RoleAssignment.role == Role.SECRETARY
            )
        ).first()
        if secretary is not None:
            logins.append(
                SampleLogin(
                    "secretary",
                    secretary.user.name,
                    secretary.user.phone or "",
                    unit_id=branch_id,
                    unit_name=secretary.unit.name,
                    unit_size=size,
                )
            )
    staff = session.scalars(
        select(RoleAssignment).where(
            RoleAssignment.unit_id == committee.id, RoleAssignment.role == Role.STAFF
        )
    ).first()
    if staff is not None:
        logins.append(
            SampleLogin(
                "staff",
                staff.user.name,
                staff.user.phone or "",
                unit_id=committee.id,
                unit_name=committee.name,
            )
        )
    return logins


def find_committee(session: Session, seed: int) -> OrgUnit | None:
    return session.scalar(
        select(OrgUnit).where(OrgUnit.parent_id.is_(None), OrgUnit.name == committee_name(seed))
    )

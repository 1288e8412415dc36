"""``studyhub gen-data``: the shape, determinism and logins of a generated organisation."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from studyhub.accounts.models import User
from studyhub.accounts.services import hash_password
from studyhub.benchdata import generation
from studyhub.benchdata import run as generator
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org.models import Member, OrgUnit, Role, RoleAssignment, UnitKind
from tests.conftest import NOW


@pytest.fixture
def password_hash(app) -> str:
    return hash_password(generation.PASSWORD, method=app.config["PASSWORD_HASH_METHOD"])


def run(session, password_hash: str, *, members=300, branches=5, seed=7, **extra):
    return generator.generate(
        session,
        members=members,
        branches=branches,
        seed=seed,
        now=NOW,
        password_hash=password_hash,
        **extra,
    )


def units_of(session, committee: OrgUnit, kind: UnitKind) -> list[OrgUnit]:
    return list(
        session.scalars(
            select(OrgUnit)
            .where(OrgUnit.committee_id == committee.id, OrgUnit.kind == kind)
            .order_by(OrgUnit.id)
        )
    )


def people(session, committee: OrgUnit) -> list[tuple]:
    """Everything about the generated members that does not depend on row ids."""
    branch = OrgUnit.__table__.alias("branch")
    return list(
        session.execute(
            select(
                User.name,
                User.phone,
                User.member_no,
                branch.c.name,
                Member.status,
                Member.joined_on,
                Member.group_id.is_(None),
            )
            .join(Member, Member.user_id == User.id)
            .join(branch, branch.c.id == Member.branch_id)
            .where(Member.committee_id == committee.id)
            .order_by(User.phone)
        )
    )


def test_small_run_builds_the_tree_members_and_roles(session, password_hash):
    progress: list[tuple[str, int, int]] = []
    gen = run(session, password_hash, on_progress=lambda *args: progress.append(args))

    committee = gen.committee
    assert committee.name == "基准测试党委-S7"
    assert committee.path == f"/{committee.id}/"
    generals = units_of(session, committee, UnitKind.GENERAL_BRANCH)
    branches = units_of(session, committee, UnitKind.BRANCH)
    groups = units_of(session, committee, UnitKind.GROUP)
    assert len(generals) == 1
    assert len(branches) == 5
    assert [b.parent_id for b in branches].count(generals[0].id) == 4  # 3 in 4 grouped
    assert all(b.path == f"{b.parent.path}{b.id}/" for b in branches)
    assert 10 <= len(groups) <= 15
    assert {g.parent_id for g in groups} == {b.id for b in branches}
    assert all(g.path == f"{g.parent.path}{g.id}/" for g in groups)

    sizes = dict(
        session.execute(
            select(Member.branch_id, func.count())
            .where(Member.committee_id == committee.id)
            .group_by(Member.branch_id)
        ).all()
    )
    assert sum(sizes.values()) == 300
    assert sizes == {plan.id: plan.size for plan in gen.branches}
    assert min(sizes.values()) >= 2

    roles = session.execute(
        select(RoleAssignment.role, func.count())
        .join(OrgUnit, OrgUnit.id == RoleAssignment.unit_id)
        .where(OrgUnit.committee_id == committee.id)
        .group_by(RoleAssignment.role)
    ).all()
    assert dict(roles) == {Role.SECRETARY: 5, Role.BRANCH_COMMITTEE: 5, Role.STAFF: 1}
    secretaries = session.scalars(
        select(Member)
        .join(RoleAssignment, RoleAssignment.user_id == Member.user_id)
        .where(RoleAssignment.role == Role.SECRETARY, Member.committee_id == committee.id)
    ).all()
    assert {m.position for m in secretaries} == {"支部书记"}
    assert {m.branch_id for m in secretaries} == {b.id for b in branches}

    assert progress[0] == ("Units", 0, 5)
    assert ("Members", 300, 300) in progress
    assert ("Staff", 1, 1) in progress
    assert ("Quizzes", 500, 500) in progress  # the question bank; no attempts asked for
    assert ("Plans", 300, 300) in progress
    assert ("Audit", 0, 0) in progress  # no audit entries asked for


def test_every_member_sits_under_their_branch_and_group(session, password_hash):
    gen = run(session, password_hash)
    paths = {u.id: u.path for u in units_of(session, gen.committee, UnitKind.BRANCH)}
    paths |= {u.id: u.path for u in units_of(session, gen.committee, UnitKind.GROUP)}
    members = session.execute(
        select(Member.branch_id, Member.group_id, Member.org_path).where(
            Member.committee_id == gen.committee.id
        )
    ).all()
    assert len(members) == 300
    for branch_id, group_id, org_path in members:
        assert org_path.startswith(paths[branch_id])
        assert org_path == paths[group_id if group_id is not None else branch_id]
    in_groups = sum(1 for _b, group_id, _p in members if group_id is not None)
    assert 250 < in_groups < 300  # a few members belong to no group

    users = session.execute(
        select(func.count(), func.count(func.distinct(User.phone)), func.min(User.phone))
        .select_from(User)
        .where(User.member_no.startswith("B7-"))
        .where(User.password_hash == gen.password_hash, User.must_change_password.is_(False))
    ).one()
    assert tuple(users) == (301, 301, "17070000001")


def test_same_seed_gives_the_same_people(session, password_hash):
    first_run = session.begin_nested()
    first = people(session, run(session, password_hash, seed=3).committee)
    first_run.rollback()
    assert session.scalar(select(func.count()).where(User.member_no.startswith("B3-"))) == 0

    again = people(session, run(session, password_hash, seed=3).committee)
    assert len(first) == 300
    assert again == first
    assert len({name for name, *_ in first}) > 150  # names vary


def test_two_seeds_live_side_by_side(session, password_hash):
    four = people(session, run(session, password_hash, seed=4).committee)
    five = people(session, run(session, password_hash, seed=5).committee)
    assert {p[1] for p in four}.isdisjoint({p[1] for p in five})
    assert {p[2] for p in four}.isdisjoint({p[2] for p in five})
    assert [p[0] for p in four] != [p[0] for p in five]


def test_existing_committee_is_refused_unless_replaced(session, password_hash):
    run(session, password_hash, members=40, branches=2, seed=6)
    with pytest.raises(Conflict, match="exists already"):
        run(session, password_hash, members=40, branches=2, seed=6)

    gen = run(session, password_hash, members=60, branches=3, seed=6, replace=True)
    committees = session.scalars(
        select(OrgUnit).where(OrgUnit.name == generation.committee_name(6))
    ).all()
    assert [c.id for c in committees] == [gen.committee.id]
    assert len(units_of(session, gen.committee, UnitKind.BRANCH)) == 3
    generated = select(func.count()).where(User.member_no.startswith("B6-"))
    assert session.scalar(generated) == 61
    orphans = select(func.count()).select_from(Member).where(Member.user_id.not_in(select(User.id)))
    assert session.scalar(orphans) == 0


def test_impossible_sizes_are_refused(session, password_hash):
    with pytest.raises(InvalidInput, match="at least 20 members"):
        run(session, password_hash, members=19, branches=10)
    with pytest.raises(InvalidInput, match="seed"):
        run(session, password_hash, seed=100)


def test_sample_logins_log_in_and_open_their_pages(session, client, password_hash):
    gen = run(session, password_hash, members=400, branches=6, seed=9)
    logins = {login.role: login for login in generator.sample_logins(session, gen.committee)}
    assert set(logins) == {"member", "secretary", "staff"}
    sizes = [plan.size for plan in gen.branches]
    nearest = min(sizes, key=lambda size: abs(size - 60))
    assert abs(logins["secretary"].unit_size - 60) == abs(nearest - 60)

    response = client.post(
        "/login", data={"identifier": logins["member"].login, "password": generation.PASSWORD}
    )
    assert response.status_code == 302 and response.location == "/"
    assert logins["member"].name in client.get("/").text
    client.post("/logout")

    client.post(
        "/login", data={"identifier": logins["secretary"].login, "password": generation.PASSWORD}
    )
    page = client.get(f"/org/units/{logins['secretary'].unit_id}")
    assert page.status_code == 200
    assert logins["secretary"].unit_name in page.text
    count = re.search(r'id="member-count">[^<]*?(\d+)', page.text)
    assert count is not None and int(count.group(1)) == logins["secretary"].unit_size


def test_command_generates_and_refuses_a_second_time(app, session):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["gen-data", "--members", "40", "--branches", "2", "--seed", "8"])
    assert result.exit_code == 0, result.output
    assert "基准测试党委-S8: 40 members in 2 branches" in result.output
    assert f"password for all: {generation.PASSWORD}" in result.output
    assert "secretary" in result.output and "17080000041" in result.output  # the staff
    committee = generator.find_committee(session, 8)
    assert committee is not None
    count = select(func.count()).select_from(Member).where(Member.committee_id == committee.id)
    assert session.scalar(count) == 40

    again = runner.invoke(args=["gen-data", "--members", "40", "--branches", "2", "--seed", "8"])
    assert again.exit_code == 1
    assert "exists already; use --replace" in again.output


def test_audit_entries_fall_in_the_committee_and_go_with_replace(session, password_hash):
    from studyhub.audit.models import AuditEntry
    from studyhub.org.queries import under

    def in_committee(committee):
        return session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(under(AuditEntry.scope_path, committee.path))
        )

    steps = []
    gen = run(
        session,
        password_hash,
        members=60,
        branches=3,
        seed=8,
        audit_entries=12_000,
        on_progress=lambda label, done, total: steps.append((label, done, total)),
    )
    # The generated ones, and the staff's appointment and the quizzes' publication.
    assert in_committee(gen.committee) >= 12_000
    assert ("Audit", 12_000, 12_000) in steps
    branch_ids = {b.id for b in gen.branches}
    rows = session.execute(
        select(AuditEntry.branch_id, AuditEntry.scope_path, AuditEntry.at).where(
            AuditEntry.summary.like("%#%")
        )
    ).all()
    assert {r.branch_id for r in rows} <= branch_ids | {None}
    assert all(r.scope_path.startswith(gen.committee.path) for r in rows)
    again = run(session, password_hash, members=60, branches=3, seed=8, replace=True)
    assert in_committee(again.committee) < 100

"""Services and queries of the organisation tree, without HTTP."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select, text

from studyhub.accounts.services import authenticate, has_usable_password
from studyhub.core.errors import Conflict, DomainError, InvalidInput
from studyhub.org import queries
from studyhub.org import services as org
from studyhub.org.models import MemberStatus, OrgUnit, Role, RoleAssignment, UnitKind
from tests.conftest import NOW, PASSWORD


@pytest.fixture
def tree(make):
    """committee → general branch → branch A (group A1); committee → branch B (group B1)."""
    committee = make.committee()
    general = make.unit(committee, UnitKind.GENERAL_BRANCH)
    branch_a = make.unit(general, UnitKind.BRANCH)
    group_a = make.unit(branch_a, UnitKind.GROUP)
    branch_b = make.unit(committee, UnitKind.BRANCH)
    group_b = make.unit(branch_b, UnitKind.GROUP)
    members = {
        "a": make.member(branch_a),
        "a1": make.member(branch_a, group=group_a),
        "b": make.member(branch_b),
        "b1": make.member(branch_b, group=group_b),
    }
    return {
        "committee": committee,
        "general": general,
        "branch_a": branch_a,
        "group_a": group_a,
        "branch_b": branch_b,
        "group_b": group_b,
        **members,
    }


def fields(name: str = "王五", phone: str | None = "13812345678", member_no: str | None = None):
    return org.MemberFields(
        name=name,
        phone=phone,
        member_no=member_no,
        status=MemberStatus.FULL,
        joined_on=date(2010, 7, 1),
    )


def add(session, branch, app, **kwargs):
    return org.add_member(
        session,
        branch,
        fields(**kwargs),
        now=NOW,
    )


def ids_under(session, unit: OrgUnit, **kwargs) -> set[int]:
    return {m.id for m in session.scalars(queries.members_under(unit.path, **kwargs))}


# --- materialised paths -------------------------------------------------------------


def test_paths_are_materialised_from_the_root(tree):
    committee, general, branch_a = tree["committee"], tree["general"], tree["branch_a"]
    assert committee.path == f"/{committee.id}/"
    assert committee.committee_id == committee.id
    assert general.path == f"/{committee.id}/{general.id}/"
    assert branch_a.path == f"/{committee.id}/{general.id}/{branch_a.id}/"
    assert tree["group_a"].path == f"{branch_a.path}{tree['group_a'].id}/"
    assert tree["branch_b"].path == f"/{committee.id}/{tree['branch_b'].id}/"
    assert {u.committee_id for u in tree.values() if isinstance(u, OrgUnit)} == {committee.id}
    assert branch_a.depth == 2 and committee.depth == 0
    assert branch_a.ancestor_ids == [committee.id, general.id, branch_a.id]


def test_member_paths_follow_group_or_branch(tree):
    assert tree["a"].org_path == tree["branch_a"].path
    assert tree["a1"].org_path == tree["group_a"].path
    assert tree["b1"].org_path == tree["group_b"].path


def test_unit_kinds_must_fit_their_parent(make, tree):
    with pytest.raises(InvalidInput):
        make.unit(tree["group_a"], UnitKind.GROUP)
    with pytest.raises(InvalidInput):
        make.unit(tree["branch_a"], UnitKind.BRANCH)
    with pytest.raises(InvalidInput):
        make.unit(tree["general"], UnitKind.GENERAL_BRANCH)


# --- members under a node -------------------------------------------------------------


def test_members_under_each_kind_of_node(session, make, tree):
    other = make.member(make.branch())  # another committee's member is never included
    m = {k: tree[k].id for k in ("a", "a1", "b", "b1")}
    assert ids_under(session, tree["committee"]) == set(m.values())
    assert ids_under(session, tree["general"]) == {m["a"], m["a1"]}
    assert ids_under(session, tree["branch_a"]) == {m["a"], m["a1"]}
    assert ids_under(session, tree["group_a"]) == {m["a1"]}
    assert ids_under(session, tree["branch_b"]) == {m["b"], m["b1"]}
    assert ids_under(session, tree["group_b"]) == {m["b1"]}
    assert other.id not in ids_under(session, tree["committee"])


def test_members_under_does_not_match_a_longer_sibling_id(session, make):
    """/1/5/ must not cover /1/50/: the range is on whole path segments."""
    committee = make.committee()
    branches = [make.unit(committee) for _ in range(12)]
    members = {b.id: make.member(b).id for b in branches}
    for branch in branches:
        assert ids_under(session, branch) == {members[branch.id]}


def test_members_under_skips_inactive_unless_asked(session, make, tree):
    org.set_member_active(tree["a"], is_active=False, actor_id=None, now=NOW)
    session.flush()
    assert ids_under(session, tree["branch_a"]) == {tree["a1"].id}
    assert ids_under(session, tree["branch_a"], active_only=False) == {tree["a"].id, tree["a1"].id}
    assert session.scalar(queries.count_members_under(tree["branch_a"].path)) == 1


def test_members_under_uses_an_index_range_not_like(session, tree):
    sql = str(
        queries.members_under(tree["branch_a"].path).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
    )
    path = tree["branch_a"].path
    assert "LIKE" not in sql.upper()
    assert len(re.findall(r"\bJOIN\b", sql.upper())) == 1  # the user comes from the one join
    assert f">= '{path}'" in sql and f"< '{path[:-1]}0'" in sql


def test_members_under_query_uses_the_org_path_index(session, make, tree):
    for _ in range(30):
        make.member(tree["branch_b"])
    sql = str(
        queries.members_under(tree["branch_a"].path).compile(
            dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True}
        )
    )
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        plan = " ".join(str(row[-1]) for row in session.execute(text("EXPLAIN QUERY PLAN " + sql)))
    else:
        # A small table is cheaper to scan; forbid that to see that the index is usable.
        session.execute(text("SET LOCAL enable_seqscan = off"))
        plan = " ".join(row[0] for row in session.execute(text("EXPLAIN " + sql)))
    assert "ix_member_org_path" in plan, plan


# --- moving ----------------------------------------------------------------------------


def test_move_unit_rewrites_the_paths_below_it(session, tree):
    branch_a, group_a, committee = tree["branch_a"], tree["group_a"], tree["committee"]
    org.move_unit(session, branch_a, committee, now=NOW)
    session.expire_all()
    assert branch_a.path == f"/{committee.id}/{branch_a.id}/"
    assert branch_a.parent_id == committee.id
    assert group_a.path == f"/{committee.id}/{branch_a.id}/{group_a.id}/"
    assert tree["a"].org_path == branch_a.path
    assert tree["a1"].org_path == group_a.path
    assert ids_under(session, tree["general"]) == set()
    assert ids_under(session, branch_a) == {tree["a"].id, tree["a1"].id}
    # Branch B's members were not touched.
    assert tree["b1"].org_path == tree["group_b"].path


def test_move_unit_refuses_cycles_and_other_committees(session, make, tree):
    with pytest.raises(InvalidInput):
        org.move_unit(session, tree["general"], tree["branch_a"], now=NOW)
    with pytest.raises(InvalidInput):
        org.move_unit(session, tree["branch_a"], make.committee(), now=NOW)


def test_move_member_across_branches_ends_branch_roles(session, make, tree):
    secretary = make.member(tree["branch_a"], role=Role.SECRETARY)
    org.appoint(session, secretary.user, tree["committee"], Role.STAFF, by=None, now=NOW)
    moved = org.move_member(
        session, secretary, tree["branch_b"], group=tree["group_b"], actor_id=None, now=NOW
    )
    assert moved is True
    assert secretary.branch_id == tree["branch_b"].id
    assert secretary.org_path == tree["group_b"].path
    roles = {
        (r.unit_id, r.role)
        for r in session.scalars(
            select(RoleAssignment).where(RoleAssignment.user_id == secretary.user_id)
        )
    }
    assert roles == {(tree["committee"].id, Role.STAFF)}  # the committee role stays
    assert secretary.id in ids_under(session, tree["group_b"])
    assert secretary.id not in ids_under(session, tree["branch_a"])


def test_move_member_within_the_branch_keeps_roles(session, make, tree):
    secretary = make.member(tree["branch_a"], role=Role.SECRETARY)
    org.move_member(
        session, secretary, tree["branch_a"], group=tree["group_a"], actor_id=None, now=NOW
    )
    assert (
        session.scalar(
            select(RoleAssignment.role).where(RoleAssignment.user_id == secretary.user_id)
        )
        == Role.SECRETARY
    )
    assert not org.move_member(
        session, secretary, tree["branch_a"], group=tree["group_a"], actor_id=None, now=NOW
    )


def test_move_member_refuses_other_committees_and_foreign_groups(session, make, tree):
    with pytest.raises(InvalidInput):
        org.move_member(session, tree["a"], make.branch(), group=None, actor_id=None, now=NOW)
    with pytest.raises(InvalidInput):
        org.move_member(
            session, tree["a"], tree["branch_a"], group=tree["group_b"], actor_id=None, now=NOW
        )
    assert tree["a"].org_path == tree["branch_a"].path


# --- appointments ----------------------------------------------------------------------


def test_appoint_replaces_the_previous_secretary(session, make, tree):
    first = make.member(tree["branch_a"], role=Role.SECRETARY)
    second = make.member(tree["branch_a"])
    committee_member = make.member(tree["branch_a"], role=Role.BRANCH_COMMITTEE)
    org.appoint(session, second.user, tree["branch_a"], Role.SECRETARY, by=None, now=NOW)
    holders = {
        (r.user_id, r.role) for r in session.scalars(queries.role_holders(tree["branch_a"].id))
    }
    assert holders == {
        (second.user_id, Role.SECRETARY),
        (committee_member.user_id, Role.BRANCH_COMMITTEE),
    }
    assert first.user_id not in {user_id for user_id, _role in holders}
    # Appointing the same person again is harmless.
    again = org.appoint(session, second.user, tree["branch_a"], Role.SECRETARY, by=None, now=NOW)
    assert (
        session.scalar(
            select(RoleAssignment.id).where(
                RoleAssignment.unit_id == tree["branch_a"].id, RoleAssignment.role == Role.SECRETARY
            )
        )
        == again.id
    )


def test_roles_only_on_their_kind_of_unit(session, tree):
    with pytest.raises(InvalidInput):
        org.appoint(session, tree["a"].user, tree["group_a"], Role.SECRETARY, by=None, now=NOW)
    with pytest.raises(InvalidInput):
        org.appoint(session, tree["a"].user, tree["branch_a"], Role.STAFF, by=None, now=NOW)


# --- the roster ------------------------------------------------------------------------


def test_add_member_normalises_and_leaves_no_usable_password(app, session, tree):
    member = add(session, tree["branch_a"], app, name="  王   五 ", phone="138-1234 5678")
    assert member.user.name == "王 五"
    assert member.user.phone == "13812345678"
    assert member.user.must_change_password is True
    assert member.committee_id == tree["committee"].id
    # No first password anyone could guess: nothing opens the account until it is activated.
    assert not has_usable_password(member.user)
    assert authenticate(session, "13812345678", "345678") is None
    assert authenticate(session, "13812345678", member.user.password_hash) is None


@pytest.mark.parametrize("phone", ["12812345678", "1381234567", "phone", "+8613812345678"])
def test_add_member_rejects_a_bad_phone(app, session, tree, phone):
    with pytest.raises(InvalidInput) as info:
        add(session, tree["branch_a"], app, phone=phone)
    assert phone in str(info.value)  # the message names the bad value, in any language


def test_add_member_needs_a_login(app, session, tree):
    with pytest.raises(InvalidInput):
        add(session, tree["branch_a"], app, phone=None, member_no=None)
    with pytest.raises(InvalidInput):
        add(session, tree["branch_a"], app, phone=None, member_no="no spaces allowed")
    with pytest.raises(InvalidInput):
        add(session, tree["branch_a"], app, name="   ")


def test_add_member_rejects_a_duplicate_phone_or_member_number(app, session, tree):
    existing = tree["a"].user
    with pytest.raises(Conflict) as info:
        add(session, tree["branch_b"], app, phone=existing.phone)
    assert existing.phone in str(info.value)
    with pytest.raises(DomainError) as info:
        add(session, tree["branch_b"], app, phone=None, member_no=existing.member_no)
    assert existing.member_no in str(info.value)
    assert ids_under(session, tree["branch_b"]) == {tree["b"].id, tree["b1"].id}


def test_add_member_only_to_a_branch_and_its_own_group(app, session, tree):
    with pytest.raises(InvalidInput):
        add(session, tree["general"], app)
    with pytest.raises(InvalidInput):
        org.add_member(
            session,
            tree["branch_a"],
            fields(),
            group=tree["group_b"],
            now=NOW,
        )


def test_update_member_checks_uniqueness_except_self(session, tree):
    a, b = tree["a"], tree["b"]
    same = org.MemberFields(
        name=a.user.name,
        phone=a.user.phone,
        member_no=a.user.member_no,
        status=a.status,
        joined_on=a.joined_on,
    )
    assert org.update_member(session, a, same, actor_id=None, now=NOW) is False
    with pytest.raises(Conflict):
        org.update_member(
            session,
            a,
            org.MemberFields(**{**same.__dict__, "phone": b.user.phone}),
            actor_id=None,
            now=NOW,
        )
    assert org.update_member(
        session, a, org.MemberFields(**{**same.__dict__, "name": "新名字"}), actor_id=None, now=NOW
    )
    assert a.user.name == "新名字"


def test_deactivate_disables_login_and_reactivate_restores_it(session, tree):
    member = tree["a"]
    assert authenticate(session, member.user.phone, PASSWORD) is member.user
    org.set_member_active(member, is_active=False, actor_id=None, now=NOW)
    session.flush()
    assert authenticate(session, member.user.phone, PASSWORD) is None
    org.set_member_active(member, is_active=True, actor_id=None, now=NOW)
    session.flush()
    assert authenticate(session, member.user.phone, PASSWORD) is member.user


def test_rename_conflicts_with_a_sibling_only(session, make, tree):
    committee, general, branch_a, branch_b = (
        tree["committee"],
        tree["general"],
        tree["branch_a"],
        tree["branch_b"],
    )
    with pytest.raises(Conflict):
        org.rename_unit(session, branch_b, name=general.name, now=NOW)  # both under the committee
    assert branch_b.name != general.name
    # Units under different parents may share a name.
    org.rename_unit(session, branch_a, name=branch_b.name, now=NOW)
    session.flush()
    assert branch_a.name == branch_b.name
    # Committees are siblings at the root.
    other = make.committee()
    with pytest.raises(Conflict):
        org.rename_unit(session, other, name=committee.name, now=NOW)
    with pytest.raises(InvalidInput):
        org.rename_unit(session, branch_b, name="   ", now=NOW)
    # Same name: nothing to do.
    org.rename_unit(session, branch_b, name=f"  {branch_b.name} ", now=NOW)

"""The organisation's privileged acts are recorded in the audit log, in the act's transaction."""

from __future__ import annotations

from datetime import date

import pytest

from studyhub.core.clock import as_utc
from studyhub.org import roster, services
from studyhub.org.models import MemberStatus, Role, RoleAssignment, UnitKind
from tests.audit_helpers import assert_in, entries, one_entry
from tests.conftest import NOW
from tests.org.test_roster import HEADER, check, write_csv


@pytest.fixture
def tree(make):
    committee = make.committee("审计党委")
    first = make.branch(committee, "一支部")
    second = make.branch(committee, "二支部")
    staff = make.member(first, name="组织员", role=Role.STAFF, role_unit=committee)
    member = make.member(first, name="张三")
    return committee, first, second, staff, member


def test_appointing_and_ending_a_role_are_recorded(session, make, tree):
    committee, first, _second, staff, member = tree
    old = make.member(first, name="老书记", role=Role.SECRETARY)
    services.appoint(session, member.user, first, Role.SECRETARY, by=staff.user, now=NOW)
    entry = [e for e in entries(session, "role.appointed") if e.object_id == member.user_id][0]
    assert entry.actor_id == staff.user_id and as_utc(entry.at) == NOW
    assert_in(entry, first)
    assert entry.changes == {"role": [None, "secretary"]}
    assert entry.details == {"replaced": old.user.name}
    assert "张三" in entry.summary

    assignment = session.query(RoleAssignment).filter_by(user_id=member.user_id).one()
    services.revoke(session, assignment, actor_id=staff.user_id, now=NOW)
    ended = one_entry(session, "role.revoked")
    assert ended.actor_id == staff.user_id
    assert_in(ended, first)
    assert ended.changes == {"role": ["secretary", None]}


def test_appointing_twice_records_once(session, tree):
    _committee, first, _second, staff, member = tree
    for _ in range(2):
        services.appoint(session, member.user, first, Role.BRANCH_COMMITTEE, by=staff.user, now=NOW)
    assert (
        len([e for e in entries(session, "role.appointed") if e.object_id == member.user_id]) == 1
    )


def test_editing_a_member_records_the_fields_before_and_after(session, tree):
    _committee, first, _second, staff, member = tree
    fields = services.MemberFields(
        name="张三丰",
        phone=member.user.phone,
        member_no=member.user.member_no,
        status=MemberStatus.PROBATIONARY,
        joined_on=date(2020, 1, 2),
    )
    assert services.update_member(session, member, fields, actor_id=staff.user_id, now=NOW)
    entry = one_entry(session, "member.updated")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        staff.user_id,
        "member",
        member.id,
    )
    assert_in(entry, first)
    assert entry.changes == {
        "joined_on": ["2001-07-01", "2020-01-02"],
        "name": ["张三", "张三丰"],
        "status": ["full", "probationary"],
    }
    # Saving the same values again records nothing.
    assert not services.update_member(session, member, fields, actor_id=staff.user_id, now=NOW)
    assert len(entries(session, "member.updated")) == 1


def test_a_move_is_recorded_in_both_branches(session, tree):
    _committee, first, second, staff, member = tree
    services.move_member(session, member, second, group=None, actor_id=staff.user_id, now=NOW)
    moved = entries(session, "member.moved")
    assert [e.scope_path for e in moved] == [first.path, second.path]
    assert all(e.actor_id == staff.user_id and e.object_id == member.id for e in moved)
    assert moved[0].changes == {"branch": ["一支部", "二支部"]}


def test_deactivation_and_reactivation_are_recorded(session, tree):
    _committee, first, _second, staff, member = tree
    services.set_member_active(member, is_active=False, actor_id=staff.user_id, now=NOW)
    services.set_member_active(member, is_active=False, actor_id=staff.user_id, now=NOW)
    off = one_entry(session, "member.deactivated")
    assert off.actor_id == staff.user_id and off.changes == {"is_active": [True, False]}
    assert_in(off, first)
    services.set_member_active(member, is_active=True, actor_id=staff.user_id, now=NOW)
    assert one_entry(session, "member.reactivated").changes == {"is_active": [False, True]}


def test_a_roster_import_is_recorded_with_its_counts(session, tree, tmp_path):
    committee, _first, _second, staff, member = tree
    rows = [
        HEADER,
        ["王五", "13900001111", "W0001", "正式党员", "2010-07-01", "二支部", "", ""],
        [member.user.name, member.user.phone, member.user.member_no, "", "", "二支部", "", ""],
    ]
    checked = check(session, committee, write_csv(tmp_path / "名册.csv", rows))
    assert checked.errors == []
    roster.apply_roster(
        session,
        committee,
        checked,
        now=NOW,
        actor_id=staff.user_id,
        file_name="名册.csv",
    )
    entry = one_entry(session, "roster.imported")
    assert entry.actor_id == staff.user_id
    assert_in(entry, committee)
    assert entry.details == {"file": "名册.csv", "imported": 1, "updated": 1, "unchanged": 0}
    # The member the file moved is recorded too, by the same person.
    assert [e.actor_id for e in entries(session, "member.moved")] == [staff.user_id] * 2


def test_a_command_is_recorded_without_an_actor(session, tree):
    _committee, _first, second, _staff, member = tree
    services.move_member(session, member, second, group=None, actor_id=None, now=NOW)
    assert {e.actor_id for e in entries(session, "member.moved")} == {None}


def test_creating_renaming_and_moving_a_unit_are_recorded_in_the_unit(session, make, tree):
    committee, first, _second, staff, _member = tree
    general = make.unit(committee, UnitKind.GENERAL_BRANCH, "机关党总支")
    branch = services.create_unit(
        session, committee, kind=UnitKind.BRANCH, name="三支部", now=NOW, actor_id=staff.user_id
    )
    created = [e for e in entries(session, "unit.created") if e.object_id == branch.id][0]
    assert (created.actor_id, created.object_type, as_utc(created.at)) == (
        staff.user_id,
        "org_unit",
        NOW,
    )
    assert_in(created, branch)
    assert created.changes == {"name": [None, "三支部"]}
    assert created.details == {"kind": "branch", "parent": committee.name}

    services.rename_unit(session, branch, name="第三支部", actor_id=staff.user_id, now=NOW)
    services.rename_unit(session, branch, name="第三支部", actor_id=staff.user_id, now=NOW)
    renamed = one_entry(session, "unit.renamed")
    assert renamed.actor_id == staff.user_id and renamed.object_id == branch.id
    assert_in(renamed, branch)
    assert renamed.changes == {"name": ["三支部", "第三支部"]}

    old_path = branch.path
    services.move_unit(session, branch, general, actor_id=staff.user_id, now=NOW)
    services.move_unit(session, branch, general, actor_id=staff.user_id, now=NOW)  # no change
    moved = entries(session, "unit.moved")
    # Once under its old place and once under its new one, so both logs show the move.
    assert [e.scope_path for e in moved] == [old_path, f"{general.path}{branch.id}/"]
    assert all(e.actor_id == staff.user_id and e.object_id == branch.id for e in moved)
    assert moved[0].changes == {"parent": [committee.name, "机关党总支"]}
    assert first.path not in {e.scope_path for e in moved}


def test_adding_a_member_is_recorded_in_the_branch_and_an_import_is_not_per_row(
    session, tree, tmp_path
):
    committee, first, _second, staff, _member = tree
    fields = services.MemberFields(
        name="李四",
        phone="13900002222",
        member_no="L0001",
        status=MemberStatus.FULL,
        joined_on=date(2015, 7, 1),
    )
    added = services.add_member(session, first, fields, now=NOW, actor_id=staff.user_id)
    (entry,) = [e for e in entries(session, "member.added") if e.object_id == added.id]
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        staff.user_id,
        "member",
        added.id,
    )
    assert_in(entry, first)
    assert entry.summary == "李四"
    assert entry.changes == {
        "joined_on": [None, "2015-07-01"],
        "member_no": [None, "L0001"],
        "name": [None, "李四"],
        "phone": [None, "13900002222"],
        "status": [None, "full"],
    }

    rows = [HEADER, ["王五", "13900001111", "W0001", "正式党员", "2010-07-01", "二支部", "", ""]]
    checked = check(session, committee, write_csv(tmp_path / "名册.csv", rows))
    before = len(entries(session, "member.added"))
    roster.apply_roster(session, committee, checked, now=NOW, actor_id=staff.user_id)
    # The import is one entry, with its counts, not one per member.
    assert len(entries(session, "member.added")) == before
    assert one_entry(session, "roster.imported").details["imported"] == 1


def test_the_pages_record_their_acts_with_the_signed_in_actor(session, tree, client, login):
    committee, first, _second, staff, _member = tree
    session.commit()
    login(staff.user)
    client.post(f"/org/units/{committee.id}/new", data={"kind": "branch", "name": "四支部"})
    created = entries(session, "unit.created")[-1]
    assert (created.actor_id, created.changes) == (staff.user_id, {"name": [None, "四支部"]})
    client.post(f"/org/units/{created.object_id}/rename", data={"name": "第四支部"})
    assert one_entry(session, "unit.renamed").actor_id == staff.user_id
    client.post(
        f"/org/units/{first.id}/members/new",
        data={"name": "新同志", "phone": "13800138000", "status": "full", "group_id": "0"},
    )
    added = entries(session, "member.added")[-1]
    assert (added.actor_id, added.summary) == (staff.user_id, "新同志")
    assert_in(added, first)

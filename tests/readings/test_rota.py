"""The lead-reader rota: turn order, skipping, days off, reassigning, reflections, races."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from studyhub.accounts.models import User
from studyhub.audit.models import AuditEntry
from studyhub.core.errors import Closed, Conflict, InvalidInput, NotAllowed
from studyhub.extensions import db
from studyhub.org import services as org
from studyhub.org.models import Member, MemberStatus, OrgUnit, Role, RoleAssignment, UnitKind
from studyhub.readings.models import (
    AssignmentSource,
    LeadAssignment,
    LeadDayOff,
    LeadRotaEntry,
    ReadingColumn,
)
from studyhub.readings.services import rota
from tests.conftest import NOW
from tests.readings.tracking_helpers import make_reading

TODAY = date(2026, 11, 20)  # NOW is 10:30 in Beijing


def day(n: int) -> date:
    return TODAY + timedelta(days=n)


@pytest.fixture
def branch(make):
    return make.branch(name="第一支部")


@pytest.fixture
def people(make, branch):
    """Four members of the branch, on its rota as A, B, C, D."""
    members = {name: make.member(branch, name=name) for name in "ABCD"}
    return members


@pytest.fixture
def on_rota(session, branch, people):
    rota.set_rota(session, branch, [people[n].id for n in "ABCD"])
    return people


def leads(session, branch, first: int, last: int) -> list[str | None]:
    """Assign days ``first``..``last`` (offsets from today) in order; who got each."""
    names = []
    for n in range(first, last + 1):
        row = rota.assign_day(session, branch, day(n), now=NOW)
        names.append(session.get(Member, row.member_id).user.name if row else None)
    return names


def rows_for(session, branch, on: date) -> list[LeadAssignment]:
    return list(
        session.scalars(
            select(LeadAssignment).where(
                LeadAssignment.branch_id == branch.id, LeadAssignment.day == on
            )
        )
    )


# --- the rota ---------------------------------------------------------------------------


def test_set_rota_keeps_the_order_given(session, branch, people):
    rota.set_rota(session, branch, [people[n].id for n in "CADB"])
    assert [e.name for e in rota.rota_entries(session, branch)] == list("CADB")
    rota.set_rota(session, branch, [people["B"].id])
    assert [e.name for e in rota.rota_entries(session, branch)] == ["B"]


def test_set_rota_refuses_duplicates_and_strangers(session, make, branch, people):
    with pytest.raises(InvalidInput):
        rota.set_rota(session, branch, [people["A"].id, people["A"].id])
    stranger = make.member(make.branch())
    with pytest.raises(InvalidInput):
        rota.set_rota(session, branch, [people["A"].id, stranger.id])
    assert rota.rota_entries(session, branch) == []


def test_add_move_remove(session, branch, people):
    for n in "ABC":
        rota.add_to_rota(session, branch, people[n])
    with pytest.raises(Conflict):
        rota.add_to_rota(session, branch, people["A"])
    rota.move_in_rota(session, branch, people["C"].id, offset=-1)
    assert [e.name for e in rota.rota_entries(session, branch)] == list("ACB")
    rota.move_in_rota(session, branch, people["A"].id, offset=-1)  # first already: no change
    rota.move_in_rota(session, branch, people["A"].id, offset=1)
    assert [e.name for e in rota.rota_entries(session, branch)] == list("CAB")
    rota.remove_from_rota(session, branch, people["A"].id)
    assert [e.name for e in rota.rota_entries(session, branch)] == list("CB")
    assert [name for _id, name in rota.rota_candidates(session, branch)] == ["A", "D"]
    assert rota.add_all_to_rota(session, branch) == 2
    assert [e.name for e in rota.rota_entries(session, branch)] == list("CBAD")


def test_only_active_members_of_the_branch_join(session, make, branch, people):
    org.set_member_active(people["A"], is_active=False, actor_id=None, now=NOW)
    with pytest.raises(InvalidInput):
        rota.add_to_rota(session, branch, people["A"])
    with pytest.raises(InvalidInput):
        rota.add_to_rota(session, branch, make.member(make.branch()))
    assert rota.add_all_to_rota(session, branch) == 3  # B, C, D


# --- turns ------------------------------------------------------------------------------


def test_turns_follow_the_rota_and_wrap(session, branch, on_rota):
    assert leads(session, branch, 0, 5) == list("ABCDAB")
    row = rows_for(session, branch, day(0))[0]
    assert row.source == AssignmentSource.ROTA and row.assigned_by_id is None


def test_assigning_twice_is_a_no_op(session, branch, on_rota):
    first = rota.assign_day(session, branch, TODAY, now=NOW)
    again = rota.assign_day(session, branch, TODAY, now=NOW + timedelta(hours=1))
    assert again.id == first.id
    assert len(rows_for(session, branch, TODAY)) == 1
    assert leads(session, branch, 1, 1) == ["B"]


def test_inactive_members_and_leavers_are_skipped(session, make, branch, on_rota):
    org.set_member_active(on_rota["B"], is_active=False, actor_id=None, now=NOW)
    other = make.branch(branch.parent)
    org.move_member(session, on_rota["D"], other, group=None, actor_id=None, now=NOW)
    assert leads(session, branch, 0, 3) == list("ACAC")
    org.set_member_active(on_rota["B"], is_active=True, actor_id=None, now=NOW)
    assert leads(session, branch, 4, 6) == list("ABC")


def test_turn_after_a_member_who_left_the_rota(session, branch, on_rota):
    assert leads(session, branch, 0, 1) == list("AB")
    rota.remove_from_rota(session, branch, on_rota["B"].id)
    assert leads(session, branch, 2, 4) == list("CDA")


def test_nobody_to_lead(session, branch, people):
    assert rota.assign_day(session, branch, TODAY, now=NOW) is None
    rota.set_rota(session, branch, [people["A"].id])
    org.set_member_active(people["A"], is_active=False, actor_id=None, now=NOW)
    assert rota.assign_day(session, branch, TODAY, now=NOW) is None
    assert rows_for(session, branch, TODAY) == []


def test_days_off_use_no_turn(session, branch, on_rota):
    rota.set_day_off(session, branch, day(1), is_off=True, now=NOW)
    rota.set_day_off(session, branch, day(1), is_off=True, now=NOW)  # twice: harmless
    assert leads(session, branch, 0, 3) == ["A", None, "B", "C"]
    assert rows_for(session, branch, day(1)) == []
    rota.set_day_off(session, branch, day(5), is_off=True, now=NOW)
    rota.set_day_off(session, branch, day(5), is_off=False, now=NOW)
    assert leads(session, branch, 4, 5) == ["D", "A"]


def test_marking_an_assigned_day_off_removes_its_reader(session, branch, on_rota):
    assert leads(session, branch, 0, 1) == list("AB")
    rota.set_day_off(session, branch, day(1), is_off=True, now=NOW)
    assert rows_for(session, branch, day(1)) == []
    assert leads(session, branch, 2, 2) == ["B"]  # B's turn was not used


def test_a_day_with_a_reflection_cannot_be_taken_off(session, branch, on_rota):
    row = rota.assign_day(session, branch, TODAY, now=NOW)
    rota.post_reflection(session, row, member_id=on_rota["A"].id, text="有收获", now=NOW)
    with pytest.raises(Conflict):
        rota.set_day_off(session, branch, TODAY, is_off=True, now=NOW)
    with pytest.raises(Conflict):
        rota.reassign_day(session, branch, TODAY, on_rota["C"], by_user_id=None, now=NOW)
    assert rows_for(session, branch, TODAY)[0].member_id == on_rota["A"].id


def test_past_days_cannot_be_changed(session, branch, on_rota):
    with pytest.raises(Closed):
        rota.reassign_day(session, branch, day(-1), on_rota["C"], by_user_id=None, now=NOW)
    with pytest.raises(Closed):
        rota.set_day_off(session, branch, day(-1), is_off=True, now=NOW)


# --- reassigning and swapping -----------------------------------------------------------


def test_reassign_updates_the_days_one_row(session, make, branch, on_rota):
    secretary = make.member(branch, name="书记", role=Role.SECRETARY)
    assert leads(session, branch, 0, 0) == ["A"]
    row = rota.reassign_day(
        session, branch, TODAY, on_rota["C"], by_user_id=secretary.user_id, now=NOW
    )
    rows = rows_for(session, branch, TODAY)
    assert [r.id for r in rows] == [row.id]
    assert rows[0].member_id == on_rota["C"].id
    assert rows[0].source == AssignmentSource.MANUAL
    assert rows[0].assigned_by_id == secretary.user_id
    # The day still used its turn: the rota goes on with B.
    assert leads(session, branch, 1, 2) == list("BC")


def test_reassign_a_future_day_then_the_scheduler_keeps_it(session, branch, on_rota):
    rota.reassign_day(session, branch, day(1), on_rota["D"], by_user_id=None, now=NOW)
    assert leads(session, branch, 0, 3) == list("ADCD")
    assert len(rows_for(session, branch, day(1))) == 1


def test_reassign_refuses_other_branches_and_days_off(session, make, branch, on_rota):
    with pytest.raises(InvalidInput):
        rota.reassign_day(
            session, branch, TODAY, make.member(make.branch()), by_user_id=None, now=NOW
        )
    rota.set_day_off(session, branch, day(2), is_off=True, now=NOW)
    with pytest.raises(Conflict):
        rota.reassign_day(session, branch, day(2), on_rota["A"], by_user_id=None, now=NOW)


def test_swap_two_days_leaves_the_others_in_place(session, branch, on_rota):
    assert leads(session, branch, 0, 0) == ["A"]
    rota.swap_days(session, branch, day(2), day(1), by_user_id=None, now=NOW)
    assert leads(session, branch, 1, 4) == list("CBDA")
    assert {
        r.source for r in rows_for(session, branch, day(1)) + rows_for(session, branch, day(2))
    } == {AssignmentSource.MANUAL}


def test_schedule_shows_what_the_scheduler_will_do(session, branch, on_rota):
    assert leads(session, branch, 0, 0) == ["A"]
    rota.set_day_off(session, branch, day(2), is_off=True, now=NOW)
    rota.reassign_day(session, branch, day(4), on_rota["A"], by_user_id=None, now=NOW)
    org.set_member_active(on_rota["C"], is_active=False, actor_id=None, now=NOW)
    slots = rota.schedule(session, branch, TODAY, 8)
    shown = [None if s.is_off else s.name for s in slots]
    assert shown == ["A", "B", None, "D", "A", "B", "D", "A"]
    assert [s.is_assigned for s in slots[:5]] == [True, False, False, False, True]
    assert leads(session, branch, 1, 7) == shown[1:]


# --- reflections ------------------------------------------------------------------------


def test_only_the_lead_reader_posts_a_reflection(session, branch, on_rota):
    row = rota.assign_day(session, branch, TODAY, now=NOW)
    with pytest.raises(NotAllowed):
        rota.post_reflection(session, row, member_id=on_rota["B"].id, text="我也想说", now=NOW)
    rota.post_reflection(
        session, row, member_id=on_rota["A"].id, text="  学习党章，\r\n重在践行。 ", now=NOW
    )
    assert row.reflection == "学习党章，\n重在践行。"
    assert row.reflection_at == NOW
    later = NOW + timedelta(hours=1)
    rota.post_reflection(session, row, member_id=on_rota["A"].id, text="改一改", now=later)
    assert row.reflection == "改一改"


def test_reflection_length_and_day(session, branch, on_rota):
    row = rota.assign_day(session, branch, TODAY, now=NOW)
    a = on_rota["A"].id
    with pytest.raises(InvalidInput):
        rota.post_reflection(session, row, member_id=a, text="  \n ", now=NOW)
    with pytest.raises(InvalidInput):
        rota.post_reflection(session, row, member_id=a, text="学" * 501, now=NOW)
    rota.post_reflection(session, row, member_id=a, text="学" * 500, now=NOW)
    tomorrow = rota.assign_day(session, branch, day(1), now=NOW)
    with pytest.raises(Closed):
        rota.post_reflection(session, tomorrow, member_id=on_rota["B"].id, text="早", now=NOW)


def test_reflection_section_is_the_branchs_own(session, make, branch, on_rota):
    committee = session.get(OrgUnit, branch.committee_id)
    reading = make_reading(session, committee, daily_on=TODAY)
    row = rota.assign_day(session, branch, TODAY, now=NOW)
    rota.post_reflection(session, row, member_id=on_rota["A"].id, text="<b>心得</b>", now=NOW)

    mate = rota.reflection_section(
        session, reading, branch_id=branch.id, viewer_member_id=on_rota["B"].id
    )
    assert mate["is_shown"] and mate["lead_name"] == "A"
    assert mate["reflection"] == "<b>心得</b>" and not mate["can_post"]
    lead = rota.reflection_section(
        session, reading, branch_id=branch.id, viewer_member_id=on_rota["A"].id
    )
    assert lead["can_post"] and lead["is_lead"]
    other = make.branch(committee)
    assert not rota.reflection_section(session, reading, branch_id=other.id, viewer_member_id=None)[
        "is_shown"
    ]
    undated = make_reading(session, committee, title="非每日")
    assert not rota.reflection_section(
        session, undated, branch_id=branch.id, viewer_member_id=on_rota["A"].id
    )["is_shown"]


def duty(member, at=NOW):
    return rota.duty_today(
        db.session,
        member_id=member.id,
        branch_id=member.branch_id,
        committee_id=member.committee_id,
        timezone="Asia/Shanghai",
        now=at,
    )


def test_duty_today(session, make, branch, on_rota):
    committee = session.get(OrgUnit, branch.committee_id)
    rota.assign_day(session, branch, TODAY, now=NOW)
    today = duty(on_rota["A"])
    assert today is not None and today.day == TODAY and today.reading_id is None
    reading = make_reading(session, committee, daily_on=TODAY)
    assert duty(on_rota["A"]).reading_id == reading.id
    assert duty(on_rota["B"]) is None
    # Tomorrow in Beijing begins at 16:00 UTC: A is no longer on duty.
    assert duty(on_rota["A"], NOW + timedelta(hours=14)) is None


def test_lead_readers_today_for_a_secretary(session, make, branch, on_rota):
    other = make.branch(branch.parent, name="第二支部")
    rota.assign_day(session, branch, TODAY, now=NOW)
    result = rota.lead_readers_today(session, [branch.path, other.path], NOW)
    assert [(b.branch_name, b.lead_name) for b in result] == [("第一支部", "A"), ("第二支部", None)]


# --- two processes at once (PostgreSQL) ---------------------------------------------------


def _blocked_on_lock(engine, pid: int) -> bool:
    with engine.connect() as conn:
        return bool(
            conn.scalar(
                text("SELECT wait_event_type = 'Lock' FROM pg_stat_activity WHERE pid = :pid"),
                {"pid": pid},
            )
        )


def test_two_sessions_racing_for_a_day_get_one_reader(app):
    """Session A inserts today's row and holds it uncommitted; session B's insert waits on
    the unique index, fails when A commits, and B reads A's row instead of a second one."""
    with app.app_context():
        engine = db.engine
        if engine.dialect.name != "postgresql":
            pytest.skip("the race needs PostgreSQL's row locks")
        tag = uuid.uuid4().hex[:8]
        with Session(engine) as setup:
            committee = org.create_committee(
                setup, f"竞争党委{tag}", now=NOW, timezone="Asia/Shanghai"
            )
            branch = org.create_unit(setup, committee, kind=UnitKind.BRANCH, name="支部", now=NOW)
            member_ids = []
            for i in range(3):
                member = org.add_member(
                    setup,
                    branch,
                    org.MemberFields(
                        name=f"竞{i}",
                        phone=None,
                        member_no=f"R{tag}{i}",
                        status=MemberStatus.FULL,
                        joined_on=None,
                    ),
                    now=NOW,
                    password_hash="x",
                )
                member_ids.append(member.id)
            rota.set_rota(setup, branch, member_ids)
            setup.commit()
            ids = {"committee": committee.id, "branch": branch.id}
        try:
            first = Session(engine)
            second = Session(engine)
            branch_a = first.get(OrgUnit, ids["branch"])
            row_a = rota.assign_day(first, branch_a, TODAY, now=NOW)
            pid_b = second.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            result: dict[str, object] = {}

            def run_b() -> None:
                try:
                    with app.app_context():
                        branch_b = second.get(OrgUnit, ids["branch"])
                        row = rota.assign_day(second, branch_b, TODAY, now=NOW)
                        result["row"] = (row.id, row.member_id)
                        second.commit()
                except Exception as exc:  # surfaced by the assertion below
                    result["error"] = exc

            thread = threading.Thread(target=run_b)
            thread.start()
            deadline = time.monotonic() + 10
            while not _blocked_on_lock(engine, pid_b):
                assert time.monotonic() < deadline, "session B never waited for A's row"
                assert thread.is_alive(), f"session B finished early: {result}"
                time.sleep(0.02)
            winner = (row_a.id, row_a.member_id)
            first.commit()
            thread.join(timeout=10)
            assert "error" not in result, result.get("error")
            assert result["row"] == winner
            with engine.connect() as conn:
                count = conn.scalar(
                    select(func.count(LeadAssignment.id)).where(
                        LeadAssignment.branch_id == ids["branch"], LeadAssignment.day == TODAY
                    )
                )
            assert count == 1
        finally:
            first.close()
            second.close()
            with Session(engine) as cleanup:
                users = select(Member.user_id).where(Member.branch_id == ids["branch"])
                user_ids = list(cleanup.scalars(users))
                for model in (LeadAssignment, LeadDayOff, LeadRotaEntry):
                    cleanup.execute(delete(model).where(model.branch_id == ids["branch"]))
                cleanup.execute(delete(RoleAssignment).where(RoleAssignment.user_id.in_(user_ids)))
                cleanup.execute(delete(Member).where(Member.branch_id == ids["branch"]))
                cleanup.execute(delete(User).where(User.id.in_(user_ids)))
                # The test's own units and members were recorded when made (not an act
                # of the application: its data goes, through the log's one exception).
                cleanup.execute(
                    delete(AuditEntry)
                    .where(AuditEntry.committee_id == ids["committee"])
                    .execution_options(audit_erasure=True)
                )
                cleanup.execute(delete(OrgUnit).where(OrgUnit.id == ids["branch"]))
                # A committee starts with the default reading columns.
                cleanup.execute(
                    delete(ReadingColumn).where(ReadingColumn.committee_id == ids["committee"])
                )
                cleanup.execute(delete(OrgUnit).where(OrgUnit.id == ids["committee"]))
                cleanup.commit()

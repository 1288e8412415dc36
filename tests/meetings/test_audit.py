"""Staff's decisions on meeting records, meeting imports and the required frequencies are
recorded in the audit log."""

from __future__ import annotations

from datetime import timedelta

from studyhub.meetings.models import MeetingKind
from studyhub.meetings.periods import Every
from studyhub.meetings.services import compliance, imports, records
from studyhub.meetings.services.compliance import Frequency
from tests.audit_helpers import assert_in, entries, one_entry
from tests.meetings.conftest import minutes, plan_lesson
from tests.meetings.test_import import GOOD, check, write_xlsx
from tests.meetings.test_import import NOW as IMPORT_NOW
from tests.meetings.test_records import AFTER


def submitted(session, world):
    meeting = plan_lesson(session, world)
    records.record_meeting(session, meeting, minutes(), by=world.secretary_a.user, now=AFTER)
    records.submit_meeting(session, meeting, by=world.secretary_a.user, now=AFTER)
    return meeting


def test_approval_is_recorded_in_the_branch(session, world):
    meeting = submitted(session, world)
    records.approve_meeting(session, meeting, by=world.staff.user, now=AFTER + timedelta(1))
    entry = one_entry(session, "meeting.approved")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        world.staff.user_id,
        "meeting",
        meeting.id,
    )
    assert_in(entry, world.branch_a)
    assert entry.changes == {"state": ["submitted", "approved"]}
    assert entry.summary == meeting.title


def test_a_return_is_recorded_with_its_reason(session, world):
    meeting = submitted(session, world)
    records.return_meeting(session, meeting, reason="缺少发言", by=world.staff.user, now=AFTER)
    entry = one_entry(session, "meeting.returned")
    assert entry.changes == {"state": ["submitted", "returned"]}
    assert entry.details == {"reason": "缺少发言"}
    assert_in(entry, world.branch_a)


def test_an_import_is_recorded_with_the_file_and_counts(session, world, tmp_path):
    checked = check(session, world.committee, write_xlsx(tmp_path / "past.xlsx", GOOD))
    imports.apply_import(
        session, world.committee, checked, by=world.staff.user, now=IMPORT_NOW, source="past.xlsx"
    )
    entry = one_entry(session, "meetings.imported")
    assert entry.actor_id == world.staff.user_id
    assert_in(entry, world.committee)
    assert entry.details == {"file": "past.xlsx", "imported": 3, "skipped": 0}


def test_changed_frequencies_are_recorded_before_and_after(session, world):
    choices = [Frequency(kind, Every.QUARTER, 1) for kind in compliance.KIND_ORDER]
    compliance.save_frequencies(
        session, world.committee, choices, actor_id=world.staff.user_id, now=AFTER
    )
    entry = one_entry(session, "meeting_frequencies.changed")
    assert_in(entry, world.committee)
    assert entry.actor_id == world.staff.user_id
    assert entry.changes[MeetingKind.COMMITTEE_MEETING.value] == ["month × 1", "quarter × 1"]
    # The same again: nothing to record.
    compliance.save_frequencies(
        session, world.committee, choices, actor_id=world.staff.user_id, now=AFTER
    )
    one_entry(session, "meeting_frequencies.changed")


def test_register_and_statistics_downloads_are_recorded(session, world, client, login):
    login(world.secretary_a.user)
    response = client.get(f"/meetings/branches/{world.branch_a.id}/register.xlsx?year=2026")
    response.get_data()
    response.close()
    assert response.status_code == 200
    register_entry = one_entry(session, "export.downloaded")
    assert register_entry.actor_id == world.secretary_a.user_id
    assert_in(register_entry, world.branch_a)
    assert register_entry.details["export"] == "meeting_register"
    login(world.staff.user)
    stats = client.get(f"/meetings/units/{world.committee.id}/statistics.xlsx?year=2026")
    stats.get_data()
    stats.close()
    assert stats.status_code == 200
    assert {e.details["export"] for e in entries(session, "export.downloaded")} == {
        "meeting_register",
        "meeting_statistics",
    }

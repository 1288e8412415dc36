"""Comment moderation and reading and 党史今天 imports are recorded in the audit log."""

from __future__ import annotations

from pathlib import Path

import pytest

import studyhub.demo
from studyhub.org.models import Role, UnitKind
from studyhub.readings.services import comments, history, imports, library
from tests.audit_helpers import assert_in, entries, one_entry
from tests.conftest import NOW
from tests.readings.tracking_helpers import make_reading

DEMO_DATA = Path(studyhub.demo.__file__).parent / "data"
LIMIT = comments.RateLimit(per_minute=3, per_day=30)


@pytest.fixture
def org(make):
    committee = make.committee("读书党委")
    branch = make.unit(committee, UnitKind.BRANCH, "甲支部")
    return {
        "committee": committee,
        "branch": branch,
        "author": make.member(branch, name="甲一"),
        "secretary": make.member(branch, name="甲书记", role=Role.SECRETARY),
        "staff": make.member(branch, name="干事", role=Role.STAFF, role_unit=committee),
    }


def test_hiding_and_showing_a_comment_are_recorded_in_the_author_s_branch(session, org):
    reading = make_reading(session, org["committee"])
    comment = comments.add_comment(
        session, reading, member=org["author"], text="离题的话", now=NOW, limit=LIMIT
    )
    comments.hide_comment(
        session, comment, by_user_id=org["secretary"].user_id, now=NOW, reason="离题"
    )
    hidden = one_entry(session, "comment.hidden")
    assert (hidden.actor_id, hidden.object_type, hidden.object_id) == (
        org["secretary"].user_id,
        "comment",
        comment.id,
    )
    assert_in(hidden, org["branch"])
    assert hidden.changes == {"hidden": [False, True]}
    assert hidden.details == {
        "reading_id": reading.id,
        "author_id": org["author"].user_id,
        "reason": "离题",
    }
    comments.unhide_comment(session, comment, actor_id=org["staff"].user_id, now=NOW)
    comments.unhide_comment(session, comment, actor_id=org["staff"].user_id, now=NOW)  # no-op
    shown = one_entry(session, "comment.unhidden")
    assert shown.actor_id == org["staff"].user_id
    assert shown.changes == {"hidden": [True, False]}


def test_a_reading_import_is_recorded_with_its_counts(session, org):
    rows, problems = imports.read_markdown_folder(DEMO_DATA / "readings")
    library.ensure_default_columns(session, org["committee"])
    plan = imports.check_readings(session, org["committee"], rows, problems, create_columns=False)
    imports.write_readings(
        session,
        plan,
        by_user_id=org["staff"].user_id,
        now=NOW,
        timing=library.StudyTiming(),
        publish_undated=False,
        file_name="demo_readings",
    )
    entry = one_entry(session, "readings.imported")
    assert entry.actor_id == org["staff"].user_id
    assert_in(entry, org["committee"])
    assert entry.details["file"] == "demo_readings"
    assert entry.details["created"] == 10


def test_a_history_import_is_recorded_for_the_committee_or_at_the_root(session, org):
    rows = history.read_history(DEMO_DATA / "history.csv", this_year=2026)
    history.import_history(
        session,
        rows,
        committee_id=org["committee"].id,
        actor_id=org["staff"].user_id,
        now=NOW,
        file_name="history.csv",
    )
    own = one_entry(session, "history.imported")
    assert own.actor_id == org["staff"].user_id
    assert_in(own, org["committee"])
    assert own.details["file"] == "history.csv" and own.details["created"] == len(rows)
    # Entries shared by every committee: imported from the command line, at the root.
    history.import_history(session, rows, committee_id=None, actor_id=None, now=NOW)
    shared = entries(session, "history.imported")[-1]
    assert (shared.scope_path, shared.committee_id, shared.actor_id) == ("/", None, None)

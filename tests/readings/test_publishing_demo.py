"""The demo: branch editors, a branch reading, a submission waiting, one returned, and the
committee's branches taking turns."""

from __future__ import annotations

from sqlalchemy import select

from studyhub.demo import load_demo
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.readings.models import Reading
from studyhub.readings.services import publishing
from studyhub.readings.services.rota import cross


def test_the_demo_branches_publish_and_take_turns(app, session):
    load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
    committee = session.scalar(
        select(OrgUnit).where(OrgUnit.kind == UnitKind.COMMITTEE, OrgUnit.parent_id.is_(None))
    )
    states = dict(
        session.execute(
            select(Reading.title, Reading.review_state).where(Reading.origin_branch_id.is_not(None))
        ).all()
    )
    assert sorted(s or "branch" for s in states.values()) == ["branch", "returned", "submitted"]
    assert len(publishing.review_queue(session, committee)) == 1
    branches = cross.rota_branches(session, committee)
    assert len(branches) >= 3
    slots = cross.days_ahead(session, committee, publishing_today(session, committee), 3)
    # Yesterday the first branch, today the second, then on round the branches.
    assert [s.branch_name for s in slots] == [
        branches[(1 + i) % len(branches)].name for i in range(3)
    ]


def publishing_today(session, committee):
    from studyhub.core import clock
    from studyhub.readings.services import rota

    return rota.branch_today(session, committee, clock.now_utc())

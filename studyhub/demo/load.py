"""Loading the demo: the organisation first, then each domain's data through its services."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from studyhub.accounts.models import User
from studyhub.accounts.services import hash_password
from studyhub.core import clock
from studyhub.demo.live import load_live
from studyhub.demo.meeting_extras import load_meeting_extras
from studyhub.demo.meetings import load_meetings
from studyhub.demo.people import (
    ADMIN_LOGIN,
    BRANCHES,
    COMMITTEE,
    DEMO_PASSWORD,
    NOT_ACTIVATED,
    DemoLogin,
    demo_logins,
)
from studyhub.demo.plans import load_plans
from studyhub.demo.publishing import load_branch_publishing
from studyhub.demo.quizzes import load_quizzes
from studyhub.demo.readings import load_lead_readers, load_readings
from studyhub.demo.scores import load_scores
from studyhub.extensions import db
from studyhub.org import services as org
from studyhub.org.models import MemberStatus, OrgUnit, Role, UnitKind


def load_demo(*, password_method: str) -> list[DemoLogin]:
    """Create the demo organisation unless it is there already; returns the logins."""
    now = clock.now_utc()
    session = db.session
    existing = session.scalar(select(OrgUnit).where(OrgUnit.name == COMMITTEE))
    if existing is not None:
        return demo_logins()
    password_hash = hash_password(DEMO_PASSWORD, method=password_method)
    committee = org.create_committee(session, COMMITTEE, now=now, timezone="Asia/Shanghai")
    general_branches: dict[str, OrgUnit] = {}
    serial = 0
    for general_name, branch_name, group_names, names in BRANCHES:
        parent = committee
        if general_name:
            if general_name not in general_branches:
                general_branches[general_name] = org.create_unit(
                    session, committee, kind=UnitKind.GENERAL_BRANCH, name=general_name, now=now
                )
            parent = general_branches[general_name]
        branch = org.create_unit(session, parent, kind=UnitKind.BRANCH, name=branch_name, now=now)
        groups = [
            org.create_unit(session, branch, kind=UnitKind.GROUP, name=g, now=now)
            for g in group_names
        ]
        for index, name in enumerate(names):
            serial += 1
            fields = org.MemberFields(
                name=name,
                phone=f"138{serial:08d}",
                member_no=f"KJ{serial:04d}",
                status=MemberStatus.PROBATIONARY if index == len(names) - 1 else MemberStatus.FULL,
                joined_on=date(1975 + (serial * 7) % 48, 1 + serial % 12, 1 + serial % 28),
                position="支部书记" if index == 0 else None,
            )
            member = org.add_member(
                session,
                branch,
                fields,
                group=groups[index % len(groups)],
                now=now,
                password_hash=None if name in NOT_ACTIVATED else password_hash,
            )
            member.user.must_change_password = name in NOT_ACTIVATED
            if index == 0:
                org.appoint(session, member.user, branch, Role.SECRETARY, by=None, now=now)
            elif index == 1:
                org.appoint(session, member.user, branch, Role.BRANCH_COMMITTEE, by=None, now=now)
            if serial == 2:
                org.appoint(session, member.user, committee, Role.STAFF, by=None, now=now)
    admin = User(
        name="系统管理员",
        member_no=ADMIN_LOGIN,
        password_hash=password_hash,
        must_change_password=False,
        is_admin=True,
        created_at=now,
    )
    session.add(admin)
    session.flush()
    load_readings(session, committee, now)
    load_lead_readers(session, committee, now)
    load_branch_publishing(session, committee, now)  # editors, submissions, the cross rota
    load_quizzes(session, committee, now)
    load_plans(session, committee, now)
    load_meetings(session, committee, now)  # after the plans: the lesson links the current one
    # 组织生活会, 民主评议 with ratings, 补学, a committee-wide lesson and the notices sent.
    load_meeting_extras(session, committee, now)
    load_live(session, committee, now)  # after the meetings: a lesson links that day's 党课
    load_scores(session, committee, now)  # after study and meetings: the competition's figures
    return demo_logins()

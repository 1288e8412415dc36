"""A committee with two branches (A with two groups, B), their leaders, members and staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest

from studyhub.meetings.models import Meeting, MeetingKind
from studyhub.meetings.services import records
from studyhub.org import services as org
from studyhub.org.models import Member, OrgUnit, Role, UnitKind
from tests.conftest import NOW

SECRET = "testing-secret-key"  # TestingConfig.SECRET_KEY
MEETING_AT = NOW + timedelta(days=2)  # 2026-11-22 10:30 in Shanghai


@pytest.fixture(autouse=True)
def english(app, session):
    """Messages in English (the msgids): the default outside a request is Chinese."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield


@pytest.fixture
def client(client):
    """The test client, asking for English pages."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@dataclass
class World:
    committee: OrgUnit
    branch_a: OrgUnit
    branch_b: OrgUnit
    group_a1: OrgUnit
    group_a2: OrgUnit
    secretary_a: Member
    committee_a: Member
    secretary_b: Member
    leader_a1: Member
    member_a1: Member
    member_a2: Member
    member_b: Member
    staff: Member
    other_staff: Member

    @property
    def a_members(self) -> list[Member]:
        return [
            self.secretary_a,
            self.committee_a,
            self.leader_a1,
            self.member_a1,
            self.member_a2,
        ]


@pytest.fixture
def world(make) -> World:
    committee = make.committee("会议测试党委")
    branch_a = make.branch(committee, "甲支部")
    branch_b = make.branch(committee, "乙支部")
    group_a1 = make.unit(branch_a, UnitKind.GROUP, "甲一小组")
    group_a2 = make.unit(branch_a, UnitKind.GROUP, "甲二小组")
    office = make.branch(committee, "党委办公室")
    other_committee = make.committee("别的党委")
    other_office = make.branch(other_committee, "别的办公室")
    leader_a1 = make.member(branch_a, name="甲一组长", group=group_a1)
    org.appoint(make.session, leader_a1.user, group_a1, Role.GROUP_LEADER, by=None, now=NOW)
    return World(
        committee=committee,
        branch_a=branch_a,
        branch_b=branch_b,
        group_a1=group_a1,
        group_a2=group_a2,
        secretary_a=make.member(branch_a, name="甲书记", group=group_a2, role=Role.SECRETARY),
        committee_a=make.member(
            branch_a, name="甲委员", group=group_a2, role=Role.BRANCH_COMMITTEE
        ),
        secretary_b=make.member(branch_b, name="乙书记", role=Role.SECRETARY),
        leader_a1=leader_a1,
        member_a1=make.member(branch_a, name="甲党员一", group=group_a1),
        member_a2=make.member(branch_a, name="甲党员二", group=group_a2),
        member_b=make.member(branch_b, name="乙党员"),
        staff=make.member(office, name="党委干事", role=Role.STAFF, role_unit=committee),
        other_staff=make.member(
            other_office, name="别的干事", role=Role.STAFF, role_unit=other_committee
        ),
    )


def plan_lesson(
    session,
    world: World,
    *,
    kind: MeetingKind = MeetingKind.LESSON,
    title: str = "学习党的二十届四中全会精神",
    at: datetime = MEETING_AT,
    group: OrgUnit | None = None,
    branch: OrgUnit | None = None,
    by: Member | None = None,
    plan=None,
    now: datetime = NOW,
) -> Meeting:
    return records.plan_meeting(
        session,
        branch or world.branch_a,
        records.MeetingFields(
            kind=kind,
            title=title,
            planned_at=at,
            group=group,
            place="三楼会议室",
            host_name="甲书记",
            recorder_name="甲委员",
            lecturer_name="甲书记",
            plan=plan,
        ),
        by=(by or world.secretary_a).user,
        now=now,
    )


def minutes(at: datetime = MEETING_AT, text: str = "## 学习内容\n\n传达学习了全会精神。"):
    return records.RecordFields(
        started_at=at,
        ended_at=at + timedelta(hours=1, minutes=30),
        minutes_markdown=text,
        decisions="每位党员撰写心得体会。",
    )

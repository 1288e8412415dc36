"""A hand-built committee for the dashboard tests: two branches under a plan, a third outside.

Branch A (7 active members, one inactive) has one member of each kind a secretary
sorts by; branch B (3) has one done. The plan (three materials and a test, due
10 days after NOW, Q4 2026) is for A and B only; staff sit in branch C.

NOW is Friday 20 November 2026, 10:30 in Beijing; the week began on Monday the 16th.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from studyhub.org import services as org
from studyhub.org.models import Member, OrgUnit, Role
from studyhub.plans.models import StudyPlan
from studyhub.quizzes.models import Quiz
from studyhub.readings.models import Reading
from tests.conftest import NOW
from tests.plans.plan_helpers import attempt, make_exam, make_plan, readings, study

DAY = timedelta(days=1)


@dataclass
class Board:
    committee: OrgUnit
    branch_a: OrgUnit
    branch_b: OrgUnit
    branch_c: OrgUnit
    staff: Member
    secretary_a: Member
    secretary_b: Member
    plan: StudyPlan
    materials: list[Reading]
    exam: Quiz
    people: dict[str, Member] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Member:
        return self.people[name]


# Branch A, in the order the dashboard shows it: not started, in progress with the least
# done first, failed, done (the longest idle first).
A_ORDER = ["张未动", "孙在考", "李一篇", "王两篇", "赵未过", "甲书记", "钱完成"]


def build(session, make) -> Board:
    committee = make.committee("仪表党委")
    branch_a = make.branch(committee, "甲支部")
    branch_b = make.branch(committee, "乙支部")
    branch_c = make.branch(committee, "机关支部")
    staff = make.member(branch_c, name="组织员", role=Role.STAFF, role_unit=committee)
    secretary_a = make.member(branch_a, name="甲书记", role=Role.SECRETARY)
    secretary_b = make.member(branch_b, name="乙书记", role=Role.SECRETARY)
    people = {"甲书记": secretary_a, "乙书记": secretary_b}
    for name in ["张未动", "孙在考", "李一篇", "王两篇", "赵未过", "钱完成", "周停用"]:
        people[name] = make.member(branch_a, name=name)
    for name in ["吴一", "郑二"]:
        people[name] = make.member(branch_b, name=name)
    org.set_member_active(people["周停用"], is_active=False, actor_id=None, now=NOW)

    materials = readings(session, committee, 3)
    exam = make_exam(session, committee)
    plan = make_plan(
        session, committee, materials=materials, quiz=exam, targets=[branch_a, branch_b]
    )

    def study_all(member: Member, when) -> None:
        for reading in materials:
            study(session, member, reading, when)

    study_all(secretary_a, NOW - 12 * DAY)  # Sunday 8 Nov: last week but one
    attempt(session, exam, secretary_a, 90, at=NOW - 11 * DAY)
    study_all(people["钱完成"], NOW - 2 * DAY)  # this week
    attempt(session, exam, people["钱完成"], 85, at=NOW - DAY)
    study_all(people["赵未过"], NOW - 9 * DAY)
    attempt(session, exam, people["赵未过"], 40, at=NOW - 8 * DAY)
    study(session, people["李一篇"], materials[0], NOW - 3 * DAY)
    study(session, people["王两篇"], materials[0], NOW - 20 * DAY)
    study(session, people["王两篇"], materials[1], NOW - DAY)
    attempt(session, exam, people["孙在考"], None, at=NOW - timedelta(hours=1))
    study_all(people["吴一"], NOW - 4 * DAY)  # Monday 16 Nov
    attempt(session, exam, people["吴一"], 80, at=NOW - 4 * DAY + timedelta(hours=1))
    session.flush()
    return Board(
        committee=committee,
        branch_a=branch_a,
        branch_b=branch_b,
        branch_c=branch_c,
        staff=staff,
        secretary_a=secretary_a,
        secretary_b=secretary_b,
        plan=plan,
        materials=materials,
        exam=exam,
        people=people,
    )

"""The demo's second scoring scheme (the five weighted dimensions a company rated its
优秀合格党员 by) and a 比学习 competition between three branches with a week of snapshots."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.clock import local_date
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.reports.models import DimensionValue, MemberBirth
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import competitions
from studyhub.reports.services import custom_dimensions as custom

SCHEME = "优秀合格党员评选"
RATING_TABLE = {"excellent": 100, "qualified": 80, "basic": 60, "unqualified": 0}


def load_scores(session: Session, committee: OrgUnit, now: datetime) -> None:
    quarter = Quarter.at(now, committee.timezone)
    add = custom.add_dimension
    core = add(
        session,
        committee,
        name="岗位核心度",
        weight=Decimal(30),
        source="entered",
        mapping={"kind": "scale", "out_of": 5},
        scheme=SCHEME,
        now=now,
    )
    monthly = add(
        session,
        committee,
        name="月度考核贡献度",
        weight=Decimal(25),
        source="imported",
        mapping={"kind": "scale", "out_of": 100},
        scheme=SCHEME,
        now=now,
    )
    awareness = add(
        session,
        committee,
        name="意识综合度",
        weight=Decimal(20),
        source="rating",
        mapping={"kind": "table", "table": RATING_TABLE},
        scheme=SCHEME,
        now=now,
    )
    add(
        session,
        committee,
        name="年龄",
        weight=Decimal(10),
        source="computed",
        computed_from="age",
        mapping={"kind": "bands", "bands": [[0, 60], [30, 80], [40, 100]]},
        scheme=SCHEME,
        now=now,
    )
    service = add(
        session,
        committee,
        name="司龄",
        weight=Decimal(15),
        source="entered",
        mapping={"kind": "bands", "bands": [[0, 40], [3, 70], [10, 100]]},
        scheme=SCHEME,
        now=now,
    )
    members = list(
        session.scalars(
            select(Member.user_id)
            .where(Member.committee_id == committee.id, Member.is_active.is_(True))
            .order_by(Member.id)
        )
    )
    for serial, user_id in enumerate(members, start=1):
        session.add(MemberBirth(user_id=user_id, born_year=1965 + (serial * 5) % 35))
        for dimension, value in (
            (core, 1 + serial % 5),
            (monthly, 70 + (serial * 7) % 31),
            (awareness, 2 if serial % 11 == 0 else 4 if serial % 4 == 0 else 3),
            (service, (serial * 3) % 16),
        ):
            session.add(
                DimensionValue(
                    dimension_id=dimension.id,
                    year=quarter.year,
                    quarter=quarter.number,
                    user_id=user_id,
                    value=Decimal(value),
                    entered_at=now,
                )
            )
    session.flush()
    _competition(session, committee, quarter, now)


def _competition(session: Session, committee: OrgUnit, quarter: Quarter, now: datetime) -> None:
    branches = list(
        session.scalars(
            select(OrgUnit.id)
            .where(OrgUnit.committee_id == committee.id, OrgUnit.kind == UnitKind.BRANCH)
            .order_by(OrgUnit.path)
            .limit(3)
        )
    )
    competition = competitions.create_competition(
        session,
        committee,
        title="比学习、比贡献 季度竞赛",
        starts_on=quarter.first_day,
        ends_on=quarter.last_day,
        branch_ids=branches,
        measures=[
            (competitions.COMPLETION, Decimal(40)),
            (competitions.TEST, Decimal(30)),
            (competitions.DAILY_QUIZ, Decimal(30)),
        ],
        is_named=False,
        actor_id=None,
        now=now,
    )
    today = local_date(now, committee.timezone)
    zone = ZoneInfo(committee.timezone)
    for back in range(6, -1, -1):
        day = today - timedelta(days=back)
        if day < quarter.first_day:
            continue
        end_of_day = datetime.combine(day + timedelta(days=1), time(), zone)
        competitions.snapshot(session, committee, competition, day, min(now, end_of_day))

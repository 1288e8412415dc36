"""The demo has the five-dimension scheme with every member scored, and a competition whose
leaderboard has a week of figures."""

from __future__ import annotations

from sqlalchemy import func, select

from studyhub.core import clock
from studyhub.demo import COMMITTEE, load_demo
from studyhub.demo.scores import SCHEME
from studyhub.org.models import OrgUnit
from studyhub.reports.models import Competition, CompetitionSnapshot
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import competitions
from studyhub.reports.services.custom_dimensions import scheme_scores


def test_the_demo_scheme_and_competition(app, session):
    load_demo(password_method=app.config["PASSWORD_HASH_METHOD"])
    committee = session.scalars(select(OrgUnit).where(OrgUnit.name == COMMITTEE)).one()
    quarter = Quarter.at(clock.now_utc(), committee.timezone)
    scores = scheme_scores(session, committee, SCHEME, quarter, committee)
    assert scores and all(len(s.score.lines) == 5 for s in scores)
    assert all(not line.missing for s in scores for line in s.score.lines)
    assert scores[0].rank == 1 and scores[0].score.total >= scores[-1].score.total
    competition = session.scalars(select(Competition)).one()
    days = session.scalar(
        select(func.count(func.distinct(CompetitionSnapshot.day))).where(
            CompetitionSnapshot.competition_id == competition.id
        )
    )
    assert days >= 1
    day, standings = competitions.leaderboard(session, competition, own_branch_id=None)
    assert day is not None and len(standings) == 3
    assert {s.label for s in standings} == {"Branch A", "Branch B", "Branch C"} or all(
        s.label.startswith("支部") for s in standings
    )

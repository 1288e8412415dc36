"""比学习 competitions: staff set them up; every member of a taking-part branch opens the
leaderboard (branch figures only) and shares it as a poster; anyone else gets 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Response, abort, current_app, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.org.queries import member_of_user
from studyhub.plans.services import poster as poster_image
from studyhub.reports import access
from studyhub.reports.dimensions import code_of, scheme_dimensions
from studyhub.reports.forms import CompetitionForm
from studyhub.reports.models import Competition
from studyhub.reports.queries import custom as custom_queries
from studyhub.reports.services import competitions
from studyhub.reports.views import bp
from studyhub.reports.views.common import grants
from studyhub.web.charts import Series, line_chart
from studyhub.web.saving import committed


@dataclass(frozen=True)
class Loaded:
    competition: Competition
    committee: OrgUnit
    own_branch_id: int | None
    is_staff: bool


def _my_branch_id() -> int | None:
    member = db.session.scalars(
        member_of_user(current_user.id).where(Member.is_active.is_(True))
    ).first()
    return member.branch_id if member is not None else None


def _load(competition_id: int) -> Loaded:
    """The competition for its committee's staff or a member of a branch taking part; 404 for
    anyone else (a competition of other branches is not theirs to know of)."""
    competition = db.session.get(Competition, competition_id)
    if competition is None:
        abort(404)
    committee = db.session.get(OrgUnit, competition.committee_id)
    assert committee is not None
    is_staff = access.can_manage_scores(grants(), committee)
    mine = _my_branch_id()
    own = mine if mine in competitions.branch_ids_of(db.session, competition) else None
    if own is None and not is_staff:
        abort(404)
    return Loaded(competition, committee, own, is_staff)


def _measure_names(committee: OrgUnit) -> dict[str, str]:
    names = {code: str(label) for code, label in competitions.MEASURE_NAMES.items()}
    names.update({code_of(d): d.name for d in scheme_dimensions(db.session, committee.id)})
    return names


@bp.get("/competitions")
@login_required
def my_competitions():
    """The competitions the member's branch takes part in."""
    branch_id = _my_branch_id()
    found = competitions.competitions_of_branch(db.session, branch_id) if branch_id else []
    return render_template("reports/competitions/mine.html", competitions=found)


@bp.route("/committees/<int:committee_id>/competitions", methods=["GET", "POST"])
@login_required
def committee_competitions(committee_id: int):
    """Staff: the committee's competitions and a new one."""
    committee = access.load_unit(committee_id, access.require_manage_scores, UnitKind.COMMITTEE)
    form = CompetitionForm()
    branches = db.session.execute(custom_queries.branches_of(committee.id)).all()
    form.branches.choices = [SelectChoice(b.id, b.name) for b in branches]
    own = scheme_dimensions(db.session, committee.id)
    form.dimension.choices = [SelectChoice("", "—")] + [
        SelectChoice(code_of(d), d.name) for d in own if d.is_active
    ]
    if form.validate_on_submit():
        measures = [
            (competitions.COMPLETION, form.completion_weight.data or 0),
            (competitions.TEST, form.test_weight.data or 0),
            (competitions.DAILY_QUIZ, form.daily_quiz_weight.data or 0),
            (competitions.COMPLIANCE, form.compliance_weight.data or 0),
        ]
        if form.dimension.data:
            measures.append((form.dimension.data, form.dimension_weight.data or 0))
        try:
            competition = competitions.create_competition(
                db.session,
                committee,
                title=form.title.data,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
                branch_ids=form.branches.data or [],
                measures=measures,
                is_named=form.show_names.data,
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
        except DomainError as exc:
            form.form_errors.append(str(exc))
        else:
            return committed(
                _("Competition created."),
                url_for("reports.competition", competition_id=competition.id),
            )
    listed = db.session.scalars(custom_queries.competitions_of(committee.id)).all()
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "reports/competitions/committee.html",
        committee=committee,
        form=form,
        competitions=listed,
    ), status


@bp.get("/competitions/<int:competition_id>")
@login_required
def competition(competition_id: int):
    """The leaderboard: each branch's rank, score, figures and trend."""
    loaded = _load(competition_id)
    day, standings = competitions.leaderboard(
        db.session,
        loaded.competition,
        own_branch_id=loaded.own_branch_id,
        reveal=loaded.is_staff,
    )
    chart = None
    if standings:
        days = sorted({d for s in standings for d, _score in s.trend})
        series = []
        for standing in standings:
            by_day = dict(standing.trend)
            series.append(
                Series(standing.label, [float(by_day[d]) if d in by_day else None for d in days])
            )
        chart = line_chart(
            [format_date(d, "M/d") for d in days],
            series,
            title=_("Each branch's score by day"),
            y_suffix="",
            chart_id="competition-trend",
        )
    return render_template(
        "reports/competitions/leaderboard.html",
        loaded=loaded,
        competition=loaded.competition,
        day=day,
        standings=standings,
        measures=[code for code, _w in loaded.competition.measures],
        measure_names=_measure_names(loaded.committee),
        chart=chart,
    )


@bp.get("/competitions/<int:competition_id>/poster.png")
@login_required
def competition_poster(competition_id: int):
    """The leaderboard as a poster to forward: the branch's rank and the link's QR code."""
    loaded = _load(competition_id)
    _day, standings = competitions.leaderboard(
        db.session, loaded.competition, own_branch_id=loaded.own_branch_id
    )
    own = next((s for s in standings if s.is_own), None)
    period = _period(loaded.competition.starts_on, loaded.competition.ends_on)
    due = (
        _(
            "%(branch)s: No. %(rank)d of %(count)d · %(period)s",
            branch=own.label,
            rank=own.rank,
            count=len(standings),
            period=period,
        )
        if own is not None
        else period
    )
    png = poster_image.poster_png(
        poster_image.PosterText(
            committee=loaded.committee.name,
            branch=own.label if own is not None else None,
            title=loaded.competition.title,
            due=due,
            hint=_("Scan with your phone to see the leaderboard."),
            url=url_for("reports.competition", competition_id=competition_id, _external=True),
        ),
        font=current_app.config.get("POSTER_FONT"),
    )
    return Response(
        png,
        mimetype="image/png",
        headers={"Content-Disposition": f'attachment; filename="competition-{competition_id}.png"'},
    )


def _period(starts_on: date, ends_on: date) -> str:
    return f"{format_date(starts_on, 'medium')} – {format_date(ends_on, 'medium')}"

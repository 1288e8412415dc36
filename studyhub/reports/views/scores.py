"""Score pages: the committee's quarter (staff), a branch's quarter (its secretary and staff),
a member's explanation (the member, their branch's leaders, staff), closing and reopening a
quarter and rating overrides (staff)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org import queries as org_queries
from studyhub.org.models import Member, UnitKind
from studyhub.reports import access, queries, scoring
from studyhub.reports.forms import (
    DIMENSION_LABELS,
    RATING_LABELS,
    ConfirmForm,
    OverrideForm,
    ReopenForm,
)
from studyhub.reports.quarters import Quarter
from studyhub.reports.services import adjustments as adjustment_services
from studyhub.reports.services import closing, exports, frozen
from studyhub.reports.views import bp
from studyhub.reports.views.common import (
    committee_of,
    excused_counts_as,
    grants,
    picker,
    quarter_arg,
)
from studyhub.web.pagination import Page
from studyhub.web.saving import run_button

PER_PAGE = 50


def _labels() -> dict:
    return {"dimension_labels": DIMENSION_LABELS, "rating_labels": RATING_LABELS}


@bp.get("/committees/<int:committee_id>/scores")
@login_required
def committee_scores(committee_id: int):
    """The committee's quarter: every member's total, rank and rating, by rank."""
    now = clock.now_utc()
    committee = access.load_unit(committee_id, access.require_manage_scores, UnitKind.COMMITTEE)
    quarter = quarter_arg(committee, now)
    branches = list(db.session.scalars(org_queries.units_under(committee.path, UnitKind.BRANCH)))
    branch_id = request.args.get("branch", type=int)
    if branch_id is not None and branch_id not in {b.id for b in branches}:
        abort(404)
    number = max(1, request.args.get("page", 1, type=int))
    is_closed = frozen.closed_record(db.session, committee, quarter) is not None
    size = exports.member_count(db.session, committee, committee, quarter)
    # Ranking a very large committee live takes longer than a page may: while the quarter
    # is open, such a committee is shown one branch at a time (the export and the closed
    # quarter have the whole ranking).
    too_large = not is_closed and size > current_app.config["EXPORT_INLINE_MAX_MEMBERS"]
    scope = committee
    if too_large and branch_id is not None:
        scope = next(b for b in branches if b.id == branch_id)
    context = {
        "committee": committee,
        "quarter": quarter,
        "quarters": picker(committee, now),
        "branches": branches,
        "branch_id": branch_id,
        "size": size,
        "too_large": too_large,
        "is_closed": is_closed,
        "record": db.session.scalars(queries.quarter_close(committee.id, quarter)).first(),
        "has_ended": now >= quarter.ends_at(committee.timezone),
        "close_form": ConfirmForm(),
        "reopen_form": ReopenForm(),
        **_labels(),
    }
    if too_large and branch_id is None:
        page = Page(items=[], page=1, per_page=PER_PAGE, total=0)
        return render_template("reports/scores/committee.html", page=page, scores=None, **context)
    with frozen.quarter_scores(
        db.session, committee, quarter, scope, now=now, excused_counts_as=excused_counts_as()
    ) as found:
        total = found.count_in(branch_id)
        pages = max(1, -(-total // PER_PAGE))
        number = min(number, pages)
        rows = found.ranked((number - 1) * PER_PAGE, PER_PAGE, branch_id=branch_id)
        page = Page(items=rows, page=number, per_page=PER_PAGE, total=total)
        return render_template("reports/scores/committee.html", page=page, scores=found, **context)


@bp.get("/branches/<int:branch_id>/scores")
@login_required
def branch_scores(branch_id: int):
    """A branch's quarter, for its secretary and branch committee (and staff above it)."""
    now = clock.now_utc()
    branch = access.load_unit(branch_id, access.require_view_scores, UnitKind.BRANCH)
    me = grants()
    committee = committee_of(branch)
    quarter = quarter_arg(committee, now)
    with frozen.quarter_scores(
        db.session, committee, quarter, branch, now=now, excused_counts_as=excused_counts_as()
    ) as found:
        return render_template(
            "reports/scores/branch.html",
            branch=branch,
            committee=committee,
            quarter=quarter,
            quarters=picker(committee, now),
            rows=list(found),
            scores=found,
            can_adjust=access.can_adjust_in(me, branch) and not found.is_closed,
            **_labels(),
        )


@bp.get("/my-score")
@login_required
def my_score():
    member = db.session.scalars(org_queries.member_of_user(current_user.id)).first()
    if member is None or not member.is_active:
        abort(404)
    return redirect(url_for("reports.member_score", member_id=member.id, **request.args))


@bp.get("/members/<int:member_id>/scores")
@login_required
def member_score(member_id: int):
    """A member's score for a quarter, explained line by line."""
    now = clock.now_utc()
    member = access.load_member_score(member_id)
    me = grants()
    committee = committee_of(member.branch)
    quarter = quarter_arg(committee, now)
    with frozen.quarter_scores(
        db.session,
        committee,
        quarter,
        member.branch,
        now=now,
        excused_counts_as=excused_counts_as(),
    ) as found:
        score = found.find(member.user_id)
        is_closed = found.is_closed
    can_override = access.can_manage_scores(me, committee) and not is_closed
    form = OverrideForm()
    if score is not None:
        # Starts at the rating in force (the suggested one unless staff changed it), so a
        # careless save never raises it; any change needs a reason (the form requires one).
        form.rating.data = (
            score.rating.value if score.is_overridden else score.score.suggested.value
        )
    return render_template(
        "reports/scores/member.html",
        member=member,
        committee=committee,
        quarter=quarter,
        quarters=picker(committee, now),
        score=score,
        is_closed=is_closed,
        entries=list(
            db.session.scalars(queries.member_adjustments(committee.id, quarter, member.user_id))
        )
        if score is not None
        else [],
        can_override=can_override,
        override_form=form if can_override else None,
        clear_form=ConfirmForm() if can_override else None,
        is_own=member.user_id == current_user.id,
        **_labels(),
    )


@bp.post("/committees/<int:committee_id>/scores/<quarter_label>/close")
@login_required
def close_quarter(committee_id: int, quarter_label: str):
    committee = access.load_unit(committee_id, access.require_manage_scores, UnitKind.COMMITTEE)
    quarter = quarter_arg(committee, clock.now_utc(), quarter_label)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        record = closing.close_quarter(
            db.session,
            committee,
            quarter,
            by=current_user,
            now=clock.now_utc(),
            excused_counts_as=excused_counts_as(),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        flash(
            _(
                "Quarter %(quarter)s is closed: %(n)d members' scores are frozen.",
                quarter=quarter.label,
                n=frozen.last_close_entry(record).get("members", 0),
            ),
            "success",
        )
    return redirect(
        url_for("reports.committee_scores", committee_id=committee.id, quarter=quarter.label)
    )


@bp.post("/committees/<int:committee_id>/scores/<quarter_label>/reopen")
@login_required
def reopen_quarter(committee_id: int, quarter_label: str):
    committee = access.load_unit(committee_id, access.require_manage_scores, UnitKind.COMMITTEE)
    quarter = quarter_arg(committee, clock.now_utc(), quarter_label)
    record = db.session.scalars(queries.quarter_close(committee.id, quarter)).first()
    if record is None:
        abort(404)
    form = ReopenForm()
    url = url_for("reports.committee_scores", committee_id=committee.id, quarter=quarter.label)
    if not form.validate_on_submit():
        flash(_("Give a reason for reopening the quarter."), "error")
        return redirect(url)
    return run_button(
        lambda: closing.reopen_quarter(
            db.session, record, by=current_user, reason=form.reason.data, now=clock.now_utc()
        ),
        _("Quarter %(quarter)s is open again.", quarter=quarter.label),
        url,
    )


def _member_for_override(member_id: int, quarter_label: str) -> tuple[Member, Quarter]:
    member = db.get_or_404(Member, member_id)
    committee = committee_of(member.branch)
    access.require_manage_scores(grants(), committee)
    return member, quarter_arg(committee, clock.now_utc(), quarter_label)


@bp.post("/members/<int:member_id>/scores/<quarter_label>/override")
@login_required
def set_override(member_id: int, quarter_label: str):
    member, quarter = _member_for_override(member_id, quarter_label)
    form = OverrideForm()
    url = url_for("reports.member_score", member_id=member.id, quarter=quarter.label)
    if not form.validate_on_submit():
        flash(_("Choose a rating and give a reason."), "error")
        return redirect(url)
    return run_button(
        lambda: adjustment_services.set_override(
            db.session,
            member,
            quarter,
            rating=scoring.Rating(form.rating.data),
            reason=form.reason.data,
            by=current_user,
            now=clock.now_utc(),
        ),
        _("The rating is changed."),
        url,
    )


@bp.post("/members/<int:member_id>/scores/<quarter_label>/override/clear")
@login_required
def clear_override(member_id: int, quarter_label: str):
    member, quarter = _member_for_override(member_id, quarter_label)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return run_button(
        lambda: adjustment_services.clear_override(
            db.session, member, quarter, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("The suggested rating stands again."),
        url_for("reports.member_score", member_id=member.id, quarter=quarter.label),
    )

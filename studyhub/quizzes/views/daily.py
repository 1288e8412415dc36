"""The daily quiz (每日答题): today's questions one per screen, feedback at once, points.

Members: the day's page (start, continue, or today's results), one question
per screen that posts its answer and comes back with the verdict, the right
answer and the explanation. Staff: the committee's daily-quiz settings. Also
the home page's panel with today's daily quiz and the mistake book's due count.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org import context
from studyhub.org.models import Member, OrgUnit
from studyhub.org.queries import member_of_user
from studyhub.quizzes import queries
from studyhub.quizzes.forms import ConfirmForm, DailySettingsForm
from studyhub.quizzes.models import Attempt, AttemptState, QuizMode
from studyhub.quizzes.services import attempts, daily, review
from studyhub.quizzes.views import bp, managed_committee
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.related import RelatedLink, register_related_links
from studyhub.web.saving import committed, errors_on, refused

SEED_LIMIT = 2**31


def _member() -> Member:
    """The current user's active membership; the daily quiz is for members only."""
    member = db.session.scalars(member_of_user(current_user.id)).first()
    if member is None or not member.is_active:
        abort(404)
    return member


def _own_daily_attempt(attempt_id: int) -> Attempt:
    attempt = db.get_or_404(Attempt, attempt_id)
    if attempt.user_id != current_user.id or attempt.quiz.mode != QuizMode.DAILY:
        abort(404)
    return attempt


def _views(attempt: Attempt) -> list[review.ItemView]:
    """The attempt's questions as the member may see them: answered ones with feedback."""
    items = db.session.scalars(queries.attempt_items(attempt.id)).unique()
    return [
        review.present_item(
            item, item.version, review.EVERYTHING if item.score is not None else review.NOTHING
        )
        for item in items
    ]


def _next_position(views: list[review.ItemView]) -> int | None:
    return next((v.position for v in views if v.is_correct is None), None)


@bp.get("/daily")
@login_required
def daily_home():
    """Today's daily quiz: start it, or see how it went; one in progress goes on where it was."""
    now = clock.now_utc()
    _member()
    today = daily.today_for(db.session, user_id=current_user.id, now=now)
    attempt = db.session.get(Attempt, today.attempt_id) if today and today.attempt_id else None
    views = _views(attempt) if attempt is not None else []
    next_position = _next_position(views)
    is_done = attempt is not None and attempt.state == AttemptState.SUBMITTED
    if attempt is not None and not is_done and next_position is not None:
        return redirect(
            url_for("quizzes.daily_question", attempt_id=attempt.id, position=next_position)
        )
    return render_template(
        "quizzes/daily/home.html",
        today=today,
        attempt=attempt,
        views=views,
        next_position=next_position,
        is_done=is_done,
        start_form=ConfirmForm(),
    )


@bp.post("/daily/start")
@login_required
def daily_start():
    now = clock.now_utc()
    member = _member()
    if not ConfirmForm().validate_on_submit():
        abort(400)
    committee = db.session.get(OrgUnit, member.committee_id)
    try:
        quiz = daily.ensure_daily_quiz(db.session, committee, now=now)
        attempt = daily.start_daily(
            db.session,
            quiz,
            user_id=current_user.id,
            now=now,
            seed=secrets.randbelow(SEED_LIMIT),
        )
    except DomainError as exc:
        return refused(exc, url_for("quizzes.daily_home"))
    if attempt.state == AttemptState.SUBMITTED:
        return redirect(url_for("quizzes.daily_home"))
    position = _next_position(_views(attempt)) or 1
    return redirect(url_for("quizzes.daily_question", attempt_id=attempt.id, position=position))


@bp.get("/daily/<int:attempt_id>/<int:position>")
@login_required
def daily_question(attempt_id: int, position: int):
    """One question: the options to answer, or — once answered — the verdict and explanation.

    ``?after=N`` shows question N's verdict above this one: a right answer goes
    straight on to the next question (one tap per question), its feedback and
    explanation folded above the next one; a wrong answer stays on its own
    feedback, with the right answer and the explanation, until the member taps on.
    """
    attempt = _own_daily_attempt(attempt_id)
    views = _views(attempt)
    view = next((v for v in views if v.position == position), None)
    if view is None:
        abort(404)
    after = request.args.get("after", type=int)
    previous = next((v for v in views if v.position == after and v.is_correct is not None), None)
    return render_template(
        "quizzes/daily/question.html",
        attempt=attempt,
        view=view,
        previous=previous,
        total=len(views),
        answered=sum(1 for v in views if v.is_correct is not None),
        next_position=_next_position(views),
        form=ConfirmForm(),
    )


@bp.post("/daily/<int:attempt_id>/<int:position>")
@login_required
def daily_answer(attempt_id: int, position: int):
    now = clock.now_utc()
    attempt = _own_daily_attempt(attempt_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    here = url_for("quizzes.daily_question", attempt_id=attempt.id, position=position)
    try:
        result = daily.answer_daily(
            db.session,
            attempt,
            position=position,
            response=request.form.getlist("response"),
            now=now,
        )
    except attempts.AttemptClosed as exc:
        flash(str(exc), "info")  # it may have been submitted just now: that stays
        return redirect(url_for("quizzes.daily_home"))
    except DomainError as exc:
        return refused(exc, here)
    if result.points:
        flash(ngettext("+%(num)d point", "+%(num)d points", result.points), "success")
    if result.is_finished:
        flash(_("Today's daily quiz is done."), "success")
    if not result.item.is_correct:
        return redirect(here)  # time to read the right answer and the explanation
    if result.is_finished:
        return redirect(url_for("quizzes.daily_home"))
    following = _next_position(_views(attempt))
    if following is None:
        return redirect(here)
    return redirect(
        url_for("quizzes.daily_question", attempt_id=attempt.id, position=following, after=position)
    )


# Staff: settings ---------------------------------------------------------------------------


@bp.route("/committees/<int:committee_id>/daily", methods=["GET", "POST"])
@login_required
def daily_settings(committee_id: int):
    """The committee's daily quiz: which banks, how many questions a day, points and cap."""
    now = clock.now_utc()
    committee = managed_committee(committee_id)
    quiz = daily.daily_quiz_of(db.session, committee.id)
    current = (
        daily.settings_of(db.session, quiz)
        if quiz is not None
        else daily.default_settings(db.session, committee)  # made on the first save
    )
    form = DailySettingsForm(
        data=None
        if request.method == "POST"
        else {
            "banks": current.bank_ids,
            "question_count": current.question_count,
            "points": current.points,
            "daily_cap": current.daily_cap,
        }
    )
    form.banks.choices = [
        (bank.id, name_and_count(bank, live))
        for bank, _total, live in db.session.execute(queries.banks_of(committee.id))
    ]
    if form.validate_on_submit():
        with errors_on(form):
            quiz = quiz or daily.ensure_daily_quiz(db.session, committee, now=now)
            daily.configure_daily(
                db.session,
                quiz,
                daily.DailySettings(
                    bank_ids=list(form.banks.data or []),
                    question_count=form.question_count.data,
                    points=form.points.data,
                    daily_cap=form.daily_cap.data,
                ),
                actor_id=current_user.id,
                now=now,
            )
            return committed(
                _("The daily quiz settings are saved."),
                url_for("quizzes.daily_settings", committee_id=committee.id),
            )
    return render_template("quizzes/daily/settings.html", committee=committee, quiz=quiz, form=form)


def name_and_count(bank: Any, live: int) -> str:
    return _("%(name)s (%(n)d questions)", name=bank.name, n=live)


# The home page -------------------------------------------------------------------------------


def daily_panel(user: Any, now) -> HomePanel | None:
    """Today's daily quiz and the mistake book's due count, for members."""
    if not getattr(user, "is_authenticated", False):
        return None
    member = context.member()  # the request's member context: no statement of its own
    if member is None:
        return None
    today = daily.today_for(
        db.session,
        user_id=user.id,
        now=now,
        membership=(member.committee_id, member.timezone),
    )
    if today is None:
        return None
    return HomePanel(template="quizzes/panels/daily.html", context={"daily": today})


def daily_next_step(reading: Any, user: Any) -> list[RelatedLink]:
    """After today's reading: "next: the daily quiz", one tap that starts (or resumes) it.

    No statement: a finished day's start only shows the day's result.
    """
    if not getattr(user, "is_authenticated", False):
        return []
    return [RelatedLink(_("Next: daily quiz"), url_for("quizzes.daily_start"), is_post=True)]


@bp.record_once
def _register_panel(state) -> None:
    register_home_panel(state.app, 30, daily_panel)
    register_related_links(state.app, "studied-reading", daily_next_step)

"""Quiz pages: for staff, create, edit, add questions and rules, publish, assign to units;
for members, their quizzes and a quiz's page (instructions, attempts so far, start or resume).

Staff pages belong to one committee and ask for the right to manage it. A
member sees a quiz of their committee assigned to their unit or one above
it; another committee's quiz does not exist for them (404).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org import queries as org_queries
from studyhub.org.models import Member, OrgUnit, UnitKind
from studyhub.quizzes import queries
from studyhub.quizzes.access import load_managed_quiz, load_quiz_to_take
from studyhub.quizzes.forms import (
    GRADING_LABELS,
    MODE_LABELS,
    QTYPE_LABELS,
    TIMING_LABELS,
    AssignForm,
    ConfirmForm,
    QuestionSlotForm,
    QuizForm,
    RuleSlotForm,
)
from studyhub.quizzes.models import AttemptState, QuestionType, Quiz, QuizMode
from studyhub.quizzes.services import attempts, overrides, quizzes, review
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.views import bp, managed_committee, managed_committees
from studyhub.web.home import HomePanel, register_home_panel
from studyhub.web.saving import committed, errors_on, run_button


@bp.app_context_processor
def inject_quiz_labels():
    return {
        "quiz_mode_labels": MODE_LABELS,
        "grading_labels": GRADING_LABELS,
        "timing_labels": TIMING_LABELS,
    }


def _admin_url(quiz: Quiz) -> str:
    return url_for("quizzes.quiz_admin", quiz_id=quiz.id)


def _back(quiz: Quiz):
    return redirect(_admin_url(quiz))


# Staff: the list and the settings ---------------------------------------------------------


@bp.get("/manage/")
@login_required
def quiz_committees():
    """Where staff start: the quizzes of their committee (or a choice of committees)."""
    committees = managed_committees()
    if len(committees) == 1:
        return redirect(url_for("quizzes.quiz_list", committee_id=committees[0].id))
    return render_template("quizzes/quiz/committees.html", committees=committees)


@bp.get("/committees/<int:committee_id>/quizzes")
@login_required
def quiz_list(committee_id: int):
    committee = managed_committee(committee_id)
    rows = list(db.session.scalars(queries.quizzes_of(committee.id)))
    return render_template("quizzes/quiz/list.html", committee=committee, quizzes=rows)


@bp.route("/committees/<int:committee_id>/quizzes/new", methods=["GET", "POST"])
@login_required
def new_quiz(committee_id: int):
    committee = managed_committee(committee_id)
    form = QuizForm()
    if form.validate_on_submit():
        with errors_on(form):
            quiz = quizzes.create_quiz(
                db.session,
                committee,
                form.to_fields(committee.timezone),
                by_user_id=current_user.id,
                now=clock.now_utc(),
            )
            return committed(_("The quiz was created. Now add its questions."), _admin_url(quiz))
    return render_template("quizzes/quiz/form.html", committee=committee, form=form, quiz=None)


@bp.route("/<int:quiz_id>/edit", methods=["GET", "POST"])
@login_required
def edit_quiz(quiz_id: int):
    quiz, committee = load_managed_quiz(quiz_id)
    form = QuizForm()
    if request.method == "GET":
        form.fill(quizzes.fields_of(quiz), committee.timezone)
    elif form.validate_on_submit():
        with errors_on(form):
            quizzes.update_quiz(
                db.session,
                quiz,
                form.to_fields(committee.timezone),
                actor_id=current_user.id,
                now=clock.now_utc(),
            )
            return committed(_("The quiz was saved."), _admin_url(quiz))
    return render_template("quizzes/quiz/form.html", committee=committee, form=form, quiz=quiz)


def _rule_choices(committee: OrgUnit) -> list[SelectChoice]:
    choices = []
    for bank, _count, _live in db.session.execute(queries.banks_of(committee.id)):
        choices.append(SelectChoice(f"{bank.id}:0", _("%(bank)s (whole bank)", bank=bank.name)))
        for node in bank_service.category_tree(db.session, bank):
            choices.append(SelectChoice(f"{bank.id}:{node.id}", f"{bank.name} › {node.label}"))
    return choices


def _assign_choices(committee: OrgUnit) -> list[SelectChoice]:
    units = [committee, *db.session.scalars(org_queries.units_under(committee.path))]
    return [
        SelectChoice(u.id, "　" * u.depth + u.name)
        for u in units
        if u.is_active and u.kind != UnitKind.GROUP
    ]


@bp.get("/<int:quiz_id>/manage")
@login_required
def quiz_admin(quiz_id: int):
    """A quiz for staff: settings, questions and rules, what stops publishing, assignments."""
    quiz, committee = load_managed_quiz(quiz_id)
    question_form = QuestionSlotForm()
    rule_form = RuleSlotForm()
    rule_form.source.choices = _rule_choices(committee)
    assign_form = AssignForm()
    assign_form.unit_id.choices = _assign_choices(committee)
    return render_template(
        "quizzes/quiz/admin.html",
        quiz=quiz,
        committee=committee,
        slots=quizzes.slot_rows(db.session, quiz),
        problems=quizzes.slot_problems(db.session, quiz),
        is_locked=quizzes.has_attempts(db.session, quiz),
        question_count=quizzes.question_count(quiz),
        max_score=quizzes.max_score(quiz),
        assignments=list(db.session.execute(queries.assignments_of(quiz.id))),
        question_form=question_form,
        rule_form=rule_form,
        assign_form=assign_form,
        confirm_form=ConfirmForm(),
        qtype_labels=QTYPE_LABELS,
    )


# Staff: slots, publishing, assignment ----------------------------------------------------


def _run(quiz: Quiz, work, success: str):
    """Call one service, then commit and say so, or roll back and show why not."""
    return run_button(work, success, _admin_url(quiz))


def _form_errors(form) -> str:
    return " ".join(e for errors in form.errors.values() for e in errors)


@bp.post("/<int:quiz_id>/slots/questions")
@login_required
def add_question_slots(quiz_id: int):
    quiz, _committee_unit = load_managed_quiz(quiz_id)
    form = QuestionSlotForm()
    ids = form.ids() if form.validate_on_submit() else None
    if ids is None:
        flash(_form_errors(form) or _("Enter question numbers, e.g. 12, 15, 18."), "error")
        return _back(quiz)
    now = clock.now_utc()

    def work() -> None:
        for question_id in ids:
            quizzes.add_question_slot(
                db.session,
                quiz,
                question_id=question_id,
                points=form.points.data,
                actor_id=current_user.id,
                now=now,
            )

    return _run(quiz, work, _("%(n)d questions were added.", n=len(ids)))


@bp.post("/<int:quiz_id>/slots/rule")
@login_required
def add_rule_slot(quiz_id: int):
    quiz, committee = load_managed_quiz(quiz_id)
    form = RuleSlotForm()
    form.source.choices = _rule_choices(committee)
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(quiz)
    bank_id, category_id = form.bank_and_category()
    qtype = form.qtype.data or None
    return _run(
        quiz,
        lambda: quizzes.add_rule_slot(
            db.session,
            quiz,
            bank_id=bank_id,
            category_id=category_id,
            include_subcategories=form.include_subcategories.data,
            qtype=QuestionType(qtype) if qtype else None,
            count=form.count.data,
            points=form.points.data,
            actor_id=current_user.id,
            now=clock.now_utc(),
        ),
        _("The random rule was added."),
    )


@bp.post("/<int:quiz_id>/slots/<int:slot_id>/remove")
@login_required
def remove_slot(quiz_id: int, slot_id: int):
    quiz, _committee_unit = load_managed_quiz(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _run(
        quiz,
        lambda: quizzes.remove_slot(
            db.session, quiz, slot_id, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("Removed from the quiz."),
    )


@bp.post("/<int:quiz_id>/publish")
@login_required
def publish_quiz(quiz_id: int):
    quiz, _committee_unit = load_managed_quiz(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _run(
        quiz,
        lambda: quizzes.publish_quiz(
            db.session, quiz, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("The quiz is published: members of the units it is assigned to can take it."),
    )


@bp.post("/<int:quiz_id>/unpublish")
@login_required
def unpublish_quiz(quiz_id: int):
    quiz, _committee_unit = load_managed_quiz(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _run(
        quiz,
        lambda: quizzes.unpublish_quiz(
            db.session, quiz, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("The quiz is hidden from members."),
    )


@bp.post("/<int:quiz_id>/assign")
@login_required
def assign_quiz(quiz_id: int):
    quiz, committee = load_managed_quiz(quiz_id)
    form = AssignForm()
    form.unit_id.choices = _assign_choices(committee)
    if not form.validate_on_submit():
        flash(_form_errors(form), "error")
        return _back(quiz)
    unit = db.get_or_404(OrgUnit, form.unit_id.data)
    return _run(
        quiz,
        lambda: quizzes.assign_quiz(
            db.session, quiz, unit, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("Assigned to %(unit)s.", unit=unit.name),
    )


@bp.post("/<int:quiz_id>/assignments/<int:unit_id>/remove")
@login_required
def unassign_quiz(quiz_id: int, unit_id: int):
    quiz, _committee_unit = load_managed_quiz(quiz_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _run(
        quiz,
        lambda: quizzes.unassign_quiz(
            db.session, quiz, unit_id, actor_id=current_user.id, now=clock.now_utc()
        ),
        _("The assignment was removed."),
    )


# Members ----------------------------------------------------------------------------------


def _member() -> Member | None:
    if "quiz_member" not in g:
        g.quiz_member = db.session.scalars(
            org_queries.member_of_user(current_user.id).where(Member.is_active.is_(True))
        ).first()
    return g.quiz_member


@bp.get("/")
@login_required
def my_quizzes():
    """The exams and practice quizzes assigned to the member's unit."""
    member = _member()
    if member is None:
        abort(404)
    found = list(
        db.session.scalars(
            queries.assigned_quizzes(member.committee_id, quizzes.ancestor_ids(member.org_path))
        )
    )
    own = overrides.for_user(  # the member's exceptions: their own close time
        db.session, found, user_id=current_user.id, org_path=member.org_path
    )
    return render_template("quizzes/quiz/mine.html", quizzes=found, rules=own, now=clock.now_utc())


@bp.get("/<int:quiz_id>")
@login_required
def quiz(quiz_id: int):
    """A quiz for the member: instructions, rules, attempts so far, start or resume."""
    now = clock.now_utc()
    quiz, _member = load_quiz_to_take(quiz_id)
    grace = timedelta(seconds=current_app.config["QUIZ_GRACE_SECONDS"])
    facts = attempts.overview(db.session, quiz, user_id=current_user.id, now=now, grace=grace)
    shown = {
        a.id: review.attempt_visibility(
            review.ReviewPolicy.of(quiz),
            mode=quiz.mode,
            state=a.state,
            closes_at=facts.settings.closes_at if facts.settings else quiz.closes_at,
            now=now,
        ).score
        for a in facts.attempts
    }
    return render_template(
        "quizzes/quiz/quiz.html",
        quiz=quiz,
        facts=facts,
        score_shown=shown,
        question_count=quizzes.question_count(quiz),
        is_practice=quiz.mode == QuizMode.PRACTICE,
        grade_shown=facts.grade is not None
        and all(shown[a.id] for a in facts.attempts if a.state == AttemptState.SUBMITTED),
        start_form=ConfirmForm(),
    )


def quizzes_panel(user: Any, now) -> HomePanel | None:
    """The home page's panel: exams and practice quizzes open now for the member (one query)."""
    if not getattr(user, "is_authenticated", False):
        return None
    found = list(
        db.session.scalars(queries.open_quizzes_for_home(), {"user_id": user.id, "now": now})
    )
    if not found:
        return None
    return HomePanel(template="quizzes/quiz/panel.html", context={"open_quizzes": found})


@bp.record_once
def _register_panel(state) -> None:
    register_home_panel(state.app, 30, quizzes_panel)

"""Staff pages of questions: write, edit, preview, retire."""

from __future__ import annotations

from flask import (
    abort,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.extensions import db
from studyhub.org.models import OrgUnit
from studyhub.quizzes.access import load_bank, load_question
from studyhub.quizzes.forms import (
    ConfirmForm,
    QuestionForm,
)
from studyhub.quizzes.models import Bank, Category, Question, QuestionType, QuestionVersion
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.views import bp
from studyhub.quizzes.views.bank.common import (
    category_choices,
)
from studyhub.web.ids import db_id
from studyhub.web.saving import committed, errors_on

# Questions ---------------------------------------------------------------------------------


def _render_question_form(bank: Bank, committee: OrgUnit, form: QuestionForm, question=None):
    return render_template(
        "quizzes/bank/question_form.html",
        committee=committee,
        bank=bank,
        form=form,
        question=question,
    )


def _question_form(bank: Bank, **kwargs) -> QuestionForm:
    form = QuestionForm(**kwargs)
    tree = bank_service.category_tree(db.session, bank)
    form.category_id.choices = category_choices(tree, _("(no category)"))
    return form


@bp.route("/banks/<int:bank_id>/questions/new", methods=["GET", "POST"])
@login_required
def new_question(bank_id: int):
    bank, committee = load_bank(bank_id)
    form = _question_form(bank)
    if request.method == "GET":
        form.qtype.data = request.args.get("qtype") or QuestionType.SINGLE.value
        form.category_id.data = request.args.get("category", 0, type=db_id)
        form.match_rules.data = list(bank.match_rules or [])
    if form.validate_on_submit():
        with errors_on(form):
            question = bank_service.create_question(
                db.session,
                bank,
                form.to_fields(),
                by_user_id=current_user.id,
                now=clock.now_utc(),
            )
            return committed(
                _("The question was added."),
                url_for("quizzes.preview_question", question_id=question.id),
            )
    return _render_question_form(bank, committee, form)


def _form_data(question: Question, version: QuestionVersion) -> dict:
    """The form's values for an existing question (its text is stored as HTML)."""
    data = {
        "qtype": question.qtype.value,
        "title": question.title or "",
        "text_format": "html",
        "stem": version.stem_html,
        "explanation": version.explanation_html,
        "category_id": question.category_id or 0,
        "difficulty": question.difficulty or 0,
        "tags": "、".join(bank_service.tags_of(db.session, [question.id])[question.id]),
        "model_answer": version.model_answer_html or "",
        "rubric": "\n".join(f"{row['criterion']}:{row['points']}" for row in version.rubric or []),
        "match_rules": list(version.match_rules or []),
    }
    for option in version.options:
        data[f"option_{option['key'].lower()}"] = option["html"]
    answer = version.answer
    if question.qtype == QuestionType.SINGLE:
        data["single_answer"] = answer
    elif question.qtype == QuestionType.MULTIPLE:
        data["multiple_answer"] = list(answer)
    elif question.qtype == QuestionType.TRUEFALSE:
        data["truefalse_answer"] = "true" if answer else "false"
    elif question.qtype == QuestionType.ESSAY:
        pass
    else:
        data["fillin_answer"] = "\n".join("|".join(blank) for blank in answer)
    return data


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(question_id: int):
    question, bank, committee = load_question(question_id)
    version = db.session.get_one(QuestionVersion, question.current_version_id)
    if request.method == "GET":
        form = _question_form(bank, data=_form_data(question, version))
    else:
        form = _question_form(bank)
    if form.validate_on_submit():
        with errors_on(form):
            saved = bank_service.update_question(
                db.session,
                question,
                form.to_fields(),
                by_user_id=current_user.id,
                now=clock.now_utc(),
            )
            message = (
                _(
                    "Saved as version %(n)d; attempts already made keep the version "
                    "they were given.",
                    n=saved.number,
                )
                if saved.id != version.id
                else _("Saved.")
            )
            return committed(message, url_for("quizzes.preview_question", question_id=question.id))
    return _render_question_form(bank, committee, form, question=question)


@bp.get("/questions/<int:question_id>")
@login_required
def preview_question(question_id: int):
    """The question as a member sees it, then its answer and explanation."""
    question, bank, committee = load_question(question_id)
    version = db.session.get_one(QuestionVersion, question.current_version_id)
    category_label = None
    if question.category_id:
        category = db.session.get_one(Category, question.category_id)
        category_label = "/".join(bank_service.category_names(db.session, category))
    return render_template(
        "quizzes/bank/preview.html",
        committee=committee,
        bank=bank,
        question=question,
        version=version,
        category_label=category_label,
        tags=bank_service.tags_of(db.session, [question.id])[question.id],
        is_used=bank_service.is_version_used(db.session, version.id),
        confirm_form=ConfirmForm(),
    )


@bp.post("/questions/<int:question_id>/retire")
@login_required
def retire_question(question_id: int):
    return _set_retired(question_id, is_retired=True)


@bp.post("/questions/<int:question_id>/unretire")
@login_required
def unretire_question(question_id: int):
    return _set_retired(question_id, is_retired=False)


def _set_retired(question_id: int, *, is_retired: bool):
    question, _bank_, _committee_ = load_question(question_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    bank_service.set_retired(
        db.session,
        question,
        is_retired=is_retired,
        now=clock.now_utc(),
        actor_id=current_user.id,
    )
    return committed(
        _("The question was retired: new quizzes no longer draw it.")
        if is_retired
        else _("The question is in use again."),
        url_for("quizzes.preview_question", question_id=question_id),
    )

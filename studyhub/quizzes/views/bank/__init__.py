"""Question-bank pages, for committee staff; and the media page questions show from.

Banks, their category tree, the question list with search and filters, the
question form (the fields of every type; a little JavaScript shows those of the
chosen type), the preview as a member sees a question, retiring, the import
with a preview before anything is stored, and the export to the XLSX template.
Every page belongs to one committee and asks for the right to manage it. The
media page serves a bank's images and sounds to the committee's members too.
"""

from __future__ import annotations

import io
from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org import access
from studyhub.org.auditing import record_download
from studyhub.org.models import OrgUnit
from studyhub.quizzes import importers, queries
from studyhub.quizzes.forms import (
    DIFFICULTY_LABELS,
    FORMAT_LABELS,
    OTHER_TYPE_LABELS,
    QTYPE_LABELS,
    BankForm,
    CategoryForm,
    ConfirmForm,
    ConfirmImportForm,
    ImportForm,
    MoveCategoryForm,
    QuestionFilterForm,
    QuestionForm,
    RenameCategoryForm,
)
from studyhub.quizzes.importers.xlsx import write_template
from studyhub.quizzes.models import Bank, Category, Question, QuestionType, QuestionVersion
from studyhub.quizzes.services import bank as bank_service
from studyhub.quizzes.services import imports
from studyhub.quizzes.services import media as media_service
from studyhub.quizzes.views import bp, grants, managed_committee, managed_committees
from studyhub.web.ids import db_id
from studyhub.web.pagination import paginate
from studyhub.web.saving import committed, errors_on, run_button, writes_on_get
from studyhub.web.storage import current_storage, send_stored
from studyhub.web.uploads import UploadStash

PER_PAGE = 20
PREVIEW_QUESTIONS = 10
MEDIA_CACHE = "private, max-age=31536000, immutable"  # the name is the content's hash
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.app_context_processor
def inject_question_labels():
    return {
        "qtype_labels": QTYPE_LABELS,
        "difficulty_labels": DIFFICULTY_LABELS,
        "other_type_labels": OTHER_TYPE_LABELS,
    }


# Loading and access ------------------------------------------------------------------------


def _bank(bank_id: int) -> tuple[Bank, OrgUnit]:
    bank = db.get_or_404(Bank, bank_id)
    return bank, managed_committee(bank.committee_id)


def _category(category_id: int) -> tuple[Category, Bank, OrgUnit]:
    category = db.get_or_404(Category, category_id)
    return category, *_bank(category.bank_id)


def _question(question_id: int) -> tuple[Question, Bank, OrgUnit]:
    question = db.get_or_404(Question, question_id)
    return question, *_bank(question.bank_id)


def media_url(stored_name: str) -> str:
    bank_id, name = stored_name.split("/", 1)
    return url_for("quizzes.media", bank_id=int(bank_id), name=name)


def _category_choices(tree: list[bank_service.CategoryNode], empty: str) -> list[SelectChoice]:
    return [SelectChoice(0, empty), *(SelectChoice(node.id, node.label) for node in tree)]


# Banks -------------------------------------------------------------------------------------


@bp.get("/banks/")
@login_required
def bank_committees():
    """Where staff start: the banks of their committee (or a choice of committees)."""
    committees = managed_committees()
    if len(committees) == 1:
        return redirect(url_for("quizzes.banks", committee_id=committees[0].id))
    return render_template("quizzes/bank/committees.html", committees=committees)


@bp.route("/committees/<int:committee_id>/banks", methods=["GET", "POST"])
@login_required
def banks(committee_id: int):
    committee = managed_committee(committee_id)
    form = BankForm()
    if form.validate_on_submit():
        with errors_on(form, form.name):
            bank = bank_service.create_bank(
                db.session,
                committee,
                name=form.name.data,
                description=form.description.data or "",
                now=clock.now_utc(),
            )
            return committed(
                _("The bank %(name)s was created.", name=bank.name),
                url_for("quizzes.bank", bank_id=bank.id),
            )
    rows = db.session.execute(queries.banks_of(committee.id)).all()
    return render_template("quizzes/bank/banks.html", committee=committee, rows=rows, form=form)


@bp.get("/banks/<int:bank_id>")
@login_required
def bank(bank_id: int):
    """The bank: its categories and its questions, searched and filtered."""
    bank, committee = _bank(bank_id)
    tree = bank_service.category_tree(db.session, bank)
    form = QuestionFilterForm(request.args)
    form.category.choices = _category_choices(tree, _("All categories"))
    tags = db.session.execute(queries.bank_tags(bank.id)).all()
    form.tag.choices = [SelectChoice("", _("All tags")), *(SelectChoice(n, n) for n, _c in tags)]
    where = queries.QuestionFilter()
    if form.validate():
        chosen = next((node for node in tree if node.id == form.category.data), None)
        where = queries.QuestionFilter(
            text=form.q.data or "",
            category_path=chosen.path if chosen else None,
            qtype=QuestionType(form.qtype.data) if form.qtype.data else None,
            tag=form.tag.data or None,
            difficulty=form.difficulty.data or None,
            is_retired={"live": False, "retired": True}.get(form.status.data),
        )
    page = paginate(
        db.session,
        queries.bank_questions(bank.id, where),
        request.args.get("page", 1, type=int),
        PER_PAGE,
    )
    filters = {
        key: value
        for key, value in request.args.items()
        if key != "page" and value not in ("", "0")
    }
    if filters.get("status") == "live":
        filters.pop("status")
    return render_template(
        "quizzes/bank/bank.html",
        committee=committee,
        bank=bank,
        tree=tree,
        form=form,
        page=page,
        filters=filters,
        tags_by_question=bank_service.tags_of(db.session, [q.id for q in page.items]),
        category_labels={node.id: node.label for node in tree},
        bank_form=BankForm(obj=bank),
    )


@bp.post("/banks/<int:bank_id>/edit")
@login_required
def edit_bank(bank_id: int):
    bank, _committee = _bank(bank_id)
    form = BankForm()
    if not form.validate_on_submit():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("quizzes.bank", bank_id=bank.id))
    return run_button(
        lambda: bank_service.update_bank(
            db.session,
            bank,
            name=form.name.data,
            description=form.description.data or "",
            # only when the page showed the rules: another form leaves them as they are
            match_rules=form.match_rules.data if "match_rules_shown" in request.form else None,
        ),
        _("Saved."),
        url_for("quizzes.bank", bank_id=bank.id),
    )


# Categories --------------------------------------------------------------------------------


@bp.route("/banks/<int:bank_id>/categories", methods=["GET", "POST"])
@login_required
def categories(bank_id: int):
    """The category tree: add by path, rename, move."""
    bank, committee = _bank(bank_id)
    form = CategoryForm()
    if form.validate_on_submit():
        with errors_on(form, form.path):
            category = bank_service.ensure_category(db.session, bank, form.path.data)
            return committed(
                _("The category %(name)s is ready.", name=form.path.data.strip()),
                url_for("quizzes.categories", bank_id=bank.id, _anchor=f"c{category.id}"),
            )
    tree = bank_service.category_tree(db.session, bank)
    return render_template(
        "quizzes/bank/categories.html",
        committee=committee,
        bank=bank,
        tree=tree,
        form=form,
        move_choices=[(0, _("(top level)")), *((node.id, node.label) for node in tree)],
    )


@bp.post("/categories/<int:category_id>/rename")
@login_required
def rename_category(category_id: int):
    category, bank, _committee = _category(category_id)
    form = RenameCategoryForm()
    if not form.validate_on_submit():
        abort(400)
    return run_button(
        lambda: bank_service.rename_category(db.session, category, name=form.name.data),
        _("Renamed."),
        url_for("quizzes.categories", bank_id=bank.id, _anchor=f"c{category_id}"),
    )


@bp.post("/categories/<int:category_id>/move")
@login_required
def move_category(category_id: int):
    category, bank, _committee = _category(category_id)
    form = MoveCategoryForm()
    form.parent_id.choices = [
        SelectChoice(0, ""),
        *(SelectChoice(c.id, c.name) for c in db.session.scalars(queries.categories_of(bank.id))),
    ]
    if not form.validate_on_submit():
        abort(400)
    parent = db.session.get(Category, form.parent_id.data) if form.parent_id.data else None
    return run_button(
        lambda: bank_service.move_category(db.session, category, parent=parent),
        _("Moved."),
        url_for("quizzes.categories", bank_id=bank.id, _anchor=f"c{category_id}"),
    )


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
    form.category_id.choices = _category_choices(tree, _("(no category)"))
    return form


@bp.route("/banks/<int:bank_id>/questions/new", methods=["GET", "POST"])
@login_required
def new_question(bank_id: int):
    bank, committee = _bank(bank_id)
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
    question, bank, committee = _question(question_id)
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
    question, bank, committee = _question(question_id)
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
    question, _bank_, _committee_ = _question(question_id)
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


# Import and export -------------------------------------------------------------------------


def _import_stash(bank: Bank) -> UploadStash:
    return UploadStash("quiz-imports", owner=f"{bank.id}-{current_user.id}")


def _prepare(bank: Bank, path: Path, *, filename: str, file_format: str):
    result = importers.parse(path.read_bytes(), filename=filename, file_format=file_format)
    return imports.prepare_import(db.session, bank, result, media_url=media_url)


def size_limit_text() -> str:
    """The upload limit as people read it (MAX_CONTENT_LENGTH), e.g. "16 MB"."""
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or 0
    return f"{limit / (1024 * 1024):g} MB" if limit else _("no limit")


def _render_import(bank: Bank, committee: OrgUnit, **context):
    context.setdefault("form", ImportForm())
    return render_template(
        "quizzes/bank/import.html",
        committee=committee,
        bank=bank,
        format_labels=FORMAT_LABELS,
        size_limit=size_limit_text(),
        **context,
    )


@bp.route("/banks/<int:bank_id>/import", methods=["GET", "POST"])
@login_required
def import_questions(bank_id: int):
    """Upload a question file: it is checked and shown; nothing is stored before confirming."""
    bank, committee = _bank(bank_id)
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if request.method == "POST" and limit and (request.content_length or 0) > limit:
        return _too_large(bank, committee, limit)
    if request.method == "POST" and "token" in request.form:
        return _confirm_import(bank, committee)
    form = ImportForm()
    if not form.validate_on_submit():
        return _render_import(bank, committee, form=form)
    upload = form.file.data
    filename = Path(upload.filename or "questions").name
    stash = _import_stash(bank)
    token = stash.put(upload.stream, filename=filename, now=clock.now_utc())
    with stash.held(token) as path:
        prepared = _prepare(bank, path, filename=filename, file_format=form.file_format.data)
    skip_invalid = bool(form.skip_invalid.data)
    can_store = prepared.has_work and not prepared.blocks(skip_invalid=skip_invalid)
    # invalid questions found without asking to skip them: offer to import the others
    can_skip = (
        prepared.has_work
        and not skip_invalid
        and not prepared.blocks(skip_invalid=True)
        and prepared.is_blocked
    )
    if not (can_store or can_skip):
        stash.discard(token)
    confirm = ConfirmImportForm(
        token=token,
        filename=filename,
        file_format=form.file_format.data,
        category=form.category.data or "",
        skip_invalid="1" if skip_invalid or can_skip else "",
    )
    return _render_import(
        bank,
        committee,
        form=form,
        prepared=prepared,
        listed=prepared.report(stored=0),
        filename=filename,
        category=form.category.data or "",
        confirm_form=confirm if (can_store or can_skip) else None,
        can_skip=can_skip,
        first_questions=prepared.questions[:PREVIEW_QUESTIONS],
    )


def _too_large(bank: Bank, committee: OrgUnit, limit: int):
    """A file over the limit: the page again with the other fields as they were (up to
    twice the limit the request is still read, then dropped); beyond that the 413 page,
    which states the limit too.
    """
    if (request.content_length or 0) > 2 * limit:
        abort(413)
    request.max_content_length = 2 * limit
    form = ImportForm()
    form.validate_on_submit()
    form.file.errors = [
        _(
            "The file is larger than %(size)s; split it or remove its images.",
            size=size_limit_text(),
        )
    ]
    return _render_import(bank, committee, form=form), 413


def _confirm_import(bank: Bank, committee: OrgUnit):
    """Store a previewed upload; a second confirmation finds the file gone and does nothing."""
    form = ConfirmImportForm()
    if not form.validate_on_submit():
        abort(400)
    path = _import_stash(bank).claim(form.token.data)
    if path is None:
        flash(_("This file was imported already or waited too long; upload it again."), "info")
        return redirect(url_for("quizzes.import_questions", bank_id=bank.id))
    try:
        result = importers.parse(
            path.read_bytes(),
            filename=form.filename.data or path.name,
            file_format=form.file_format.data or "auto",
        )
        report = imports.import_parse_result(
            db.session,
            bank,
            result,
            category_path=form.category.data or None,
            skip_invalid=bool(form.skip_invalid.data),
            confirm_warnings=bool(form.confirm_warnings.data),
            now=clock.now_utc(),
            media_storage=current_storage(),
            media_url=media_url,
            by_user_id=current_user.id,
            file_name=(form.filename.data or path.name)[:100],
        )
    except DomainError as exc:
        db.session.rollback()
        report = imports.ImportReport(errors=[{"line": 0, "message": str(exc)}], is_blocked=True)
    finally:
        path.unlink(missing_ok=True)
    return _render_import(bank, committee, report=report, filename=form.filename.data)


@bp.get("/banks/<int:bank_id>/export")
@login_required
@writes_on_get  # the audit log records every download
def export_questions(bank_id: int):
    """The bank's questions in use (``?category=`` one category and below) as the XLSX template."""
    bank, committee = _bank(bank_id)
    category = None
    if request.args.get("category"):
        category = db.session.get(Category, request.args.get("category", 0, type=db_id))
        if category is None or category.bank_id != bank.id:
            abort(404)
    data = imports.export_questions(db.session, bank, category=category)
    name = f"{bank.name}-{category.name}" if category else bank.name
    record_download(
        db.session,
        committee,
        export="questions",
        file_name=f"{name}.xlsx",
        actor_id=current_user.id,
        now=clock.now_utc(),
        details={"bank": bank.name, "category": category.name if category else None},
    )
    return send_file(
        io.BytesIO(data), as_attachment=True, download_name=f"{name}.xlsx", mimetype=XLSX_MIME
    )


@bp.get("/import-template")
@login_required
def import_template():
    """The empty XLSX template with its instructions."""
    access.require_staff(grants())
    return send_file(
        io.BytesIO(write_template()),
        as_attachment=True,
        download_name="题目导入模板.xlsx",
        mimetype=XLSX_MIME,
    )


# Media -------------------------------------------------------------------------------------


@bp.get("/media/<int:bank_id>/<name>")
@login_required
def media(bank_id: int, name: str):
    """An image or sound of a bank's questions, for the committee's members and staff."""
    row = db.session.scalars(queries.media_by_name(bank_id, f"{bank_id}/{name}")).first()
    if row is None:
        abort(404)
    bank = db.session.get_one(Bank, bank_id)
    committee = db.session.get(OrgUnit, bank.committee_id)
    if committee is None or not access.can_see_committee(grants(), committee):
        abort(404)
    response = send_stored(
        current_storage(), media_service.stored_key(row), mimetype=row.mime_type, etag=row.sha256
    )
    response.headers["Cache-Control"] = MEDIA_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

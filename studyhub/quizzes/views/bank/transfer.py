"""Staff pages that bring questions in and out: import, export, the template, media."""

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

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org import access
from studyhub.org.auditing import record_download
from studyhub.org.models import OrgUnit
from studyhub.quizzes import importers, queries
from studyhub.quizzes.access import load_bank
from studyhub.quizzes.forms import (
    FORMAT_LABELS,
    ConfirmImportForm,
    ImportForm,
)
from studyhub.quizzes.importers.xlsx import write_template
from studyhub.quizzes.models import Bank, Category
from studyhub.quizzes.services import imports
from studyhub.quizzes.services import media as media_service
from studyhub.quizzes.views import bp, grants
from studyhub.quizzes.views.bank.common import (
    MEDIA_CACHE,
    PREVIEW_QUESTIONS,
    XLSX_MIME,
    media_url,
)
from studyhub.web.ids import db_id
from studyhub.web.saving import writes_on_get
from studyhub.web.storage import current_storage, send_stored
from studyhub.web.uploads import UploadStash

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
    bank, committee = load_bank(bank_id)
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
    return _preview(
        bank,
        committee,
        form,
        token=token,
        filename=filename,
        file_format=form.file_format.data,
        category=form.category.data or "",
        skip_invalid=bool(form.skip_invalid.data),
    )


def _preview(
    bank: Bank,
    committee: OrgUnit,
    form: ImportForm,
    *,
    token: str,
    filename: str,
    file_format: str,
    category: str,
    skip_invalid: bool,
    status: int = 200,
):
    """The checked file, and the button to import it when it can be."""
    stash = _import_stash(bank)
    with stash.held(token) as path:
        prepared = _prepare(bank, path, filename=filename, file_format=file_format)
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
        file_format=file_format,
        category=category,
        skip_invalid="1" if skip_invalid or can_skip else "",
    )
    if status != 200:
        confirm.confirm_warnings.errors = [_("Tick the box once you have checked the warnings.")]
    page = _render_import(
        bank,
        committee,
        form=form,
        prepared=prepared,
        listed=prepared.report(stored=0),
        filename=filename,
        category=category,
        confirm_form=confirm if (can_store or can_skip) else None,
        can_skip=can_skip,
        first_questions=prepared.questions[:PREVIEW_QUESTIONS],
    )
    return page, status


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
    stash = _import_stash(bank)
    if not form.confirm_warnings.data and stash.is_held(form.token.data):
        with stash.held(form.token.data) as held:
            prepared = _prepare(
                bank,
                held,
                filename=form.filename.data or held.name,
                file_format=form.file_format.data or "auto",
            )
        if prepared.warnings:  # not confirmed: the preview again, the file kept
            return _preview(
                bank,
                committee,
                ImportForm(formdata=None),
                token=form.token.data,
                filename=form.filename.data or held.name,
                file_format=form.file_format.data or "auto",
                category=form.category.data or "",
                skip_invalid=bool(form.skip_invalid.data),
                status=422,
            )
    path = stash.claim(form.token.data)
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
    bank, committee = load_bank(bank_id)
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

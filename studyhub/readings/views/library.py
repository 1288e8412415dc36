"""Readings pages: the library, for committee staff.

Write with a live preview, schedule the reading of a day or publish now,
unpublish (the columns are ``columns``). Every page belongs to one committee and asks
for the right to manage it (the helpers here are shared with ``images``, ``history`` and
``columns``, the library's other pages).
"""

from __future__ import annotations

from datetime import timedelta

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms import SelectChoice

from studyhub.core import clock
from studyhub.core.errors import NotAllowed
from studyhub.extensions import db
from studyhub.org import queries as org_queries
from studyhub.org.access import grants
from studyhub.org.access import load_managed_committee as managed_committee
from studyhub.org.models import OrgUnit, UnitKind
from studyhub.readings import queries
from studyhub.readings.forms import (
    STATUS_LABELS,
    AttachmentForm,
    ConfirmForm,
    LibraryFilterForm,
    PreviewForm,
    ReadingForm,
    ScheduleForm,
    UploadForm,
)
from studyhub.readings.models import Reading, Upload
from studyhub.readings.services import content, shelf
from studyhub.readings.services import library as library_service
from studyhub.readings.views import bp
from studyhub.web.pagination import paginate
from studyhub.web.saving import committed, errors_on, run_button

PER_PAGE = 20
SCHEDULE_DAYS = 7


def _reading(reading_id: int) -> tuple[Reading, OrgUnit]:
    reading = db.get_or_404(Reading, reading_id)
    return reading, managed_committee(reading.committee_id)


def _timing() -> library_service.StudyTiming:
    config = current_app.config
    return library_service.StudyTiming(
        fraction=config["READING_MIN_FRACTION"],
        floor=config["READING_MIN_SECONDS"],
        ceiling=config["READING_MAX_MIN_SECONDS"],
    )


@bp.app_context_processor
def inject_library_labels():
    return {"reading_status_labels": STATUS_LABELS}


# The list --------------------------------------------------------------------------


@bp.get("/library/")
@login_required
def library_home():
    """Staff of one committee go to its library; admins and others choose."""
    me = grants()
    if me.is_admin:
        committees = list(db.session.scalars(org_queries.committees()))
    else:
        committees = [
            unit
            for unit in db.session.scalars(
                org_queries.units_by_ids([s.unit_id for s in me.managed_units])
            )
            if unit.kind == UnitKind.COMMITTEE
        ]
    if not committees:
        raise NotAllowed(_("The library is for committee staff."))
    if len(committees) == 1:
        return redirect(url_for("readings.library", committee_id=committees[0].id))
    return render_template("readings/library/choose.html", committees=committees)


@bp.get("/library/<int:committee_id>/")
@login_required
def library(committee_id: int):
    committee = managed_committee(committee_id)
    now = clock.now_utc()
    columns = library_service.columns_of(db.session, committee)
    form = LibraryFilterForm(request.args)
    form.column.choices = [SelectChoice(0, _("All columns"))] + [
        SelectChoice(c.id, c.name) for c in columns
    ]
    tags = list(db.session.scalars(queries.tags_of(committee.id)))
    form.tag.choices = [SelectChoice(0, _("All tags"))] + [SelectChoice(t.id, t.name) for t in tags]
    statuses = {s.value for s in library_service.ReadingStatus}
    status = form.status.data if form.status.data in statuses else None
    # Only this committee's columns and tags filter (any other number, even one too
    # large for the database, reads as "all").
    column_id = form.column.data if form.column.data in {c.id for c in columns} else None
    tag_id = form.tag.data if form.tag.data in {t.id for t in tags} else None
    page = paginate(
        db.session,
        queries.library_readings(
            committee.id,
            now=now,
            text=form.q.data,
            column_id=column_id,
            tag_id=tag_id,
            status=status,
        ),
        request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    today = clock.local_date(now, committee.timezone)
    days = [today + timedelta(days=n) for n in range(SCHEDULE_DAYS)]
    scheduled = {
        r.daily_on: r
        for r in db.session.scalars(queries.daily_schedule(committee.id, days[0], days[-1]))
    }
    filters = {
        "q": form.q.data or None,
        "column": column_id,
        "tag": tag_id,
        "status": status,
    }
    return render_template(
        "readings/library/index.html",
        committee=committee,
        form=form,
        page=page,
        filters={k: v for k, v in filters.items() if v},
        statuses={r.id: library_service.reading_status(r, now) for r in page.items},
        schedule=[(day, scheduled.get(day)) for day in days],
        today=today,
    )


# Writing ---------------------------------------------------------------------------


def _reading_choices(form: ReadingForm, committee: OrgUnit, reading: Reading | None) -> None:
    columns = [
        c
        for c in db.session.scalars(queries.columns_of(committee.id))
        if c.is_active or (reading is not None and c.id == reading.column_id)
    ]
    form.column_id.choices = [SelectChoice(0, _("(no column)"))] + [
        SelectChoice(c.id, c.name) for c in columns
    ]
    images = list(db.session.scalars(queries.uploads_of(committee.id).limit(100)))
    if reading is not None and reading.cover_upload_id not in {None, *(i.id for i in images)}:
        images.append(db.session.get(Upload, reading.cover_upload_id))
    form.cover_upload_id.choices = [SelectChoice(0, _("(no cover)"))] + [
        SelectChoice(i.id, i.filename) for i in images
    ]


def _fields(form: ReadingForm) -> library_service.ReadingFields:
    return library_service.ReadingFields(
        title=form.title.data or "",
        body_markdown=form.body_markdown.data or "",
        column_id=form.column_id.data or None,
        author=form.author.data or "",
        source=form.source.data or "",
        summary=form.summary.data or "",
        media_url=form.media_url.data or None,
        cover_upload_id=form.cover_upload_id.data or None,
        tags=library_service.split_tags(form.tags.data),
        media_kind=form.media_kind.data or None,
        media_seconds=form.media_seconds.data,
    )


def _preview(form: ReadingForm) -> str | None:
    """The no-JavaScript preview: the "Preview" button renders the text without saving."""
    if form.is_submitted() and form.preview.data:
        return _preview_html(form.body_markdown.data or "")
    return None


def _preview_html(source: str) -> str:
    """The rendered text, after a note naming any element removed with its content."""
    rendered = content.render_markdown_checked(source)
    return render_template(
        "readings/library/_preview.html",
        html=rendered.html,
        dropped=rendered.dropped,
        tags=", ".join(f"<{name}>" for name in dict.fromkeys(rendered.dropped)),
    )


def _form_page(form: ReadingForm, committee: OrgUnit, reading: Reading | None, preview: str | None):
    now = clock.now_utc()
    return render_template(
        "readings/library/form.html",
        form=form,
        committee=committee,
        reading=reading,
        preview_html=preview,
        status=library_service.reading_status(reading, now) if reading else None,
        schedule_form=ScheduleForm(
            day=(reading.daily_on if reading else None)
            or clock.local_date(now, committee.timezone) + timedelta(days=1)
        ),
        confirm_form=ConfirmForm(),
        upload_form=UploadForm(),
        attachment_form=AttachmentForm(),
        attachments=list(db.session.scalars(shelf.attachments_of(reading.id))) if reading else [],
    )


@bp.route("/library/<int:committee_id>/new", methods=["GET", "POST"])
@login_required
def new_reading(committee_id: int):
    committee = managed_committee(committee_id)
    form = ReadingForm()
    _reading_choices(form, committee, None)
    preview = _preview(form)
    if preview is None and form.validate_on_submit():
        with errors_on(form):
            reading = library_service.create_reading(
                db.session,
                committee,
                _fields(form),
                by_user_id=current_user.id,
                now=clock.now_utc(),
                timing=_timing(),
            )
            return committed(
                _("The reading was saved as a draft."),
                url_for("readings.edit_reading", reading_id=reading.id),
            )
    return _form_page(form, committee, None, preview)


@bp.route("/library/readings/<int:reading_id>/edit", methods=["GET", "POST"])
@login_required
def edit_reading(reading_id: int):
    reading, committee = _reading(reading_id)
    form = ReadingForm(
        data={
            "title": reading.title,
            "column_id": reading.column_id or 0,
            "tags": "、".join(t.name for t in reading.tags),
            "author": reading.author,
            "source": reading.source,
            # An automatic summary (the start of the text) stays automatic.
            "summary": "" if reading.summary == reading.body_text[:120] else reading.summary,
            "media_url": reading.media_url or "",
            "media_kind": reading.media_kind or "",
            "media_seconds": reading.media_seconds,
            "cover_upload_id": reading.cover_upload_id or 0,
            "body_markdown": reading.body_markdown,
        }
        if request.method == "GET"
        else None
    )
    _reading_choices(form, committee, reading)
    preview = _preview(form)
    if preview is None and form.validate_on_submit():
        with errors_on(form):
            library_service.update_reading(
                db.session, reading, _fields(form), now=clock.now_utc(), timing=_timing()
            )
            return committed(_("Saved."), url_for("readings.edit_reading", reading_id=reading.id))
    return _form_page(form, committee, reading, preview)


@bp.post("/library/<int:committee_id>/preview")
@login_required
def preview_reading(committee_id: int):
    """The live preview: the Markdown posted by the editor's script, as sanitised HTML."""
    managed_committee(committee_id)
    form = PreviewForm()
    if not form.validate_on_submit():
        abort(400)
    response = make_response(_preview_html(form.body_markdown.data or ""))
    response.mimetype = "text/html"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# Publishing ------------------------------------------------------------------------


@bp.post("/library/readings/<int:reading_id>/schedule")
@login_required
def schedule_reading(reading_id: int):
    reading, committee = _reading(reading_id)
    form = ScheduleForm()
    if not form.validate_on_submit():
        flash(_("Choose a date."), "error")
        return redirect(url_for("readings.edit_reading", reading_id=reading.id))
    return run_button(
        lambda: library_service.schedule_daily(
            db.session, reading, day=form.day.data, timezone=committee.timezone, now=clock.now_utc()
        ),
        _("This is now the reading of %(day)s.", day=format_date(form.day.data, "long")),
        url_for("readings.edit_reading", reading_id=reading.id),
    )


@bp.post("/library/readings/<int:reading_id>/publish")
@login_required
def publish_reading(reading_id: int):
    reading, _committee_unit = _reading(reading_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    library_service.publish_now(reading, now=clock.now_utc())
    return committed(
        _("Published: members can read it now."),
        url_for("readings.edit_reading", reading_id=reading.id),
    )


@bp.post("/library/readings/<int:reading_id>/unpublish")
@login_required
def unpublish_reading(reading_id: int):
    reading, _committee_unit = _reading(reading_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    library_service.unpublish(reading, now=clock.now_utc())
    return committed(
        _("Unpublished: members no longer see it."),
        url_for("readings.edit_reading", reading_id=reading.id),
    )

"""A member's shelf: searching the library, favourites, and readings' PDF attachments
(staff attach them on the reading's edit page; whoever may see the reading downloads them)."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org import access as org_access
from studyhub.org.access import grants
from studyhub.org.access import load_managed_committee as managed_committee
from studyhub.org.models import OrgUnit
from studyhub.readings.forms import AttachmentForm, FavouriteForm
from studyhub.readings.models import Reading, ReadingAttachment
from studyhub.readings.services import shelf
from studyhub.readings.views import bp
from studyhub.readings.views.member import _require_reader, _visible_reading, reader_of_request
from studyhub.web.saving import committed
from studyhub.web.storage import current_storage, send_stored


@bp.get("/readings/search")
@login_required
def search():
    """Readings whose title or text holds the words asked for."""
    reader = _require_reader()
    text = (request.args.get("q") or "").strip()[: shelf.QUERY_MAX]
    found = []
    if shelf.search_terms(text):
        found = list(
            db.session.scalars(shelf.search_readings(reader, text, now=clock.now_utc())).unique()
        )
    return render_template("readings/search.html", q=text, found=found, limit=shelf.SEARCH_LIMIT)


@bp.get("/readings/favourites")
@login_required
def favourites():
    reader = _require_reader()
    rows = db.session.execute(shelf.favourites_of(reader, clock.now_utc())).unique().all()
    return render_template("readings/favourites.html", rows=rows)


@bp.post("/readings/<int:reading_id>/favourite")
@login_required
def favourite(reading_id: int):
    """Star or unstar a reading the member may see."""
    now = clock.now_utc()
    reader = _require_reader()
    reading = _visible_reading(reading_id, reader, now)
    form = FavouriteForm()
    if not form.validate_on_submit():
        abort(400)
    starred = bool(form.starred.data)
    shelf.set_favourite(db.session, reading, reader=reader, starred=starred, now=now)
    return committed(
        _("Added to your favourites.") if starred else _("Removed from your favourites."),
        url_for("readings.reading", reading_id=reading.id, _anchor="favourite"),
    )


def _may_download(reading: Reading) -> bool:
    """Staff of the reading's committee, or a member who may see the reading now."""
    committee = db.session.get(OrgUnit, reading.committee_id)
    if committee is not None and org_access.can_manage_unit(grants(), committee):
        return True
    reader = reader_of_request()
    if reader is None or reader.committee_id != reading.committee_id:
        return False
    if reading.branch_id not in (None, reader.branch_id):
        return False
    return reading.is_visible(clock.now_utc())


@bp.get("/readings/<int:reading_id>/attachments/<int:attachment_id>")
@login_required
def attachment(reading_id: int, attachment_id: int):
    """A reading's PDF, as a download, to those who may see the reading (404 to others, as
    for the reading itself)."""
    item = db.session.get(ReadingAttachment, attachment_id)
    if item is None or item.reading_id != reading_id:
        abort(404)
    reading = db.session.get(Reading, reading_id)
    if reading is None or not _may_download(reading):
        abort(404)
    response = send_stored(
        current_storage(),
        item.stored_name,
        mimetype=shelf.PDF_MIME,
        etag=item.sha256,
        as_attachment=True,
        download_name=item.filename,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


@bp.post("/library/readings/<int:reading_id>/attachments")
@login_required
def attach(reading_id: int):
    reading = db.get_or_404(Reading, reading_id)
    managed_committee(reading.committee_id)
    form = AttachmentForm()
    back = url_for("readings.edit_reading", reading_id=reading.id, _anchor="attachments")
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "error")
        return redirect(back)
    try:
        shelf.attach_pdf(
            db.session,
            reading,
            form.file.data.stream,
            filename=form.file.data.filename,
            storage=current_storage(),
            max_bytes=current_app.config["READING_ATTACHMENT_MAX_BYTES"],
            by_user_id=current_user.id,
            now=clock.now_utc(),
        )
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(back)
    return committed(_("The PDF is attached."), back)


@bp.post("/library/readings/<int:reading_id>/attachments/<int:attachment_id>/delete")
@login_required
def detach(reading_id: int, attachment_id: int):
    reading = db.get_or_404(Reading, reading_id)
    managed_committee(reading.committee_id)
    if not FlaskForm().validate_on_submit():  # the button's CSRF token
        abort(400)
    shelf.remove_attachment(db.session, reading, attachment_id)
    return committed(
        _("The attachment is removed."),
        url_for("readings.edit_reading", reading_id=reading.id, _anchor="attachments"),
    )

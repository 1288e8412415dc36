"""Readings pages: images for the library (staff upload them, the committee sees them).

An upload answers with the Markdown line to paste (JSON for the editor's
script, a flash message without it). Files are served by their content hash:
members of the committee and its staff only, with the type fixed by the upload
check, ``nosniff``, and a year's private caching.
"""

from __future__ import annotations

from pathlib import Path

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org import access
from studyhub.org.models import OrgUnit
from studyhub.readings import queries
from studyhub.readings.forms import UploadForm
from studyhub.readings.models import Upload
from studyhub.readings.services import uploads
from studyhub.readings.views import bp
from studyhub.readings.views.library import PER_PAGE, grants, managed_committee
from studyhub.web.ids import db_id
from studyhub.web.pagination import paginate
from studyhub.web.storage import current_storage, send_stored

UPLOAD_CACHE = "private, max-age=31536000, immutable"  # the name is the content's hash


def _may_see_committee(grants: access.Grants, committee: OrgUnit) -> bool:
    """Members of the committee, its staff, and those who lead a unit in it."""
    if grants.is_admin:
        return True
    if grants.member_path and grants.member_path.startswith(committee.path):
        return True
    return any(
        s.path.startswith(committee.path) or committee.path.startswith(s.path)
        for s in grants.scopes
    )


def _wants_json() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json"])
    return best == "application/json"


def _snippet(upload: Upload) -> str:
    alt = Path(upload.filename).stem.replace("[", "").replace("]", "") or "image"
    return f"![{alt}]({_upload_url(upload)})"


def _upload_url(upload: Upload) -> str:
    committee_id, name = upload.stored_name.split("/", 1)
    return url_for("readings.upload_file", committee_id=int(committee_id), name=name)


@bp.route("/library/<int:committee_id>/images", methods=["GET", "POST"])
@login_required
def images(committee_id: int):
    """The committee's images, newest first; uploading one gives the Markdown to paste."""
    committee = managed_committee(committee_id)
    form = UploadForm()
    if form.is_submitted():
        error = None
        upload = None
        if not form.validate():
            error = " ".join(str(e) for errors in form.errors.values() for e in errors)
        else:
            try:
                upload = uploads.save_upload(
                    db.session,
                    committee,
                    form.file.data.stream,
                    filename=form.file.data.filename,
                    storage=current_storage(),
                    max_bytes=current_app.config["UPLOAD_MAX_BYTES"],
                    by_user_id=current_user.id,
                    now=clock.now_utc(),
                )
            except DomainError as exc:
                db.session.rollback()
                error = str(exc)
        if _wants_json():
            if upload is None:
                return jsonify(error=error), 400
            return jsonify(id=upload.id, url=_upload_url(upload), markdown=_snippet(upload)), 201
        if upload is None:
            flash(error or _("Choose an image."), "error")
            return redirect(url_for("readings.images", committee_id=committee.id))
        flash(
            _("Uploaded. Paste this into the text: %(snippet)s", snippet=_snippet(upload)),
            "success",
        )
        return redirect(url_for("readings.images", committee_id=committee.id, shown=upload.id))
    page = paginate(
        db.session,
        queries.uploads_of(committee.id),
        request.args.get("page", 1, type=int),
        per_page=PER_PAGE,
    )
    return render_template(
        "readings/library/images.html",
        committee=committee,
        form=form,
        page=page,
        snippets={u.id: _snippet(u) for u in page.items},
        urls={u.id: _upload_url(u) for u in page.items},
        shown=request.args.get("shown", type=db_id),
    )


@bp.get("/uploads/<int:committee_id>/<name>")
@login_required
def upload_file(committee_id: int, name: str):
    """An uploaded image, for the committee's members and staff only."""
    upload = db.session.scalars(queries.upload_by_name(f"{committee_id}/{name}")).first()
    if upload is None:
        abort(404)
    committee = db.session.get(OrgUnit, upload.committee_id)
    if committee is None or not _may_see_committee(grants(), committee):
        abort(404)
    response = send_stored(
        current_storage(), uploads.stored_key(upload), mimetype=upload.mime_type, etag=upload.sha256
    )
    response.headers["Cache-Control"] = UPLOAD_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

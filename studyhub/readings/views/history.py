"""Readings pages: 党史今天 for the library's staff.

Entries shared by every committee (committee None) are shown beside the
committee's own; staff change their committee's entries, administrators the
shared ones too. Imports are checked whole before anything is written.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.org.access import grants, load_managed_committee
from studyhub.org.models import OrgUnit
from studyhub.readings import access, queries
from studyhub.readings.forms import ConfirmForm, HistoryForm, HistoryImportForm
from studyhub.readings.services import history, tables
from studyhub.readings.views import bp
from studyhub.web.saving import committed, errors_on


def _history_fields(form: HistoryForm) -> history.HistoryFields:
    return history.HistoryFields(
        month=form.month.data,
        day=form.day.data,
        year=form.year.data,
        title=form.title.data or "",
        text=form.text.data or "",
    )


def _this_year(committee: OrgUnit) -> int:
    return clock.local_date(clock.now_utc(), committee.timezone).year


@bp.route("/library/<int:committee_id>/history", methods=["GET", "POST"])
@login_required
def history_entries(committee_id: int):
    """One month of 党史今天: shared entries and the committee's own; add one."""
    committee = load_managed_committee(committee_id)
    today = clock.local_date(clock.now_utc(), committee.timezone)
    month = request.args.get("month", type=int) or today.month
    if not 1 <= month <= 12:
        abort(404)
    form = HistoryForm() if request.method == "POST" else HistoryForm(month=month)
    if form.validate_on_submit():
        with errors_on(form):
            entry = history.create_entry(
                db.session, committee.id, _history_fields(form), this_year=today.year
            )
            return committed(
                _("The entry was added."),
                url_for("readings.history_entries", committee_id=committee.id, month=entry.month),
            )
    entries = list(db.session.scalars(queries.history_of_month(committee.id, month)))
    me = grants()
    return render_template(
        "readings/library/history.html",
        committee=committee,
        month=month,
        today=today,
        entries=entries,
        editable={e.id for e in entries if e.committee_id == committee.id or me.is_admin},
        form=form,
        confirm_form=ConfirmForm(),
    )


@bp.route("/library/<int:committee_id>/history/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_history_entry(committee_id: int, entry_id: int):
    committee = load_managed_committee(committee_id)
    entry = access.load_history_entry(committee, entry_id)
    form = HistoryForm(obj=entry if request.method == "GET" else None)
    if form.validate_on_submit():
        with errors_on(form):
            history.update_entry(
                db.session, entry, _history_fields(form), this_year=_this_year(committee)
            )
            return committed(
                _("Saved."),
                url_for("readings.history_entries", committee_id=committee.id, month=entry.month),
            )
    return render_template(
        "readings/library/history_form.html", committee=committee, entry=entry, form=form
    )


@bp.post("/library/<int:committee_id>/history/<int:entry_id>/delete")
@login_required
def delete_history_entry(committee_id: int, entry_id: int):
    committee = load_managed_committee(committee_id)
    entry = access.load_history_entry(committee, entry_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    month = entry.month
    history.delete_entry(db.session, entry)
    return committed(
        _("The entry was deleted."),
        url_for("readings.history_entries", committee_id=committee.id, month=month),
    )


@bp.route("/library/<int:committee_id>/history/import", methods=["GET", "POST"])
@login_required
def import_history(committee_id: int):
    """Import the committee's own entries from CSV or XLSX: all rows or none."""
    committee = load_managed_committee(committee_id)
    form = HistoryImportForm()
    problems = []
    if form.validate_on_submit():
        suffix = Path(form.file.data.filename or "").suffix.lower()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / f"upload{suffix}"
            form.file.data.save(path)
            try:
                rows = history.read_history(path, this_year=_this_year(committee))
                summary = history.import_history(
                    db.session,
                    rows,
                    committee_id=committee.id,
                    actor_id=current_user.id,
                    now=clock.now_utc(),
                    file_name=Path(form.file.data.filename or "").name[:100],
                )
            except tables.ImportRejected as exc:
                db.session.rollback()
                problems = exc.problems
                form.form_errors.append(str(exc))
            except DomainError as exc:
                db.session.rollback()
                form.form_errors.append(str(exc))
            else:
                flash(
                    _(
                        "Imported: %(created)d added, %(updated)d updated, "
                        "%(unchanged)d unchanged.",
                        **summary.as_dict(),
                    ),
                    "success",
                )
                return redirect(url_for("readings.history_entries", committee_id=committee.id))
    return render_template(
        "readings/library/history_import.html",
        committee=committee,
        form=form,
        problems=problems[:100],
        more_problems=max(0, len(problems) - 100),
    )

"""Readings pages: the library's columns (栏目), for committee staff: add, rename, reorder,
switch off."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required

from studyhub.extensions import db
from studyhub.org.access import load_managed_committee as managed_committee
from studyhub.readings import queries
from studyhub.readings.forms import ColumnForm, ConfirmForm
from studyhub.readings.models import ReadingColumn
from studyhub.readings.services import library as library_service
from studyhub.readings.views import bp
from studyhub.web.saving import committed, errors_on, run_button


@bp.route("/library/<int:committee_id>/columns", methods=["GET", "POST"])
@login_required
def columns(committee_id: int):
    committee = managed_committee(committee_id)
    form = ColumnForm()
    if form.validate_on_submit():
        with errors_on(form, form.name):
            column = library_service.create_column(
                db.session, committee, name=form.name.data, description=form.description.data
            )
            return committed(
                _("The column %(name)s was added.", name=column.name),
                url_for("readings.columns", committee_id=committee.id),
            )
    all_columns = library_service.columns_of(db.session, committee)
    return render_template(
        "readings/library/columns.html",
        committee=committee,
        columns=all_columns,
        sizes=dict(db.session.execute(queries.column_sizes(committee.id)).all()),
        form=form,
        confirm_form=ConfirmForm(),
    )


def _column(column_id: int) -> ReadingColumn:
    column = db.get_or_404(ReadingColumn, column_id)
    managed_committee(column.committee_id)
    return column


@bp.post("/library/columns/<int:column_id>")
@login_required
def update_column(column_id: int):
    column = _column(column_id)
    form = ColumnForm()
    url = url_for("readings.columns", committee_id=column.committee_id)
    if not form.validate_on_submit():
        flash(_("Enter a name."), "error")
        return redirect(url)
    return run_button(
        lambda: library_service.update_column(
            db.session, column, name=form.name.data, description=form.description.data
        ),
        _("Saved."),
        url,
    )


@bp.post("/library/columns/<int:column_id>/move")
@login_required
def move_column(column_id: int):
    column = _column(column_id)
    form = ConfirmForm()
    if not form.validate_on_submit() or form.value.data not in ("up", "down"):
        abort(400)
    library_service.move_column(db.session, column, offset=-1 if form.value.data == "up" else 1)
    return redirect(url_for("readings.columns", committee_id=column.committee_id))


@bp.post("/library/columns/<int:column_id>/active")
@login_required
def set_column_active(column_id: int):
    column = _column(column_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    library_service.set_column_active(column, is_active=form.value.data == "1")
    return committed(_("Saved."), url_for("readings.columns", committee_id=column.committee_id))

"""The end of a view that changes something: one service call, then one commit.

A service fails with a :class:`~studyhub.core.errors.DomainError` whose message a
person can read, before the view commits. A form page shows that message on the
form and renders again; a button flashes it and goes back. Nothing is committed
then. Most services check before they change anything, so there is nothing to
undo; a view whose service may fail after it has flushed (a unique constraint
turned into a message) passes ``rollback=True``, so that the page it renders next
reads the database as it was.

A form view::

    if form.validate_on_submit():
        with errors_on(form):
            plan = plans.create_plan(db.session, ...)
            return committed(_("The plan is saved."), url_for("plans.plan", plan_id=plan.id))
    return render_template(...)

A button view::

    return run_button(lambda: plans.publish_plan(...), _("Published."), url_for(...))
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import flash, redirect
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from studyhub.core.errors import DomainError
from studyhub.extensions import db


@contextmanager
def errors_on(form: FlaskForm, *, rollback: bool = False) -> Iterator[None]:
    """Show a :class:`DomainError` raised in the block on ``form`` (after a rollback, if asked).

    The block ends with ``return committed(...)``; when the service fails, the view
    goes on after the block and renders the form with the error.
    """
    try:
        yield
    except DomainError as exc:
        if rollback:
            db.session.rollback()
        form.form_errors.append(str(exc))


def committed(message: str, url: str) -> Response:
    """Commit the unit of work, say ``message`` and go to ``url``."""
    db.session.commit()
    flash(message, "success")
    return redirect(url)


def run_button(
    work: Callable[[], object], message: str | None, url: str, *, rollback: bool = False
) -> Response:
    """Call one service for a POST button, then go to ``url``.

    It commits and says ``message`` (when given), or says why not (after a rollback,
    if asked).
    """
    try:
        work()
    except DomainError as exc:
        if rollback:
            db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        if message:
            flash(message, "success")
    return redirect(url)

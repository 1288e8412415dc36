"""The preview-then-confirm flow of file imports (rosters, past meetings).

An upload is kept in an :class:`~studyhub.web.uploads.UploadStash`, checked in full
and shown; nothing is written until the person who uploaded it confirms. The
confirmation claims the file (once: a second confirmation finds it gone), checks it
again against the database as it is now, and writes it in one transaction; any
error leaves the database as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from flask import abort, flash, redirect
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import HiddenField
from wtforms.validators import DataRequired

from studyhub.core import clock
from studyhub.core.errors import DomainError
from studyhub.extensions import db
from studyhub.web.uploads import UploadStash


class ConfirmImportForm(FlaskForm):
    """Confirms a checked upload, named by the token the preview gave."""

    token = HiddenField(validators=[DataRequired()])
    filename = HiddenField()


class Checked(Protocol):
    """What a checker returns: the file's rows and every problem found."""

    errors: list[Any]


C = TypeVar("C", bound=Checked)
R = TypeVar("R")


@dataclass
class PreviewedImport(Generic[C]):
    """One kind of import, for one unit and user.

    ``check`` reads and checks the file at a path (raising :class:`DomainError` for a
    file it cannot read at all); ``failed`` makes a checked result that carries one such
    message; ``render`` renders the import page with ``form``, ``checked``, ``filename``
    and ``confirm_form`` as given; ``is_ready`` says whether a checked file may be
    confirmed (by default: no errors); ``restart_url`` is where a stale confirmation goes.
    """

    stash: UploadStash
    check: Callable[[Path], C]
    failed: Callable[[str], C]
    render: Callable[..., ResponseReturnValue]
    restart_url: str
    is_ready: Callable[[C], bool] = lambda checked: not checked.errors

    def upload(self, form: FlaskForm) -> ResponseReturnValue:
        """Keep and check the posted file (``form.file``) and show the preview."""
        if not form.validate_on_submit():
            return self.render(form=form)
        upload = form.file.data  # type: ignore[attr-defined]
        filename = Path(upload.filename or "").name
        token = self.stash.put(upload.stream, filename=filename, now=clock.now_utc())
        with self.stash.held(token) as path:
            checked = self._check(path)
        if not self.is_ready(checked):
            self.stash.discard(token)
            return self.render(form=form, checked=checked)
        return self.render(
            checked=checked,
            filename=filename,
            confirm_form=ConfirmImportForm(token=token, filename=filename),
        )

    def confirm(
        self,
        apply: Callable[[C, str], R],
        done: Callable[[R], ResponseReturnValue],
    ) -> ResponseReturnValue:
        """Write a previewed upload with ``apply(checked, filename)`` (the edge commits);
        ``done`` answers with the result. A second confirmation finds the file gone and does
        nothing."""
        form = ConfirmImportForm()
        if not form.validate_on_submit():
            abort(400)
        path = self.stash.claim(form.token.data)
        if path is None:
            flash(_("This file was imported already or waited too long; upload it again."), "info")
            return redirect(self.restart_url)
        try:
            checked = self._check(path)
            if checked.errors:
                return self.render(checked=checked)
            result = apply(checked, (form.filename.data or "")[:100] or path.name)
        except DomainError as exc:
            db.session.rollback()
            return self.render(checked=self.failed(str(exc)))
        finally:
            path.unlink(missing_ok=True)
        return done(result)

    def _check(self, path: Path) -> C:
        try:
            return self.check(path)
        except DomainError as exc:
            return self.failed(str(exc))

"""Forms of the inbox."""

from __future__ import annotations

from flask_wtf import FlaskForm


class MarkAllReadForm(FlaskForm):
    """The "mark all read" button: a CSRF token and nothing else."""

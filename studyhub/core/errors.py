"""Errors that services raise and that views and commands show to people.

The message of a :class:`DomainError` is written for the person using the
app (already translated by the caller's gettext where that applies).
"""

from __future__ import annotations

from dataclasses import dataclass


class DomainError(Exception):
    """A rule of the domain refused the operation; ``str(exc)`` says why."""

    http_status = 400


class NotAllowed(DomainError):
    """The acting user may not do this to this object."""

    http_status = 403


class NotLoggedIn(DomainError):
    """The request's login is no longer valid (logged out elsewhere, disabled, or must change
    its password): log in again."""

    http_status = 401


class NotFound(DomainError):
    """The object does not exist, or the user may not know that it does."""

    http_status = 404


class Conflict(DomainError):
    """The operation clashes with data that already exists."""

    http_status = 409


class Closed(DomainError):
    """The object no longer accepts this operation (a deadline has passed)."""

    http_status = 409


class InvalidInput(DomainError):
    """The input broke a rule that only the service can check."""

    http_status = 400


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem of an imported file, at a row as Excel numbers it (the header is row 1;
    None for the file as a whole) and a column (None for the whole row)."""

    row: int | None
    column: str | None
    message: str

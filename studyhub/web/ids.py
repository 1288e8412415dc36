"""Ids as the database stores them: 32-bit signed integers.

A number outside that range names nothing, but handed to the database it fails
(PostgreSQL: "integer out of range"; SQLite: past 2**63, "too large"), which
would be a 500. The ``int`` URL converter of every route is
:class:`IdConverter`, which does not match such a number (so a 404), and ids
read from a query string use :func:`db_id` (an unusable value reads as absent).
"""

from __future__ import annotations

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # PostgreSQL's INTEGER, the type of every id column


def up_to(limit: int) -> str:
    """A regular expression for the whole numbers from 0 to ``limit`` (no sign).

    The URL converter matches only those, so that a larger number finds no route
    at all (a 404), rather than a route of another method (werkzeug's 405).
    """
    digits = str(limit)
    choices = [rf"\d{{1,{len(digits) - 1}}}"] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        if digit != "0":
            rest = len(digits) - i - 1
            choices.append(f"{digits[:i]}[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    choices.append(digits)
    return "(?:" + "|".join(choices) + ")"


class IdConverter(IntegerConverter):
    """Flask's ``int`` converter, by default bounded to ``0 … MAX_ID`` (never negative)."""

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = MAX_ID,
        signed: bool = False,
    ) -> None:
        super().__init__(map, fixed_digits, min, max, signed)
        if max == MAX_ID and not signed and not fixed_digits:
            self.regex = up_to(MAX_ID)


def db_id(value: str) -> int:
    """``value`` as an id, for ``request.args.get(name, type=db_id)``.

    Raises ``ValueError`` (so ``get`` gives its default) for anything but a whole
    number from 0 to :data:`MAX_ID`.
    """
    number = int(value)
    if not 0 <= number <= MAX_ID:
        raise ValueError(f"not an id: {value!r}")
    return number

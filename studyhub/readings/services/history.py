"""党史今天: short entries keyed by month and day, written by hand or imported.

Entries without a committee are shared by every committee (the demo's set, or
one an administrator imports); a committee may add its own beside them. The
key is (committee, month, day, year, title): importing a file twice changes
nothing, and a changed text under the same key updates the entry.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from studyhub.audit import services as audit
from studyhub.core.errors import Conflict, InvalidInput
from studyhub.org.auditing import in_committee, record_in
from studyhub.readings import queries
from studyhub.readings.models import HistoryEntry
from studyhub.readings.services import today
from studyhub.readings.services.tables import (
    ImportRejected,
    Problem,
    header_key,
    read_table,
    text_of,
)

# The founding year is 1921, but birth anniversaries of the founders (毛泽东 1893,
# 李大钊 1889…) belong to 党史今天 too; the bound only catches typing mistakes.
EARLIEST_YEAR = 1800
TITLE_MAX = 200
TEXT_MAX = 2000

HISTORY_HEADERS: dict[str, tuple[str, ...]] = {
    "month": ("月", "月份"),
    "day": ("日", "日期"),
    "year": ("年", "年份"),
    "title": ("标题", "事件"),
    "text": ("内容", "正文", "简介"),
}
HISTORY_ALIASES = {
    header_key(name): key for key, names in HISTORY_HEADERS.items() for name in (key, *names)
}


@dataclass(frozen=True)
class HistoryFields:
    month: int
    day: int
    year: int
    title: str
    text: str = ""


def check_fields(fields: HistoryFields, *, this_year: int) -> HistoryFields:
    """The fields tidied, or :class:`InvalidInput` saying what is wrong."""
    if not 1 <= fields.month <= 12:
        raise InvalidInput(_l("The month must be between 1 and 12."))
    # 2000 is a leap year: 29 February is a day in history too.
    last = calendar.monthrange(2000, fields.month)[1]
    if not 1 <= fields.day <= last:
        raise InvalidInput(
            _l("Month %(month)d has no day %(day)d.", month=fields.month, day=fields.day)
        )
    if not EARLIEST_YEAR <= fields.year <= this_year:
        raise InvalidInput(
            _l(
                "The year must be between %(first)d and %(last)d.",
                first=EARLIEST_YEAR,
                last=this_year,
            )
        )
    if fields.month == 2 and fields.day == 29 and not calendar.isleap(fields.year):
        raise InvalidInput(_l("%(year)d had no 29 February.", year=fields.year))
    title = " ".join(fields.title.split())
    if not title:
        raise InvalidInput(_l("An entry needs a title."))
    if len(title) > TITLE_MAX:
        raise InvalidInput(_l("The title is too long (%(n)d characters at most).", n=TITLE_MAX))
    text = fields.text.strip()
    if len(text) > TEXT_MAX:
        raise InvalidInput(_l("The text is too long (%(n)d characters at most).", n=TEXT_MAX))
    return HistoryFields(fields.month, fields.day, fields.year, title, text)


def _taken(session: Session, committee_id: int | None, fields: HistoryFields) -> int | None:
    entry = session.scalars(
        queries.history_entry(committee_id, fields.month, fields.day, fields.year, fields.title)
    ).first()
    return entry.id if entry else None


def create_entry(
    session: Session, committee_id: int | None, fields: HistoryFields, *, this_year: int
) -> HistoryEntry:
    """A new entry of the committee (or shared by all when ``committee_id`` is None)."""
    fields = check_fields(fields, this_year=this_year)
    if _taken(session, committee_id, fields) is not None:
        raise Conflict(_l("This entry is already there."))
    entry = HistoryEntry(committee_id=committee_id, **asdict(fields))
    session.add(entry)
    session.flush()
    today.forget_history()
    return entry


def update_entry(
    session: Session, entry: HistoryEntry, fields: HistoryFields, *, this_year: int
) -> None:
    fields = check_fields(fields, this_year=this_year)
    taken = _taken(session, entry.committee_id, fields)
    if taken is not None and taken != entry.id:
        raise Conflict(_l("This entry is already there."))
    for name, value in asdict(fields).items():
        setattr(entry, name, value)
    session.flush()
    today.forget_history()


def delete_entry(session: Session, entry: HistoryEntry) -> None:
    session.delete(entry)
    session.flush()
    today.forget_history()


# Import -----------------------------------------------------------------------------


@dataclass
class HistorySummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _number(value: Any) -> int:
    text = text_of(value).removesuffix("月").removesuffix("日").removesuffix("年")
    return int(text)


def read_history(path: Path, *, this_year: int) -> list[tuple[str, HistoryFields]]:
    """Every row of a CSV or XLSX file, checked; :class:`ImportRejected` lists all problems."""
    rows: list[tuple[str, HistoryFields]] = []
    problems: list[Problem] = []
    seen: dict[tuple[int, int, int, str], str] = {}
    for number, values in read_table(path, HISTORY_ALIASES):
        where = str(_l("row %(n)d", n=number))
        try:
            month, day, year = (_number(values.get(k)) for k in ("month", "day", "year"))
        except ValueError:
            problems.append(Problem(where, str(_l("Month, day and year must be numbers."))))
            continue
        try:
            fields = check_fields(
                HistoryFields(
                    month=month,
                    day=day,
                    year=year,
                    title=text_of(values.get("title")),
                    text=text_of(values.get("text")),
                ),
                this_year=this_year,
            )
        except InvalidInput as exc:
            problems.append(Problem(where, str(exc)))
            continue
        key = (fields.month, fields.day, fields.year, fields.title)
        if key in seen:
            problems.append(
                Problem(where, str(_l("The same entry is also in %(other)s.", other=seen[key])))
            )
            continue
        seen[key] = where
        rows.append((where, fields))
    if problems:
        raise ImportRejected(problems)
    if not rows:
        raise InvalidInput(_l("The file holds no entries."))
    return rows


def import_history(
    session: Session,
    rows: list[tuple[str, HistoryFields]],
    *,
    committee_id: int | None,
    actor_id: int | None,
    now: datetime,
    file_name: str = "",
    progress: Callable[[int], None] | None = None,
) -> HistorySummary:
    """Add the checked rows, update changed texts, leave identical entries alone.

    The import is recorded in the committee's audit log (entries shared by every
    committee: at the root, which system admins see).
    """
    summary = HistorySummary()
    today.forget_history()
    existing = {
        (e.month, e.day, e.year, e.title): e
        for e in session.scalars(queries.history_of_committee(committee_id))
    }
    for _where, fields in rows:
        entry = existing.get((fields.month, fields.day, fields.year, fields.title))
        if entry is None:
            session.add(HistoryEntry(committee_id=committee_id, **asdict(fields)))
            summary.created += 1
        elif entry.text != fields.text:
            entry.text = fields.text
            summary.updated += 1
        else:
            summary.unchanged += 1
        if progress is not None:
            progress(1)
    session.flush()
    details = {"file": file_name, **summary.as_dict()}
    if committee_id is None:
        audit.record(
            session,
            "history.imported",
            actor_id=actor_id,
            now=now,
            object_type="history",
            summary=file_name,
            details=details,
        )
    else:
        record_in(
            session,
            in_committee(session, committee_id),
            "history.imported",
            actor_id=actor_id,
            now=now,
            object_type="history",
            summary=file_name,
            details=details,
        )
    return summary

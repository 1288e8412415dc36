"""Bulk import of readings: an XLSX sheet or a folder of Markdown files with front matter.

Everything is read and checked first; only a file without a single problem is
written, in one transaction (the caller commits). Each problem names its row or
file. Importing the same file again changes nothing: a reading whose title is
already in the library with the same text (and the same day, when the row has
one) is skipped, and one with the same title but another text or day is
reported as a clash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyhub.core.errors import InvalidInput
from studyhub.org.auditing import record_in
from studyhub.org.models import OrgUnit
from studyhub.readings.models import Reading, ReadingColumn
from studyhub.readings.services import library
from studyhub.readings.services.tables import (
    ImportRejected,
    Problem,
    header_key,
    parse_day,
    read_table,
    text_of,
)

MAX_ROWS = 5000
TITLE_MAX = 200
MEDIA_URL_MAX = 500

READING_HEADERS: dict[str, tuple[str, ...]] = {
    "title": ("标题", "题目"),
    "column": ("栏目",),
    "body": ("正文", "内容"),
    "author": ("作者",),
    "source": ("来源",),
    "tags": ("标签",),
    "date": ("日期", "每日一读日期"),
    "media_url": ("音视频链接", "音频链接", "视频链接", "media", "media_url"),
}
READING_ALIASES = {
    header_key(name): key for key, names in READING_HEADERS.items() for name in (key, *names)
}


@dataclass
class ReadingRow:
    where: str
    title: str
    body: str
    column: str = ""
    author: str = ""
    source: str = ""
    tags: list[str] = field(default_factory=list)
    day: date | None = None
    media_url: str | None = None


def _tags_of(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [text_of(v) for v in value if text_of(v)]
    return library.split_tags(text_of(value))


def _reading_row(where: str, values: dict[str, Any], problems: list[Problem]) -> ReadingRow:
    try:
        day = parse_day(values.get("date"))
    except ValueError:
        problems.append(
            Problem(where, str(_l("%(value)s is not a date.", value=text_of(values.get("date")))))
        )
        day = None
    return ReadingRow(
        where=where,
        title=" ".join(text_of(values.get("title")).split()),
        body=str(values.get("body") or "").strip("\n"),
        column=text_of(values.get("column")),
        author=text_of(values.get("author")),
        source=text_of(values.get("source")),
        tags=_tags_of(values.get("tags")),
        day=day,
        media_url=text_of(values.get("media_url")) or None,
    )


def read_readings_xlsx(path: Path) -> tuple[list[ReadingRow], list[Problem]]:
    rows: list[ReadingRow] = []
    problems: list[Problem] = []
    for number, values in read_table(path, READING_ALIASES):
        rows.append(_reading_row(str(_l("row %(n)d", n=number)), values, problems))
    return rows, problems


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """YAML front matter between ``---`` lines at the top, and the Markdown after it."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return {}, text
    for index in range(1, len(lines)):
        if lines[index].strip() in ("---", "..."):
            meta = yaml.safe_load("".join(lines[1:index])) or {}
            if not isinstance(meta, dict):
                raise ValueError("the front matter is not a mapping")
            return meta, "".join(lines[index + 1 :])
    raise ValueError("the front matter has no closing ---")


def read_markdown_folder(path: Path) -> tuple[list[ReadingRow], list[Problem]]:
    """One reading per ``*.md`` file in the folder (not below it), in name order."""
    rows: list[ReadingRow] = []
    problems: list[Problem] = []
    files = sorted(p for p in path.iterdir() if p.suffix.lower() == ".md" and p.is_file())
    if not files:
        raise InvalidInput(_l("There is no .md file in %(folder)s.", folder=str(path)))
    for file in files:
        try:
            meta, body = split_front_matter(file.read_text(encoding="utf-8-sig"))
        except UnicodeDecodeError:
            problems.append(Problem(file.name, str(_l("The file is not UTF-8 text."))))
            continue
        except (yaml.YAMLError, ValueError) as exc:
            problems.append(
                Problem(file.name, str(_l("The front matter is not valid: %(error)s", error=exc)))
            )
            continue
        values = {READING_ALIASES.get(header_key(k), str(k)): v for k, v in meta.items()}
        values["body"] = body
        rows.append(_reading_row(file.name, values, problems))
    return rows, problems


def read_readings(path: Path) -> tuple[list[ReadingRow], list[Problem]]:
    """Rows of an XLSX file or of a folder of Markdown files."""
    if path.is_dir():
        return read_markdown_folder(path)
    if path.suffix.lower() != ".xlsx":
        raise InvalidInput(_l("Import an .xlsx file or a folder of .md files."))
    return read_readings_xlsx(path)


@dataclass
class ReadingPlan:
    """What a checked import will do."""

    committee: OrgUnit
    create: list[ReadingRow]
    unchanged: list[ReadingRow]
    new_columns: list[str]


@dataclass
class ImportSummary:
    created: int = 0
    scheduled: int = 0
    published: int = 0
    unchanged: int = 0
    columns_created: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _check_row(row: ReadingRow, problems: list[Problem]) -> None:
    def bad(message: Any) -> None:
        problems.append(Problem(row.where, str(message)))

    if not row.title:
        bad(_l("The title is missing."))
    elif len(row.title) > TITLE_MAX:
        bad(_l("The title is too long (%(n)d characters at most).", n=TITLE_MAX))
    if not row.body.strip():
        bad(_l("The text is missing."))
    if len(row.column) > library.COLUMN_NAME_MAX:
        bad(
            _l("The column name is too long (%(n)d characters at most).", n=library.COLUMN_NAME_MAX)
        )
    for tag in row.tags:
        if len(tag) > library.TAG_NAME_MAX:
            bad(
                _l(
                    "The tag %(tag)s is too long (%(n)d characters at most).",
                    tag=tag,
                    n=library.TAG_NAME_MAX,
                )
            )
    if row.media_url and (
        not row.media_url.startswith(("https://", "http://")) or len(row.media_url) > MEDIA_URL_MAX
    ):
        bad(_l("The audio or video link must start with https://."))


def check_readings(
    session: Session,
    committee: OrgUnit,
    rows: list[ReadingRow],
    problems: list[Problem],
    *,
    create_columns: bool,
) -> ReadingPlan:
    """Check every row against the file and the library; :class:`ImportRejected` if any fails."""
    problems = list(problems)
    if not rows and not problems:
        raise InvalidInput(_l("The file holds no readings."))
    if len(rows) > MAX_ROWS:
        raise InvalidInput(_l("Import at most %(n)d readings at a time.", n=MAX_ROWS))
    for row in rows:
        _check_row(row, problems)

    first_by_title: dict[str, ReadingRow] = {}
    first_by_day: dict[date, ReadingRow] = {}
    for row in rows:
        if row.title in first_by_title and row.title:
            problems.append(
                Problem(
                    row.where,
                    str(
                        _l(
                            "The title is the same as in %(other)s.",
                            other=first_by_title[row.title].where,
                        )
                    ),
                )
            )
        first_by_title.setdefault(row.title, row)
        if row.day is not None:
            if row.day in first_by_day:
                problems.append(
                    Problem(
                        row.where,
                        str(
                            _l(
                                "%(day)s is also the date of %(other)s.",
                                day=row.day.isoformat(),
                                other=first_by_day[row.day].where,
                            )
                        ),
                    )
                )
            first_by_day.setdefault(row.day, row)

    columns = {c.name: c for c in session.scalars(library_columns(committee.id))}
    new_columns: list[str] = []
    for row in rows:
        if not row.column:
            continue
        column = columns.get(row.column)
        if column is None:
            if create_columns:
                if row.column not in new_columns:
                    new_columns.append(row.column)
            else:
                problems.append(
                    Problem(
                        row.where,
                        str(
                            _l(
                                "There is no column called %(name)s "
                                "(add it first, or import with --create-columns).",
                                name=row.column,
                            )
                        ),
                    )
                )
        elif not column.is_active:
            problems.append(
                Problem(row.where, str(_l("The column %(name)s is closed.", name=row.column)))
            )

    existing = _existing_by_title(session, committee.id, [r.title for r in rows if r.title])
    unchanged: list[ReadingRow] = []
    create: list[ReadingRow] = []
    for row in rows:
        reading = existing.get(row.title)
        if reading is None:
            create.append(row)
            continue
        # A row without a day leaves alone the day staff may have given the reading since.
        same_day = row.day is None or row.day == reading.daily_on
        if reading.body_markdown.strip() == row.body.strip() and same_day:
            unchanged.append(row)
        else:
            problems.append(
                Problem(
                    row.where,
                    str(
                        _l(
                            "A different reading called %(title)s is already in the library.",
                            title=row.title,
                        )
                    ),
                )
            )
    days = [r.day for r in create if r.day is not None]
    for day, title in _daily_titles(session, committee.id, days):
        problems.append(
            Problem(
                first_by_day[day].where,
                str(
                    _l(
                        "%(day)s already has a reading of the day: %(title)s.",
                        day=day.isoformat(),
                        title=title,
                    )
                ),
            )
        )
    if problems:
        raise ImportRejected(problems)
    return ReadingPlan(
        committee=committee, create=create, unchanged=unchanged, new_columns=new_columns
    )


def library_columns(committee_id: int):
    return select(ReadingColumn).where(ReadingColumn.committee_id == committee_id)


def _chunks(items: list[Any], size: int = 500) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_by_title(
    session: Session, committee_id: int, titles: list[str]
) -> dict[str, Reading]:
    found: dict[str, Reading] = {}
    for chunk in _chunks(sorted(set(titles))):
        for reading in session.scalars(
            select(Reading).where(Reading.committee_id == committee_id, Reading.title.in_(chunk))
        ):
            found.setdefault(reading.title, reading)
    return found


def _daily_titles(session: Session, committee_id: int, days: list[date]) -> list[tuple[date, str]]:
    taken: list[tuple[date, str]] = []
    for chunk in _chunks(sorted(set(days))):
        taken.extend(
            (day, title)
            for day, title in session.execute(
                select(Reading.daily_on, Reading.title)
                .where(Reading.committee_id == committee_id, Reading.daily_on.in_(chunk))
                .order_by(Reading.daily_on)
            )
        )
    return taken


def write_readings(
    session: Session,
    plan: ReadingPlan,
    *,
    by_user_id: int | None,
    now: datetime,
    timing: library.StudyTiming,
    publish_undated: bool,
    file_name: str = "",
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Write a checked plan: new columns, then the readings (scheduled when dated); recorded
    in the committee's audit log by ``by_user_id`` (None: a command)."""
    committee = plan.committee
    summary = ImportSummary(unchanged=len(plan.unchanged))
    for name in plan.new_columns:
        library.create_column(session, committee, name=name)
        summary.columns_created.append(name)
    column_ids = {c.name: c.id for c in session.scalars(library_columns(committee.id))}
    for row in plan.create:
        reading = library.create_reading(
            session,
            committee,
            library.ReadingFields(
                title=row.title,
                body_markdown=row.body,
                column_id=column_ids[row.column] if row.column else None,
                author=row.author,
                source=row.source,
                media_url=row.media_url,
                tags=row.tags,
            ),
            by_user_id=by_user_id,
            now=now,
            timing=timing,
        )
        summary.created += 1
        if row.day is not None:
            library.schedule_daily(
                session, reading, day=row.day, timezone=committee.timezone, now=now
            )
            summary.scheduled += 1
        elif publish_undated:
            library.publish_now(reading, now=now)
            summary.published += 1
        if progress is not None:
            progress(1)
    session.flush()
    record_in(
        session,
        committee,
        "readings.imported",
        actor_id=by_user_id,
        now=now,
        object_type="org_unit",
        object_id=committee.id,
        summary=file_name or committee.name,
        details={"file": file_name, **summary.as_dict()},
    )
    return summary

"""Reading the files of a readings import: an XLSX sheet or a folder of Markdown files with
front matter, into rows and the problems found in them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from flask_babel import lazy_gettext as _l

from studyhub.core.errors import InvalidInput
from studyhub.readings.services import library
from studyhub.readings.services.tables import (
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

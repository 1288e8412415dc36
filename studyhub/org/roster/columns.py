"""The roster file's columns, the entries a checked row becomes, and the import's result."""

from __future__ import annotations

import enum
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from studyhub.core.errors import InvalidInput, RowError
from studyhub.org import services
from studyhub.org.models import MemberStatus

DEFAULT_MAX_ROWS = 20000
BATCH = 500
NAME_MAX = 64  # the width of user.name
POSITION_MAX = 64

# The template's column names, in order; the keys are the English names also accepted.
HEADERS: dict[str, str] = {
    "name": "姓名",
    "phone": "手机号",
    "member_no": "党员编号",
    "status": "党员类型",
    "joined_on": "入党日期",
    "branch": "所属支部",
    "group": "党小组",
    "position": "职务",
}
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("名字", "党员姓名"),
    "phone": ("手机", "手机号码", "联系电话", "电话", "电话号码", "移动电话", "mobile"),
    "member_no": ("编号", "党员号", "人员编号", "member_number", "number"),
    "status": ("党员类别", "人员类别", "类别", "类型"),
    "joined_on": ("入党时间", "join_date", "joined"),
    "branch": ("支部", "党支部", "所属党支部", "所在支部", "所在党支部", "支部名称"),
    "group": ("所属党小组", "所在党小组", "小组"),
    "position": ("党内职务", "职位"),
}
HEADER_ALIASES: dict[str, str] = {
    alias.lower(): key
    for key, header in HEADERS.items()
    for alias in (key, header, *_SYNONYMS[key])
}

STATUS_VALUES: dict[str, MemberStatus] = {
    "正式党员": MemberStatus.FULL,
    "正式": MemberStatus.FULL,
    "中共党员": MemberStatus.FULL,
    "full": MemberStatus.FULL,
    "预备党员": MemberStatus.PROBATIONARY,
    "预备": MemberStatus.PROBATIONARY,
    "中共预备党员": MemberStatus.PROBATIONARY,
    "probationary": MemberStatus.PROBATIONARY,
}
STATUS_LABELS = {MemberStatus.FULL: "正式党员", MemberStatus.PROBATIONARY: "预备党员"}

# Row 2 of the template; a row equal to it in name and phone is skipped.
EXAMPLE = {
    "name": "张三（示例）",
    "phone": "13900000000",
    "member_no": "D0001",
    "status": "正式党员",
    "joined_on": date(2001, 7, 1),
    "branch": "第一党支部",
    "group": "第一党小组",
    "position": "",
}

DATE_RE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*(?:[-/.月]\s*(\d{1,2})\s*日?|月)?$")
TIME_SUFFIX_RE = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2})?$")
PATH_SEPARATORS = re.compile(r"[/／\\>＞]")


class RosterFileError(InvalidInput):
    """The file as a whole cannot be read: wrong kind, encoding or columns."""


class Action(enum.StrEnum):
    NEW = "new"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True, slots=True)
class RosterEntry:
    """A checked row: the member's values and where they belong."""

    row: int
    fields: services.MemberFields
    branch_id: int
    group_id: int | None
    place: str
    member_id: int | None
    action: Action


@dataclass
class CheckedRoster:
    entries: list[RosterEntry]
    errors: list[RowError]

    def count(self, action: Action | str) -> int:
        return sum(1 for entry in self.entries if entry.action == action)


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [asdict(error) for error in self.errors],
        }

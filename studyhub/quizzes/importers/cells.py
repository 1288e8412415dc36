"""A spreadsheet cell as the text its author saw, not its stored value.

Excel keeps what a person typed as a typed value plus a number format: typing
"7月1日" in Chinese Excel stores the date 2021-07-01 with the format
``m"月"d"日"``, and typing 1921 stores the number 1921.0. An answer is the text the
author saw, so :func:`displayed_text` renders the value through its format
(dates, times, fixed decimals, percentages, thousands separators; other numbers
as Excel's General format shows them). It never returns a Python ``str()`` of a
datetime such as "2021-07-01 00:00:00".
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from typing import Any

from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import from_excel

#: Built-in format ids openpyxl does not know: the East Asian (zh-CN) date and time
#: formats of ECMA-376 Part 1, 18.8.30, which Chinese Excel writes by id only.
ZH_CN_FORMATS = {
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"', 32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"', 36: 'yyyy"年"m"月"',
    50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"', 58: 'm"月"d"日"',
}  # fmt: skip
_TOKEN = re.compile(
    r'"[^"]*"|\\.|\[[^\]]*\]|yyyy|yy|mmmm|mmm|mm|m|dddd|ddd|dd|d|hh|h|ss|s|'
    r"AM/PM|am/pm|A/P|上午/下午|0+|.",
    re.IGNORECASE,
)
_WEEKDAYS = "一二三四五六日"


def number_format(cell: Any) -> str:
    """The cell's format code, including the zh-CN built-ins openpyxl reads as General."""
    style = getattr(cell, "style_array", None)
    format_id = getattr(style, "numFmtId", None)
    if format_id is not None and format_id in ZH_CN_FORMATS:
        return ZH_CN_FORMATS[format_id]
    if format_id is not None and format_id < 164 and format_id not in BUILTIN_FORMATS:
        return "General"
    return getattr(cell, "number_format", None) or "General"


def displayed_text(cell: Any, *, epoch: datetime | None = None) -> str:
    """What Excel shows in ``cell`` (a read-only or normal openpyxl cell, or a plain value)."""
    value = getattr(cell, "value", cell)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    code = number_format(cell) if hasattr(cell, "value") else "General"
    section = _first_section(code)
    if isinstance(value, int | float) and is_date_format(section) and not _is_general(section):
        try:
            value = from_excel(value, epoch) if epoch else from_excel(value)
        except (ValueError, OverflowError):
            return general(value)
    if isinstance(value, datetime | date | time | timedelta):
        return format_date(value, section)
    if isinstance(value, int | float):
        return format_number(value, section)
    return str(value)


def _first_section(code: str) -> str:
    sections = re.split(r';(?=(?:[^"]*"[^"]*")*[^"]*$)', code)
    return sections[0] if sections else code


def _is_general(code: str) -> bool:
    return code.strip().lower() in ("general", "@", "")


def general(value: float) -> str:
    """A number as Excel's General format shows it: no ".0", at most 11 significant digits."""
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    text = f"{value:.11g}"
    if "e" in text:
        return text
    return text.rstrip("0").rstrip(".") if "." in text else text


def format_number(value: float, code: str) -> str:
    if _is_general(code):
        return general(value)
    plain = re.sub(r'"[^"]*"|\\.|\[[^\]]*\]', "", code)
    percent = "%" in plain
    if percent:
        value = value * 100
    decimals = 0
    if "." in plain:
        decimals = len(re.match(r"[0#?]*", plain.split(".", 1)[1]).group(0))
    if not re.search(r"[0#?]", plain):
        return general(value)
    grouped = "," in plain.split(".")[0]
    text = f"{value:,.{decimals}f}" if grouped else f"{value:.{decimals}f}"
    literal = "".join(m[1:-1] for m in re.findall(r'"[^"]*"', code))
    return text + ("%" if percent else "") + literal


def format_date(value: datetime | date | time | timedelta, code: str) -> str:
    """A date or time through an Excel date format code."""
    if isinstance(value, timedelta):
        value = datetime(1899, 12, 30) + value
    if _is_general(code):
        if isinstance(value, datetime):
            return (
                value.strftime("%Y/%m/%d")
                if value.time() == time()
                else value.strftime("%Y/%m/%d %H:%M:%S")
            )
        return value.isoformat()
    moment = value if isinstance(value, datetime) else None
    day = moment.date() if moment else (value if isinstance(value, date) else None)
    clock = value if isinstance(value, time) else (moment.time() if moment else time())
    tokens = [t for t in _TOKEN.findall(code)]
    has_meridiem = any(t.lower() in ("am/pm", "a/p") or t == "上午/下午" for t in tokens)
    out: list[str] = []
    for index, token in enumerate(tokens):
        lower = token.lower()
        if token.startswith('"'):
            out.append(token[1:-1])
        elif token.startswith("\\"):
            out.append(token[1:])
        elif token.startswith("["):
            continue  # locale, colour or condition
        elif lower in ("yyyy", "yy") and day:
            out.append(str(day.year) if lower == "yyyy" else f"{day.year % 100:02d}")
        elif lower in ("m", "mm") and _is_minute(tokens, index):
            out.append(f"{clock.minute:02d}" if lower == "mm" else str(clock.minute))
        elif lower in ("m", "mm", "mmm", "mmmm") and day:
            month = day.month
            out.append({"m": str(month), "mm": f"{month:02d}"}.get(lower, f"{month}月"))
        elif lower in ("d", "dd") and day:
            out.append(str(day.day) if lower == "d" else f"{day.day:02d}")
        elif lower in ("ddd", "dddd") and day:
            out.append(("周" if lower == "ddd" else "星期") + _WEEKDAYS[day.weekday()])
        elif lower in ("h", "hh"):
            hour = clock.hour % 12 or 12 if has_meridiem else clock.hour
            out.append(str(hour) if lower == "h" else f"{hour:02d}")
        elif lower in ("s", "ss"):
            out.append(str(clock.second) if lower == "s" else f"{clock.second:02d}")
        elif token == "上午/下午":
            out.append("上午" if clock.hour < 12 else "下午")
        elif lower in ("am/pm", "a/p"):
            mark = "AM" if clock.hour < 12 else "PM"
            out.append(mark if lower == "am/pm" else mark[0])
        elif token == "0" * len(token) and out and out[-1].isdigit():
            continue  # fractions of a second
        else:
            out.append(token)
    return "".join(out)


def _is_minute(tokens: list[str], index: int) -> bool:
    """``m`` right after an hour or right before seconds is minutes (Excel's rule)."""
    for step in (-1, 1):
        position = index + step
        while 0 <= position < len(tokens):
            lower = tokens[position].lower()
            if lower in ("h", "hh") and step == -1:
                return True
            if lower in ("s", "ss") and step == 1:
                return True
            if re.fullmatch(r"[a-z]+", lower) or lower in ("yyyy", "yy", "d", "dd"):
                break
            position += step
    return False

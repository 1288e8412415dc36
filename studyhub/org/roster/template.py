"""The roster template (.xlsx or .csv) with the unit's branches and groups."""

from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy.orm import Session

from studyhub.org.models import OrgUnit
from studyhub.org.roster.checking import Units
from studyhub.org.roster.columns import EXAMPLE, HEADERS
from studyhub.web.spreadsheets import csv_value, openpyxl_cell, style_template_sheet

# The template ----------------------------------------------------------------------------

INSTRUCTIONS = [
    "党员名册导入说明",
    "1. 第1行是列名，请不要修改；第2行是示例，导入时会被忽略，可以直接覆盖或删除。",
    "2. 必填：姓名、所属支部；手机号和党员编号至少填一项（用于登录）。",
    "3. 手机号：11位大陆手机号。新党员导入后没有密码：支部书记打印本支部的激活凭条，"
    "党员凭激活码自行设置密码。",
    "4. 党员编号：字母、数字或短横线，最多32位。再次导入时按党员编号更新已有党员，"
    "没有党员编号的行按手机号更新。",
    "5. 党员类型：正式党员 或 预备党员；不填时新党员记为正式党员，已有党员保持不变。",
    "6. 入党日期：如 2001-07-01、2001/7/1、2001年7月1日、2001.07.01；只写年月时记为当月1日。",
    "7. 所属支部：填写支部全称；有重名的支部时写成“党总支名称/支部名称”。",
    "8. 党小组：填写该支部下的党小组名称，可不填。职务：可不填。",
    "9. 手机号、党员编号、党员类型留空时保持原值；入党日期、党小组、职务留空时清除原值。",
    "10. 只要有一行有错，整个文件都不会导入；请按错误报告修改后重新导入。"
    "重复导入同一文件不会产生重复数据。",
    "11. 也可以另存为 CSV（UTF-8 或 GB18030 编码）后导入。",
]


def template_units(session: Session, committee: OrgUnit) -> list[tuple[str, list[str]]]:
    """(branch name, its group names) for the committee's active branches, in tree order."""
    units = Units(session, committee)
    groups: dict[int, list[str]] = {}
    for (branch_id, _name), group_id in units.groups.items():
        groups.setdefault(branch_id, []).append(units.names[group_id])
    out = []
    for name, found in sorted(units.branches.items()):
        for chain, branch_id in found:
            label = "/".join(chain[-2:]) if len(found) > 1 else name
            out.append((label, sorted(groups.get(branch_id, []))))
    return out


def build_template(session: Session, committee: OrgUnit, *, kind: str = "xlsx") -> io.BytesIO:
    """The import template: column names, an example row and, in XLSX, instructions."""
    branches = template_units(session, committee)
    example = dict(EXAMPLE)
    if branches:
        example["branch"] = branches[0][0]
        example["group"] = branches[0][1][0] if branches[0][1] else ""
    if kind == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow(HEADERS.values())
        writer.writerow([csv_value(v) for v in example.values()])
        return io.BytesIO(text.getvalue().encode("utf-8-sig"))
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "党员名册"
    sheet.append(list(HEADERS.values()))
    sheet.append([openpyxl_cell(sheet, v) for v in example.values()])
    style_template_sheet(sheet)
    for letter, width in zip("ABCDEFGH", (10, 14, 12, 10, 12, 24, 14, 12), strict=True):
        sheet.column_dimensions[letter].width = width
    for letter in "BC":  # text, so Excel neither rounds phones nor drops leading zeros
        sheet.column_dimensions[letter].number_format = "@"
    sheet["E2"].number_format = "yyyy-mm-dd"
    status_list = DataValidation(type="list", formula1='"正式党员,预备党员"', allow_blank=True)
    sheet.add_data_validation(status_list)
    status_list.add("D2:D20001")
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("填写说明")
    for line in INSTRUCTIONS:
        notes.append([line])
    notes["A1"].font = Font(bold=True)
    notes.append([])
    notes.append([openpyxl_cell(notes, f"{committee.name}的支部和党小组："), ""])
    notes.append(["所属支部", "党小组"])
    for branch, group_names in branches:
        notes.append([openpyxl_cell(notes, v) for v in (branch, "、".join(group_names))])
    notes.column_dimensions["A"].width = 40
    notes.column_dimensions["B"].width = 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    return buffer

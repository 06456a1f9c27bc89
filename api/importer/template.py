"""The blank import template: the official's columns, dropdowns for the closed vocabularies.

Identifier columns are text-formatted so spreadsheets keep 18-digit numbers exact.
"""

from __future__ import annotations

import io

from api.importer.parse import COLUMNS
from domain.enums import RELATION_ZH, WORKER_GROUP_ZH

ORDER = ("name", "resident_id", "phone", "worker_group", "relation", "employer_code",
         "using_unit_code", "work_region", "residence_region", "joined_on", "note")
REQUIRED_MARK = {"name", "resident_id", "worker_group", "relation"}
TEXT_COLUMNS = {"resident_id", "phone", "employer_code", "using_unit_code", "work_region",
                "residence_region", "joined_on"}
EXAMPLE = {
    "name": "张三", "resident_id": "11010519491231002X", "phone": "13800138000",
    "worker_group": "外卖配送员", "relation": "依托平台自主经营", "employer_code": "",
    "using_unit_code": "", "work_region": "350203001", "residence_region": "",
    "joined_on": "2026-11-01", "note": "示例行，导入前请删除",
}
ROWS = 5000  # how far down the dropdowns and text formats reach


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = "入会登记"
    ws.append([COLUMNS[k][0] for k in ORDER])
    ws.append([EXAMPLE[k] for k in ORDER])
    for i, key in enumerate(ORDER, start=1):
        letter = get_column_letter(i)
        head = ws.cell(row=1, column=i)
        head.font = Font(bold=True, color="C00000" if key in REQUIRED_MARK else "000000")
        if key in REQUIRED_MARK:
            head.comment = Comment("必填", "union-ledger")
        ws.column_dimensions[letter].width = max(12, len(COLUMNS[key][0]) * 2 + 4)
        if key in TEXT_COLUMNS:
            ws.column_dimensions[letter].number_format = "@"
            ws.cell(row=2, column=i).number_format = "@"
    choices = {"worker_group": list(WORKER_GROUP_ZH.values()),
               "relation": list(RELATION_ZH.values())}
    for key, labels in choices.items():
        letter = get_column_letter(ORDER.index(key) + 1)
        dv = DataValidation(type="list", formula1='"' + ",".join(labels) + '"',
                            allow_blank=False, showErrorMessage=True,
                            errorTitle="无效取值", error="请从下拉列表中选择")
        dv.add(f"{letter}2:{letter}{ROWS}")
        ws.add_data_validation(dv)
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

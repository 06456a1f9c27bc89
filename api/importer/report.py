"""The per-row import report: status 通过/错误/已登记, error code, column and Chinese reason.

Personal data appears only masked; the official finds the row by its number in their file.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from api.importer.validate import column_of
from domain.errors import LedgerError
from domain.frozen import quick_init
from domain.values import mask_name, mask_resident_id

OK, ERROR, REGISTERED = "通过", "错误", "已登记"


@quick_init
@dataclass(frozen=True)
class RowResult:
    row_no: int
    status: str
    name_masked: str = ""
    resident_id_masked: str = ""
    code: str = ""
    field: str = ""
    column: str = ""
    message_zh: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row_no, "status": self.status, "name": self.name_masked,
                "resident_id": self.resident_id_masked, "code": self.code, "field": self.field,
                "column": self.column, "message": self.message_zh}


def _masked(name: str, rid: str) -> tuple[str, str]:
    return mask_name(name or ""), mask_resident_id(rid or "")


def row_result(row_no: int, name: str, rid: str, error: LedgerError | None = None,
               status: str | None = None) -> RowResult:
    nm, rm = _masked(name, rid)
    if error is None:
        return RowResult(row_no, status or OK, nm, rm)
    return RowResult(row_no, status or ERROR, nm, rm, error.code, error.field or "",
                     column_of(error.field), error.message_zh)


@dataclass
class ImportReport:
    """Results by row number, and the counts a progress display needs."""

    union_code: str
    channel: str
    dry_run: bool
    rows: int = 0
    recorded: int = 0
    results: dict[int, RowResult] = field(default_factory=dict)

    def add(self, result: RowResult) -> None:
        self.results[result.row_no] = result

    def count(self, status: str) -> int:
        return sum(1 for r in self.results.values() if r.status == status)

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.ordered() if r.status == ERROR]

    def ordered(self) -> list[RowResult]:
        return [self.results[k] for k in sorted(self.results)]

    def summary(self) -> dict[str, Any]:
        return {"union_code": self.union_code, "channel": self.channel, "dry_run": self.dry_run,
                "rows": self.rows, "valid": self.count(OK), "recorded": self.recorded,
                "already_registered": self.count(REGISTERED), "errors": self.count(ERROR)}


HEADERS = ("行号", "姓名（脱敏）", "公民身份号码（脱敏）", "结果", "错误代码", "字段", "原因")


def report_xlsx(report: ImportReport) -> bytes:
    """The report as a workbook: every row, bad rows filled red, 已登记 rows grey; a summary."""
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill

    wb = Workbook()
    ws = wb.active
    ws.title = "导入结果"
    ws.append(HEADERS)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    red = PatternFill("solid", fgColor="FFC7CE")
    grey = PatternFill("solid", fgColor="E7E6E6")
    for r in report.ordered():
        ws.append([r.row_no, r.name_masked, r.resident_id_masked, r.status, r.code, r.column,
                   r.message_zh])
        fill = red if r.status == ERROR else grey if r.status == REGISTERED else None
        if fill is not None:
            for cell in ws[ws.max_row]:
                cell.fill = fill
    for col, width in zip("ABCDEFG", (8, 14, 24, 8, 28, 26, 70), strict=True):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A2"
    summary = wb.create_sheet("汇总")
    labels = {"union_code": "工会代码", "channel": "入会方式", "dry_run": "仅校验（未登记）",
              "rows": "数据行数", "valid": "校验通过", "recorded": "本次登记",
              "already_registered": "此前已登记", "errors": "错误行数"}
    for key, value in report.summary().items():
        summary.append([labels[key], "是" if value is True else "否" if value is False else value])
    summary.column_dimensions["A"].width = 18
    summary.column_dimensions["B"].width = 24
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

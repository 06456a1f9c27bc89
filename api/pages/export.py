"""XLSX export of any dashboard table (openpyxl): Chinese headers, numbers as numbers, the union
and the as-of date in the title row. The roster exports every page (masked), up to a cap."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from api.pages.render import PageRoute, parse_as_of
from api.pages.report import EXPORTS, Report
from api.pages.session import Reader
from api.pages.tables import Table
from domain.errors import NotFoundError

router = APIRouter(prefix="/dashboard", route_class=PageRoute, include_in_schema=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ROSTER_CAP = 20_000


def workbook(table: Table, union_name: str, on: date) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = table.title[:31].replace("/", "、")
    ws.append([f"{union_name} · {table.title}（截至 {on.isoformat()}）"])
    ws["A1"].font = Font(bold=True, size=13)
    ws.append(list(table.headers))
    for cell in ws[2]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2E6E4")
        cell.alignment = Alignment(horizontal="center")
    for row in table.rows:
        ws.append([str(v).strip("　└ ") if i == 0 and isinstance(v, str) else v
                   for i, v in enumerate(row)])
    if table.total:
        ws.append(list(table.total))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    for i in table.numeric:
        for (cell,) in ws.iter_rows(min_row=3, min_col=i + 1, max_col=i + 1):
            cell.number_format = "#,##0"
    for i, h in enumerate(table.headers, start=1):
        width = max([len(str(h))] + [len(str(r[i - 1])) for r in table.rows[:200]])
        ws.column_dimensions[get_column_letter(i)].width = min(50, max(8, width * 2 + 2))
    if table.note:
        ws.append([])
        ws.append([f"说明：{table.note}"])
    ws.freeze_panes = "A3"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _whole_roster(report: Report, subtree: bool) -> Table:
    table, nxt = report.roster(subtree=subtree, cursor=None)
    while nxt and len(table.rows) < ROSTER_CAP:
        more, nxt = report.roster(subtree=subtree, cursor=nxt)
        table.rows += more.rows
    if nxt:
        table.note = f"名册超过 {ROSTER_CAP:,} 人，仅导出前 {len(table.rows):,} 人。"
    return table


@router.get("/export/{name}.xlsx")
def export(viewer: Reader, name: Annotated[str, Path(max_length=20)],
           union: Annotated[str | None, Query(max_length=40)] = None,
           as_of: str | None = None, subtree: bool = False) -> Response:
    report = Report(viewer, union or viewer.home, parse_as_of(as_of))
    if name == "roster":
        table = _whole_roster(report, subtree)
    elif name in EXPORTS:
        table = EXPORTS[name](report)
    else:
        raise NotFoundError("没有这张报表", message_en="no such table", code="table.not_found",
                            field="name")
    data = workbook(table, report.union["name"], report.on)
    filename = f"{report.union['name']}-{table.title}-{report.on.isoformat()}.xlsx"
    return Response(data, media_type=XLSX, headers={
        "Content-Disposition": f"attachment; filename=\"{name}.xlsx\"; "
                               f"filename*=UTF-8''{quote(filename)}",
        "Cache-Control": "no-store"})

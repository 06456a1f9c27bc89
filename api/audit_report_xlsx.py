"""An AuditReport as an XLSX workbook with Chinese headers: 概要, 事件, 查阅日志, 防篡改证明."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from api.audit_report import AuditReport

_HEAD_FONT = Font(bold=True)
_HEAD_FILL = PatternFill("solid", fgColor="DDDDDD")


def _cell(value: Any) -> Any:
    # Strings that look like formulas are stored as text: a report must never compute.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if isinstance(value, date):
        return value.isoformat()
    return value


def _sheet(ws: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]],
           widths: Sequence[int]) -> None:
    ws.append(list(headers))
    for c in ws[1]:
        c.font, c.fill = _HEAD_FONT, _HEAD_FILL
    for row in rows:
        ws.append([_cell(v) for v in row])
    for i, w in enumerate(widths):
        ws.column_dimensions[chr(ord("A") + i)].width = w
    ws.freeze_panes = "A2"


def report_xlsx(report: AuditReport) -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "概要"
    summary = [*report.summary,
               ("生成时间(UTC)", report.generated_at.strftime("%Y-%m-%d %H:%M:%S")),
               ("生成人", f"{report.viewer.subject}（{report.viewer.role}）"),
               ("个人信息", "已遮蔽" if report.masked else "未遮蔽（已记入查阅日志）"),
               *(("说明", n) for n in report.notes)]
    _sheet(ws, ("项目", "内容"), summary, (22, 80))
    _sheet(wb.create_sheet("事件"), report.event_headers, report.events,
           (6, 16, 18, 12, 20, 16, 30, 50, 38))
    _sheet(wb.create_sheet("查阅日志"), report.log_headers, report.access_log,
           (8, 20, 16, 16, 38, 22, 30, 30))
    ch = report.chain
    proof = [("覆盖至通知号", ch.covered_notification_id), ("该位置的链哈希", ch.chain_hash),
             ("当前链头通知号", ch.head_notification_id), ("链头哈希", ch.head_chain_hash),
             ("链上记录数", ch.record_count)]
    if ch.digest_path:
        if ch.seal:
            proof += [("签名摘要文件", ch.digest_path), ("封存时间", ch.seal["sealed_at"]),
                      ("封存链头通知号", ch.seal["head_notification_id"]),
                      ("封存摘要哈希", ch.seal["chain_hash"]), ("签名公钥", ch.seal["public_key"]),
                      ("是否覆盖本报告", "是" if ch.sealed else "否（有记录晚于封存）")]
        else:
            proof += [("签名摘要文件", f"{ch.digest_path}：无效（{ch.seal_problem_zh}）")]
    proof.append(("核验方法", "union-ledger verify --digest 摘要文件"))
    _sheet(wb.create_sheet("防篡改证明"), ("项目", "内容"), proof, (22, 80))
    for sheet in (wb["概要"], wb["防篡改证明"]):  # long texts; the big sheets stay plain (fast)
        for row in sheet.iter_rows(min_row=2):
            for c in row:
                c.alignment = Alignment(wrap_text=True, vertical="top")
    buf = BytesIO()
    wb.save(buf)
    return buf.getvalue()

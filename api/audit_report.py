"""Audit reports for a membership, or for a union and a period: the events, the personal-data
access log, and the hash-chain position and signed digest covering them. XLSX in
api.audit_report_xlsx; the printable HTML here (api/templates/audit_report.html).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.audit_report_chain import ChainCover, chain_cover
from api.audit_roster import union_roster_changes
from api.http.access_log import COLUMNS as LOG_COLUMNS
from api.http.access_log import AccessLog
from api.http.db import ApiDatabase
from api.wiring import Runtime
from domain.enums import UNION_KIND_ZH, UnionKind
from domain.history import membership_history, status_label, union_history
from domain.personal import ERASED
from domain.values import mask_mobile, mask_name, mask_resident_id

TEMPLATES = Path(__file__).parent / "templates"
EVENT_HEADERS = ("序号", "事件", "事件类型", "生效日期", "记录时间(UTC)", "经办人", "原因",
                 "结果", "会员编号")
LOG_HEADERS = ("编号", "查阅时间(UTC)", "查阅人", "角色", "会员编号", "工会代码", "接口", "目的")


@dataclass(frozen=True)
class Viewer:
    """Who asks for the report; `personal_data` unmasks (and every unmasked member is logged)."""

    subject: str
    role: str
    personal_data: bool = False
    purpose: str | None = None
    endpoint: str = "audit report"


@dataclass
class AuditReport:
    kind: str  # "membership" | "union"
    title: str
    subject_id: str
    generated_at: datetime
    viewer: Viewer
    summary: list[tuple[str, str]]
    events: list[tuple[Any, ...]]  # rows under EVENT_HEADERS
    access_log: list[tuple[Any, ...]]  # rows under LOG_HEADERS
    chain: ChainCover
    period: tuple[date | None, date | None] = (None, None)
    notes: list[str] = field(default_factory=list)

    @property
    def masked(self) -> bool:
        return not self.viewer.personal_data

    @property
    def event_headers(self) -> tuple[str, ...]:
        return EVENT_HEADERS

    @property
    def log_headers(self) -> tuple[str, ...]:
        return LOG_HEADERS


class _People:
    """Shows a member's personal fields as this viewer may see them; the first unmasked read
    of each member is logged in the access log."""

    def __init__(self, rt: Runtime, viewer: Viewer, log: AccessLog) -> None:
        self.rt, self.viewer, self.log = rt, viewer, log
        self._logged: set[str] = set()

    def fields(self, member_id: str, token: str | None, union_code: str | None,
               erased: bool = False) -> dict[str, Any] | None:
        details = None if erased else self.rt.vault.open(member_id, token)
        if details is None:
            return None
        if self.viewer.personal_data:
            if member_id not in self._logged:
                self._logged.add(member_id)
                self.log.record(subject=self.viewer.subject, role=self.viewer.role,
                                member_id=member_id, union_code=union_code,
                                endpoint=self.viewer.endpoint, purpose=self.viewer.purpose)
            return {"name": details.name, "resident_id": details.resident_id,
                    "phone": details.phone, "text": f"{details.name} {details.resident_id}"}
        name, rid = mask_name(details.name), mask_resident_id(details.resident_id)
        return {"name": name, "resident_id": rid,
                "phone": mask_mobile(details.phone) if details.phone else None,
                "text": f"{name} {rid}"}

    def text(self, member_id: str, token: str | None, union_code: str | None,
             erased: bool = False) -> str:
        shown = self.fields(member_id, token, union_code, erased)
        return ERASED if shown is None else str(shown["text"])


def _utc(ts: datetime) -> str:
    return ts.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _log_rows(db: ApiDatabase, member_ids: list[str], union_code: str | None,
              period: tuple[date | None, date | None]) -> list[tuple[Any, ...]]:
    """Access-log rows for these members (or read through this union), oldest first."""
    rows: dict[int, tuple[Any, ...]] = {}
    cols = ", ".join(LOG_COLUMNS)
    for i in range(0, len(member_ids), 500):
        chunk = member_ids[i:i + 500]
        marks = ", ".join("?" * len(chunk))
        for r in db.execute(f"SELECT {cols} FROM api_access_log WHERE member_id IN ({marks})",
                            tuple(chunk)):
            rows[int(r[0])] = tuple(r)
    if union_code:
        for r in db.execute(f"SELECT {cols} FROM api_access_log WHERE union_code = ?",
                            (union_code,)):
            rows[int(r[0])] = tuple(r)
    start, end = period
    out = []
    for _, r in sorted(rows.items()):
        day = str(r[1])[:10]
        if (start and day < start.isoformat()) or (end and day > end.isoformat()):
            continue
        out.append((r[0], str(r[1])[:19].replace("T", " "), *r[2:]))
    return out


def membership_report(rt: Runtime, member_id: str, viewer: Viewer, *,
                      digest_path: str | Path | None = None,
                      now: datetime | None = None) -> AuditReport:
    ledger = rt.ledger
    m = ledger.get_membership(member_id)
    mid = str(m.id)
    events = ledger.history(m.id)
    db = ApiDatabase(rt)
    try:
        people = _People(rt, viewer, AccessLog(db))
        person = people.text(mid, m.personal, m.union_id, m.erased)
        rows = []
        history = membership_history(
            events, reveal=lambda token: people.fields(mid, token, m.union_id))
        for i, e in enumerate(history, start=1):
            result = f"{e.union_code} · {status_label(e.status)}"
            if e.state.get("destination_union_code"):
                result += f" → {e.state['destination_union_code']}"
            if "personal" in e.details:
                result += f"；个人信息：{e.details['personal']['text']}"
            rows.append((i, e.label_zh, e.type, e.effective_on, _utc(e.recorded_at),
                         e.recorded_by, e.reason or "", result, mid))
        log = _log_rows(db, [mid], None, (None, None))
    finally:
        db.close()
    summary = [("会员编号", mid), ("姓名 / 公民身份号码", person),
               ("当前状态", status_label(str(m.status))), ("所在工会", m.union_id),
               ("入会日期", m.joined_on.isoformat()), ("事件数", str(len(events)))]
    return AuditReport(
        "membership", f"会籍审计报告 · {mid}", mid, now or datetime.now(UTC), viewer, summary,
        rows, log, chain_cover(rt.settings, [m.id], digest_path),
        notes=["个人信息已按权限遮蔽" if viewer.personal_data is False else
               "本报告含未遮蔽的个人信息，已记入查阅日志"])


def union_report(rt: Runtime, code: str, viewer: Viewer, start: date | None = None,
                 end: date | None = None, *, digest_path: str | Path | None = None,
                 now: datetime | None = None, store: Any = None) -> AuditReport:
    ledger = rt.ledger
    union = ledger.get_union(code, field="code")
    changes, _ = union_roster_changes(ledger, union.code, start, end, store)
    rows: list[tuple[Any, ...]] = []
    for e in union_history(ledger.events.get(union.id)):
        state = f"{e.state['name']} · 上级 {e.state['parent_code'] or '—'}"
        rows.append((len(rows) + 1, e.label_zh, e.type, e.effective_on, _utc(e.recorded_at),
                     e.recorded_by, e.reason or "", state + ("（已撤销）" if e.state[
                         "dissolved"] else ""), ""))
    db = ApiDatabase(rt)
    try:
        people = _People(rt, viewer, AccessLog(db))
        members = sorted({c.member_id for c in changes})
        shown: dict[str, str] = {}
        ids = [union.id]
        for mid in members:
            m = ledger.get_membership(mid)
            ids.append(m.id)
            shown[mid] = people.text(mid, m.personal, m.union_id, m.erased)
        for c in changes:
            other = f" ↔ {c.other_union}" if c.other_union else ""
            rows.append((len(rows) + 1, c.label_zh, c.change, c.effective_on,
                         _utc(c.recorded_at), c.recorded_by, c.reason or "",
                         f"{shown[c.member_id]}{other}", c.member_id))
        log = _log_rows(db, members, union.code, (start, end))
    finally:
        db.close()
    counts: dict[str, int] = {}
    for c in changes:
        counts[c.label_zh] = counts.get(c.label_zh, 0) + 1
    period = f"{start or '（不限）'} 至 {end or '（不限）'}"
    summary = [("工会", f"{union.name}（{union.code}）"),
               ("类别", UNION_KIND_ZH.get(UnionKind(union.kind), union.kind)),
               ("上级工会", union.parent_code or "—"), ("期间（生效日期）", period),
               ("会籍变动", "；".join(f"{k} {v}" for k, v in counts.items()) or "无")]
    return AuditReport(
        "union", f"工会审计报告 · {union.name}", union.code, now or datetime.now(UTC), viewer,
        summary, rows, log, chain_cover(rt.settings, ids, digest_path), period=(start, end),
        notes=["会籍变动按生效日期列出，由会员事件逐条重放得出"])


def render_html(report: AuditReport) -> str:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    return env.get_template("audit_report.html").render(r=report)

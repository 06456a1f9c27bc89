"""Collective-registration upload jobs, kept in the ledger's database next to the access log.

Any API process answers for any job (several uvicorn workers, or a restart), and a job whose
process died is reported as interrupted instead of running forever: its recorded batches are
in the ledger, and uploading the same file again records only the rest (the import is
idempotent). The per-row report (personal data masked) is kept compressed for download.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from api.http.db import ApiDatabase
from api.importer.report import ERROR, REGISTERED, ImportReport, RowResult

SQLITE_DDL = """CREATE TABLE IF NOT EXISTS api_import_jobs (
    id TEXT PRIMARY KEY, union_code TEXT NOT NULL, channel TEXT NOT NULL,
    dry_run INTEGER NOT NULL, started_by TEXT NOT NULL, status TEXT NOT NULL,
    rows INTEGER NOT NULL, done INTEGER NOT NULL, recorded INTEGER NOT NULL,
    already_registered INTEGER NOT NULL, errors INTEGER NOT NULL, error TEXT, report BLOB,
    started_at TEXT NOT NULL, updated_at TEXT NOT NULL)"""
POSTGRES_DDL = SQLITE_DDL.replace("report BLOB", "report BYTEA")
COLS = ("id", "union_code", "channel", "dry_run", "status", "rows", "done", "recorded",
        "already_registered", "errors", "error", "updated_at")
#: a running job not heard from for this long belongs to a process that died
STALE = timedelta(minutes=5)
KEEP = timedelta(days=30)  # finished jobs (and their reports) are kept this long
INTERRUPTED = {
    "code": "import.interrupted", "field": None, "rule": None,
    "message": "导入因服务中断而停止：已登记的批次均已保存，重新上传同一文件即可登记其余各行"
               "（不会重复登记）",
}


def _now() -> str:
    return datetime.now(UTC).isoformat()


class ImportJobs:
    def __init__(self, db: ApiDatabase) -> None:
        self.db = db
        db.ddl(SQLITE_DDL, POSTGRES_DDL)

    def start(self, job_id: str, union_code: str, channel: str, dry_run: bool,
              started_by: str) -> None:
        now = datetime.now(UTC)
        self.db.execute("DELETE FROM api_import_jobs WHERE status <> 'running' AND updated_at < ?",
                        ((now - KEEP).isoformat(),))
        self.db.execute(
            "INSERT INTO api_import_jobs (id, union_code, channel, dry_run, started_by, status,"
            " rows, done, recorded, already_registered, errors, started_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, 'running', 0, 0, 0, 0, 0, ?, ?)",
            (job_id, union_code, channel, int(dry_run), started_by, now.isoformat(),
             now.isoformat()))

    def progress(self, job_id: str, report: ImportReport, done: int) -> None:
        self.db.execute(
            "UPDATE api_import_jobs SET rows=?, done=?, recorded=?, already_registered=?,"
            " errors=?, updated_at=? WHERE id=? AND status='running'",
            (report.rows, done, report.recorded, report.count(REGISTERED), report.count(ERROR),
             _now(), job_id))

    def finish(self, job_id: str, report: ImportReport) -> None:
        rows = [asdict(r) for r in report.ordered()]
        blob = zlib.compress(json.dumps({"rows": report.rows, "recorded": report.recorded,
                                         "results": rows}, ensure_ascii=False).encode())
        self.db.execute(
            "UPDATE api_import_jobs SET status='done', rows=?, done=?, recorded=?,"
            " already_registered=?, errors=?, report=?, updated_at=? WHERE id=?",
            (report.rows, report.rows, report.recorded, report.count(REGISTERED),
             report.count(ERROR), blob, _now(), job_id))

    def fail(self, job_id: str, error: dict[str, Any]) -> None:
        self.db.execute("UPDATE api_import_jobs SET status='failed', error=?, updated_at=?"
                        " WHERE id=?", (json.dumps(error, ensure_ascii=False), _now(), job_id))

    def get(self, job_id: str) -> dict[str, Any] | None:
        rows = self.db.execute(f"SELECT {', '.join(COLS)} FROM api_import_jobs WHERE id=?",
                               (job_id,))
        if not rows:
            return None
        job = dict(zip(COLS, rows[0], strict=True))
        job["dry_run"] = bool(job["dry_run"])
        job["error"] = json.loads(job["error"]) if job["error"] else None
        updated = datetime.fromisoformat(str(job.pop("updated_at")))
        if job["status"] == "running" and datetime.now(UTC) - updated > STALE:
            job["status"], job["error"] = "interrupted", INTERRUPTED
            self.db.execute("UPDATE api_import_jobs SET status='interrupted', error=?"
                            " WHERE id=? AND status='running'",
                            (json.dumps(INTERRUPTED, ensure_ascii=False), job_id))
        return job

    def report(self, job_id: str, union_code: str, channel: str, dry_run: bool
               ) -> ImportReport | None:
        rows = self.db.execute("SELECT report FROM api_import_jobs WHERE id=?", (job_id,))
        if not rows or rows[0][0] is None:
            return None
        data = json.loads(zlib.decompress(bytes(rows[0][0])))
        report = ImportReport(union_code, channel, dry_run, rows=data["rows"],
                              recorded=data["recorded"])
        for r in data["results"]:
            report.add(RowResult(**r))
        return report

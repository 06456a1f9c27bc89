"""Collective registration uploads (art. 7): POST a sheet, poll progress, fetch the XLSX report.

The import runs in a background thread of this process; jobs live in memory (a restart forgets
them, and the ledger shows what was recorded: re-uploading records nothing twice).
"""

from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.http.deps import Caller, Ctx
from api.http.errors import PROBLEM_RESPONSES
from api.importer.report import ERROR, REGISTERED, ImportReport, report_xlsx
from api.importer.run import run_import
from api.importer.template import template_xlsx
from api.importer.validate import import_channel
from domain.errors import ConflictError, LedgerError, NotFoundError, ValidationError

log = logging.getLogger(__name__)
router = APIRouter(tags=["imports"], responses=PROBLEM_RESPONSES)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 50 * 1024 * 1024
KEEP_FINISHED = 100  # finished jobs kept for polling and report download
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}}}}


class ImportProgress(BaseModel):
    id: str
    union_code: str
    channel: str
    dry_run: bool
    status: str  # running | done | failed
    rows: int
    done: int
    recorded: int
    already_registered: int
    errors: int
    error: dict[str, Any] | None = None


@dataclass
class Job:
    id: str
    union_code: str
    channel: str
    dry_run: bool
    status: str = "running"
    done: int = 0
    report: ImportReport | None = None
    error: LedgerError | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def progress(self) -> ImportProgress:
        with self.lock:
            r = self.report
            return ImportProgress(
                id=self.id, union_code=self.union_code, channel=self.channel,
                dry_run=self.dry_run, status=self.status, rows=r.rows if r else 0, done=self.done,
                recorded=r.recorded if r else 0,
                already_registered=r.count(REGISTERED) if r else 0,
                errors=r.count(ERROR) if r else 0,
                error=self.error.as_dict() if self.error else None)


def _jobs(request: Request) -> dict[str, Job]:
    state = request.app.state
    if not hasattr(state, "import_jobs"):
        state.import_jobs = {}
    return state.import_jobs  # type: ignore[no-any-return]


def _job(request: Request, caller: Any, job_id: str) -> Job:
    job = _jobs(request).get(job_id)
    if job is None:
        raise NotFoundError("导入任务不存在", message_en="import not found",
                            code="import.not_found", field="id")
    caller.require_union_read(job.union_code)
    return job


def _run(ctx: Any, job: Job, data: bytes, filename: str, recorded_by: str) -> None:
    def progress(report: ImportReport, done: int) -> None:
        with job.lock:
            job.report, job.done = report, done

    try:
        report = run_import(ctx.runtime.ledger, data, filename, union_code=job.union_code,
                            channel=job.channel, recorded_by=recorded_by,
                            dry_run=job.dry_run, progress=progress)
        with job.lock:
            job.report, job.status = report, "done"
    except LedgerError as e:
        with job.lock:
            job.error, job.status = e, "failed"
    except Exception:  # keep the job answerable; the traceback goes to the server log
        log.exception("import %s failed", job.id)
        with job.lock:
            job.error = LedgerError("导入失败（服务器内部错误），已登记的批次不受影响",
                                    message_en="the import failed (server error)",
                                    code="import.internal_error")
            job.status = "failed"


@router.get("/imports/template.xlsx", response_class=Response, responses=XLSX_RESPONSE,
            summary="The blank collective-registration template (XLSX)")
def template(caller: Caller) -> Response:
    return Response(template_xlsx(), media_type=XLSX,
                    headers={"Content-Disposition": 'attachment; filename="template.xlsx"'})


@router.post("/unions/{code}/imports", status_code=202, response_model=ImportProgress,
             summary="Upload a collective registration sheet (CSV or XLSX); runs in background")
def upload(
    code: Annotated[str, Path(max_length=18)], ctx: Ctx, caller: Caller, request: Request,
    file: Annotated[UploadFile, File(description="the sheet: .xlsx or .csv (UTF-8 / GB18030)")],
    channel: Annotated[str, Form(max_length=40)] = "collective_registration",
    dry_run: Annotated[bool, Form(description="validate only, record nothing")] = False,
) -> JSONResponse:
    union = ctx.reads.union(code)["code"]
    caller.require_union_write(union)
    ch = import_channel(channel)
    data = file.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(f"文件过大（上限 {MAX_BYTES // 1024 // 1024} MB），请分批导入",
                              message_en="file too large", code="import.too_large", field="file")
    job = Job(uuid.uuid4().hex, union, ch, dry_run)
    jobs = _jobs(request)
    if sum(1 for j in jobs.values() if j.status == "running") >= 4:
        raise ConflictError("同时进行的导入过多，请稍后再试", message_en="too many imports running",
                            code="import.busy")
    for old in [j.id for j in jobs.values() if j.status != "running"][:-KEEP_FINISHED]:
        del jobs[old]  # memory stays bounded; the ledger keeps what was recorded
    jobs[job.id] = job
    threading.Thread(target=_run, args=(ctx, job, data, file.filename or "",
                                        caller.principal.subject),
                     name=f"import-{job.id[:8]}", daemon=True).start()
    return JSONResponse(job.progress().model_dump(), status_code=202,
                        headers={"Location": f"/imports/{job.id}"})


@router.get("/imports/{job_id}", response_model=ImportProgress, summary="Import progress")
def progress(job_id: Annotated[str, Path(max_length=64)], caller: Caller,
             request: Request) -> ImportProgress:
    return _job(request, caller, job_id).progress()


@router.get("/imports/{job_id}/report.xlsx", response_class=Response, responses=XLSX_RESPONSE,
            summary="The per-row report (XLSX): bad rows highlighted")
def report(job_id: Annotated[str, Path(max_length=64)], caller: Caller,
           request: Request) -> Response:
    job = _job(request, caller, job_id)
    with job.lock:
        status, rep = job.status, job.report
    if status != "done" or rep is None:
        raise ConflictError("导入尚未完成或已失败，暂无报告", message_en="no report: not done",
                            code="import.not_done", field="id")
    return Response(report_xlsx(rep), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="import-{job.id}.xlsx"'})

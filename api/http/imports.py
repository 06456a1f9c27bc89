"""Collective registration uploads (art. 7): POST a sheet, poll progress, fetch the XLSX report.

The import runs in a background thread of this process; the job (progress, outcome, the masked
per-row report) is kept in the database (api/http/import_jobs.py), so any API process answers
for it, after a restart too.
"""

from __future__ import annotations

import logging
import threading
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Path, Request, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

from api.http.deps import Caller, Ctx
from api.http.errors import PROBLEM_RESPONSES
from api.importer.report import report_xlsx
from api.importer.run import run_import
from api.importer.template import template_xlsx
from api.importer.validate import import_channel
from domain.errors import ConflictError, LedgerError, NotFoundError, ValidationError

log = logging.getLogger(__name__)
router = APIRouter(tags=["imports"], responses=PROBLEM_RESPONSES)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_BYTES = 50 * 1024 * 1024
MAX_RUNNING = 4  # imports running at once in one API process
XLSX_RESPONSE: dict[int | str, dict[str, Any]] = {200: {"content": {XLSX: {}}}}


class ImportProgress(BaseModel):
    id: str
    union_code: str
    channel: str
    dry_run: bool
    status: str  # running | done | failed | interrupted (its process stopped: upload again)
    rows: int
    done: int
    recorded: int
    already_registered: int
    errors: int
    error: dict[str, Any] | None = None


def _running(request: Request) -> set[str]:
    """Jobs running in this process (the limit is on this process's threads)."""
    state = request.app.state
    if not hasattr(state, "imports_running"):
        state.imports_running = set()
    return state.imports_running  # type: ignore[no-any-return]


def _job(ctx: Any, caller: Any, job_id: str) -> dict[str, Any]:
    job = ctx.import_jobs.get(job_id)
    if job is None:
        raise NotFoundError("导入任务不存在", message_en="import not found",
                            code="import.not_found", field="id")
    caller.require_union_read(job["union_code"])
    return job  # type: ignore[no-any-return]


def _run(ctx: Any, running: set[str], job_id: str, union_code: str, channel: str,
         dry_run: bool, data: bytes, filename: str, recorded_by: str) -> None:
    jobs = ctx.import_jobs
    try:
        report = run_import(ctx.runtime.ledger, data, filename, union_code=union_code,
                            channel=channel, recorded_by=recorded_by, dry_run=dry_run,
                            progress=lambda report, done: jobs.progress(job_id, report, done))
        jobs.finish(job_id, report)
    except LedgerError as e:
        jobs.fail(job_id, e.as_dict())
    except Exception:  # keep the job answerable; the traceback goes to the server log
        log.exception("import %s failed", job_id)
        jobs.fail(job_id, LedgerError("导入失败（服务器内部错误），已登记的批次不受影响",
                                      message_en="the import failed (server error)",
                                      code="import.internal_error").as_dict())
    finally:
        running.discard(job_id)


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
    running = _running(request)
    if len(running) >= MAX_RUNNING:
        raise ConflictError("同时进行的导入过多，请稍后再试", message_en="too many imports running",
                            code="import.busy")
    job_id = uuid.uuid4().hex
    ctx.import_jobs.start(job_id, union, ch, dry_run, caller.principal.subject)
    running.add(job_id)
    threading.Thread(target=_run, args=(ctx, running, job_id, union, ch, dry_run, data,
                                        file.filename or "", caller.principal.subject),
                     name=f"import-{job_id[:8]}", daemon=True).start()
    return JSONResponse(ImportProgress(**_job(ctx, caller, job_id)).model_dump(),
                        status_code=202, headers={"Location": f"/imports/{job_id}"})


@router.get("/imports/{job_id}", response_model=ImportProgress, summary="Import progress")
def progress(job_id: Annotated[str, Path(max_length=64)], caller: Caller,
             ctx: Ctx) -> ImportProgress:
    return ImportProgress(**_job(ctx, caller, job_id))


@router.get("/imports/{job_id}/report.xlsx", response_class=Response, responses=XLSX_RESPONSE,
            summary="The per-row report (XLSX): bad rows highlighted")
def report(job_id: Annotated[str, Path(max_length=64)], caller: Caller,
           ctx: Ctx) -> Response:
    job = _job(ctx, caller, job_id)
    rep = ctx.import_jobs.report(job_id, job["union_code"], job["channel"], job["dry_run"])
    if job["status"] != "done" or rep is None:
        raise ConflictError("导入尚未完成或已失败，暂无报告", message_en="no report: not done",
                            code="import.not_done", field="id")
    return Response(report_xlsx(rep), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="import-{job_id}.xlsx"'})

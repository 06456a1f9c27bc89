"""The common path of every write: scope already checked, then idempotency, the command, and a
receipt carrying the version (ETag) and the ledger position (for read-your-writes)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.http.auth import Guard
from api.http.deps import Context
from domain.application import CommandResult


def write(ctx: Context, guard: Guard, request: Request, body: BaseModel | None,
          idempotency_key: str | None, command: Callable[[], CommandResult], *,
          status: int = 200, location: str | None = None, if_match: str | None = None,
          ) -> JSONResponse:
    raw = body.model_dump_json() if body is not None else ""
    fp = ctx.idempotency.fingerprint(request.method, request.url.path, raw, if_match or "")

    def run() -> tuple[int, dict[str, object], dict[str, str]]:
        r = command()
        headers = {"ETag": f'"{r.version}"'}
        if location:
            headers["Location"] = location.format(id=r.id)
        return status, {"id": r.id, "version": r.version, "position": r.position}, headers

    return ctx.idempotency.run(guard.principal.subject, idempotency_key, fp, run)

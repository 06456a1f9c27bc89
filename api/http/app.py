"""The FastAPI app factory: `create_app(settings, runtime=None, read_side=None)`.

Nothing happens at import time; the lifespan builds (or borrows) the runtime and the read side
and closes what it built.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

from fastapi import FastAPI

from api.http import (
    applications,
    audit,
    audit_log,
    campaigns,
    employers,
    errors,
    health,
    imports,
    joining_paths,
    membership_changes,
    memberships,
    transfers,
    unions,
)
from api.http.access_log import AccessLog
from api.http.db import ApiDatabase
from api.http.deps import Context
from api.http.idempotency import IdempotencyStore
from api.http.import_jobs import ImportJobs
from api.http.reads import ReadSide
from api.pages import register as register_pages
from api.settings import Settings
from api.wiring import Runtime, build_runtime

DESCRIPTION = """新就业形态劳动者会员实名台账 API (总工办发〔2021〕16号).

Bearer tokens (`union-ledger token create`) carry a role and a union scope. Errors are RFC 9457
`application/problem+json` with a stable `code`, the `field` and the `rule`; Chinese by default,
English with `Accept-Language: en`. Writes accept `Idempotency-Key`; membership writes accept
`If-Match: "<version>"`; write receipts carry `position`, which reads accept as `min_position`.
"""


def open_projections(runtime: Runtime, start_runner: bool) -> tuple[Any, Any]:
    """The projections' read side, or (None, None) when that package is not installed yet."""
    try:
        from projections.store import open_read_side
    except ImportError:
        return None, None
    return open_read_side(runtime, start_runner=start_runner)


@contextmanager
def _context(settings: Settings, runtime: Runtime | None, read_side: Any,
             start_runner: bool) -> Iterator[Context]:
    own_runtime = runtime is None
    rt = runtime or build_runtime(settings)
    runner = None
    if read_side is None:
        read_side, runner = open_projections(rt, start_runner)
    elif isinstance(read_side, tuple):
        read_side, runner = read_side
    if read_side is not None and hasattr(read_side, "holding_members"):
        # R8 (dissolve, close) finds the held members in the directory, not by replaying
        rt.ledger.member_index = read_side
    db = ApiDatabase(rt)
    try:
        yield Context(runtime=rt, reads=ReadSide(rt.ledger, read_side, runner),
                      idempotency=IdempotencyStore(db, rt.keys["token_secret"]),
                      access_log=AccessLog(db), metrics=None, import_jobs=ImportJobs(db))
    finally:
        if runner is not None and own_runtime:
            runner.stop()
        db.close()
        if own_runtime:
            rt.close()


def create_app(settings: Settings, *, runtime: Runtime | None = None, read_side: Any = None,
               start_runner: bool = True) -> FastAPI:
    """Builds the app. `read_side` is a ReadStore or a (ReadStore, Runner) pair; when None the
    projections are opened (and their runner started) for this runtime."""
    metrics = health.Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        with _context(settings, runtime, read_side, start_runner) as ctx:
            ctx.metrics = metrics
            app.state.ctx = ctx
            yield

    app = FastAPI(title="union-ledger", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan)
    errors.install(app)
    metrics.install(app)
    for module in (health, unions, employers, joining_paths, memberships, membership_changes,
                   transfers, audit_log, audit, imports, applications, campaigns):
        app.include_router(module.router)
    register_pages(app)  # the zh-CN dashboard pages (api/pages)
    return app

"""/health (process up), /ready (database reachable, projection lag) and /metrics (Prometheus)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from pydantic import BaseModel

from api.http.deps import Ctx

router = APIRouter(tags=["health"])


class Metrics:
    """One registry per app, so several apps in one process (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram("union_ledger_http_request_seconds", "request latency",
                                 ["method", "route", "status"], registry=self.registry)
        self.lag = Gauge("union_ledger_projection_lag_events",
                         "ledger events not yet applied by the read side", registry=self.registry)

    def install(self, app: FastAPI) -> None:
        @app.middleware("http")
        async def _timed(request: Request,
                         call_next: Callable[[Request], Awaitable[Response]]) -> Response:
            start = time.perf_counter()
            response = await call_next(request)
            route = getattr(request.scope.get("route"), "path", "unmatched")
            self.latency.labels(request.method, route, str(response.status_code)).observe(
                time.perf_counter() - start)
            return response


class HealthResponse(BaseModel):
    status: str


class ReadyResponse(BaseModel):
    status: str
    database: bool
    ledger_position: int | None = None
    read_side_position: int | None = None
    lag: dict[str, Any] | None = None


def _lag(ctx: Any) -> tuple[int | None, int | None, dict[str, Any] | None]:
    ledger_pos = ctx.reads.position()
    store = ctx.reads.store
    if store is None:
        return ledger_pos, None, None
    read_pos = int(store.position())
    lag = dict(store.lag())
    ctx.metrics.lag.set(max(ledger_pos - read_pos, 0))
    return ledger_pos, read_pos, lag


@router.get("/health", response_model=HealthResponse, summary="The process is up")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", response_model=ReadyResponse,
            responses={503: {"model": ReadyResponse, "description": "not ready"}},
            summary="Database reachable; projection lag")
def ready(ctx: Ctx) -> JSONResponse:
    db = ctx.idempotency.db.ping()
    ledger_pos = read_pos = None
    lag = None
    if db:
        try:
            ledger_pos, read_pos, lag = _lag(ctx)
        except Exception:  # a broken store is "not ready", reported, never a crash
            db = False
    body = ReadyResponse(status="ready" if db else "unavailable", database=db,
                         ledger_position=ledger_pos, read_side_position=read_pos, lag=lag)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if db else 503)


@router.get("/metrics", summary="Prometheus metrics", response_class=Response,
            responses={200: {"content": {"text/plain": {}}}})
def metrics(ctx: Ctx) -> Response:
    with contextlib.suppress(Exception):  # metrics must render even when the DB is down
        _lag(ctx)
    return Response(generate_latest(ctx.metrics.registry), media_type=CONTENT_TYPE_LATEST)

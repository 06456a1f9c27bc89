"""HTTP benchmarks against a real `union-ledger serve` process (uvicorn) on a generated ledger:
(b) join throughput at concurrency 16 beside a minimal FastAPI + psycopg app that INSERTs one
row per request (same client, same request count); (c) current-affiliation lookup latency.

Usage: .venv/bin/python scripts/bench_http.py --database-url URL --members N
         [--requests 2000] [--concurrency 16] [--lookups 2000]
The ledger must come from scripts/gen_national.py --bench-keys --project (N = its --members).
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import BaseModel

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import (  # noqa: E402
    PY,
    bench_settings,
    describe,
    figure,
    free_port,
    latencies,
    ledger_server,
    pct,
    peak_rss_mb,
    process,
    server_env,
)

from api.http.auth import mint_token  # noqa: E402
from api.national_people import resident_id  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.wiring import build_runtime  # noqa: E402
from projections import open_read_side  # noqa: E402

BASELINE_DDL = ("CREATE TABLE IF NOT EXISTS bench_http_plain (id uuid PRIMARY KEY,"
                " union_code text, worker_group text, channel text, body jsonb)")


class Body(BaseModel):
    """The join request's shape (module level: FastAPI resolves the annotation by name)."""

    person: dict[str, Any]
    union_code: str
    worker_group: str
    channel: str
    situation: dict[str, Any]


def baseline_app(dsn: str) -> Any:
    """The baseline: validate a body of the same shape, INSERT one row, answer 201."""
    from fastapi import FastAPI
    from psycopg.types.json import Jsonb
    from psycopg_pool import ConnectionPool
    pool = ConnectionPool(dsn, min_size=2, max_size=10, open=True, kwargs={"autocommit": True})
    with pool.connection() as conn:
        conn.execute(BASELINE_DDL)
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/rows", status_code=201)
    def insert(body: Body) -> dict[str, str]:  # plain def: a threadpool, like the ledger's
        rid = uuid.uuid4()
        with pool.connection() as conn:
            conn.execute("INSERT INTO bench_http_plain VALUES (%s, %s, %s, %s, %s)",
                         (rid, body.union_code, body.worker_group, body.channel,
                          Jsonb(body.model_dump())))
        return {"id": str(rid)}

    return app


def hammer(base: str, path: str, bodies: list[dict[str, Any]], headers: dict[str, str],
           concurrency: int) -> tuple[float, int]:
    """POSTs every body with `concurrency` client threads; returns (requests/s, failures)."""
    import httpx2 as httpx

    local = threading.local()
    failures = [0]

    def send(body: dict[str, Any]) -> None:
        if not hasattr(local, "client"):
            local.client = httpx.Client(base_url=base, headers=headers, timeout=60)
        if local.client.post(path, json=body).status_code >= 300:
            failures[0] += 1

    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(send, bodies[:concurrency]))  # warm-up: one connection per thread
        t0 = time.perf_counter()
        list(pool.map(send, bodies[concurrency:]))
        took = time.perf_counter() - t0
    return (len(bodies) - concurrency) / took, failures[0]


def targets(settings: Settings) -> tuple[str, str, str, str]:
    """(root, a province, a village union, its region) from the read side."""
    rt = build_runtime(settings, create_table=False)
    try:
        store, _ = open_read_side(rt, start_runner=False)
        with store.db.read() as tx:
            root = tx.one("SELECT code FROM @unions WHERE parent_code IS NULL")[0]
            prov = tx.one("SELECT code FROM @unions WHERE parent_code=? ORDER BY code", (root,))[0]
            village, region = tx.one("SELECT code, region_code FROM @unions WHERE kind='village'"
                                     " ORDER BY code")
        return root, prov, village, region
    finally:
        rt.close()


def join_bodies(n: int, village: str, region: str) -> list[dict[str, Any]]:
    start = 20_000_000 + random.Random().randrange(0, 10_000) * 20_000  # fresh people per run
    return [{"person": {"name": "测试" + str(i), "resident_id": resident_id(start + i)},
             "union_code": village, "worker_group": "courier", "channel": "online",
             "situation": {"relation": "platform_self_employed", "work_region": region}}
            for i in range(n)]


def run(settings: Settings, members: int, requests: int, concurrency: int,
        lookups: int) -> dict[str, float]:
    root, _prov, village, region = targets(settings)
    token = mint_token(settings.keys()["token_secret"], subject="bench", role="national_admin",
                       scope=root)
    auth = {"Authorization": f"Bearer {token}"}
    out: dict[str, float] = {}
    with ledger_server(settings) as (base, proc):
        import httpx2 as httpx

        rate, failed = hammer(base, "/memberships", join_bodies(requests, village, region), auth,
                              concurrency)
        assert failed == 0, f"{failed} joins failed"
        out["join_rate"] = rate
        rng = random.Random(7)
        identity = build_identity(settings)
        with httpx.Client(base_url=base, headers=auth, timeout=30) as c:
            def check(_: int) -> None:
                r = c.post("/memberships/check", json={"resident_id": resident_id(
                    rng.randrange(members))})
                assert r.status_code == 200, r.text

            def get(_: int) -> None:
                mid = identity.membership_id(resident_id(rng.randrange(members)))
                r = c.get(f"/memberships/{mid}")
                assert r.status_code == 200, r.text

            for name, call in (("check", check), ("get", get)):
                ms = latencies(lookups, call)
                print(f"lookup {name}: {describe(ms)}")
                out[f"{name}_p50"], out[f"{name}_p99"] = pct(ms, 0.5), pct(ms, 0.99)
        out["api_rss_mb"] = peak_rss_mb(proc.pid)
    if settings.is_postgres:
        out["baseline_rate"] = baseline(settings, requests, concurrency, village, region)
    figure("b", f"HTTP join throughput, concurrency {concurrency}", out["join_rate"], "req/s",
           out.get("baseline_rate"), "req/s (FastAPI + psycopg INSERT)")
    figure("c1", f"POST /memberships/check p99 at {members:,} members", out["check_p99"], "ms",
           higher_is_better=False)
    figure("c2", f"GET /memberships/{{id}} p99 at {members:,} members", out["get_p99"], "ms",
           higher_is_better=False)
    figure("g1", "API process peak RSS", out["api_rss_mb"], "MB", higher_is_better=False)
    return out


def build_identity(settings: Settings) -> Any:
    from domain.personal import Identity

    return Identity(settings.keys()["secret_key"])


def baseline(settings: Settings, requests: int, concurrency: int, village: str,
             region: str) -> float:
    port = free_port()
    args = [PY, __file__, "--serve-baseline", str(port), "--database-url",
            settings.database_url or ""]
    with process(args, server_env(settings), f"http://127.0.0.1:{port}/health"):
        rate, failed = hammer(f"http://127.0.0.1:{port}", "/rows",
                              join_bodies(requests, village, region), {}, concurrency)
    assert failed == 0
    import psycopg

    with psycopg.connect(settings.postgres_conninfo(), autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_http_plain")
    return rate


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--members", type=int, default=0, help="as given to gen_national")
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--lookups", type=int, default=2000)
    ap.add_argument("--serve-baseline", type=int, default=0, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    settings = bench_settings(args.database_url)
    if args.serve_baseline:
        import uvicorn

        uvicorn.run(baseline_app(settings.postgres_conninfo()), host="127.0.0.1",
                    port=args.serve_baseline, log_level="info")  # as `serve`
        return
    if not args.members:
        ap.error("--members is required")
    run(settings, args.members, args.requests, args.concurrency, args.lookups)


if __name__ == "__main__":
    main()

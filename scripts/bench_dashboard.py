"""Server-side render time of the national overview page (HTML route) beside a trivial route.

Usage: .venv/bin/python scripts/bench_dashboard.py [--members N] [--renders 20]
         [--data-dir DIR | --database-url postgresql://...] [--as-of YYYY-MM-DD]
An empty ledger gets the demo (N workers) first; a filled one (e.g. the 1M generator's) is used
as is. Renders go through the ASGI app in-process (TestClient): no network, same code path.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from api.demo import load_demo
from api.http.app import create_app
from api.http.auth import mint_token
from api.settings import Settings
from api.wiring import build_runtime


def timed(client: TestClient, path: str, n: int) -> list[float]:
    client.get(path)  # warm-up: template compilation, first connection
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        resp = client.get(path)
        out.append((time.perf_counter() - t0) * 1000)
        assert resp.status_code == 200, (path, resp.status_code, resp.text[-300:])
    return out


def show(label: str, ms: list[float]) -> None:
    q = statistics.quantiles(ms, n=20)
    print(f"{label:<34} p50 {statistics.median(ms):8.1f} ms   p95 {q[18]:8.1f} ms"
          f"   max {max(ms):8.1f} ms")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--members", type=int, default=2000)
    ap.add_argument("--renders", type=int, default=20)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--database-url", default=None)
    ap.add_argument("--as-of", default="2024-06-30", help="also time the page as of this date")
    args = ap.parse_args()
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="bench-dashboard-"))
    settings = Settings(data_dir=data_dir, database_url=args.database_url)
    runtime = build_runtime(settings)
    try:
        if not runtime.ledger.recorder.max_notification_id():
            t0 = time.perf_counter()
            load_demo(runtime.ledger, members=args.members)
            print(f"demo loaded: {args.members:,} workers in {time.perf_counter() - t0:.1f} s")
        app = create_app(settings, runtime=runtime)
        with TestClient(app) as client:
            store = app.state.ctx.reads.store
            top = runtime.ledger.recorder.max_notification_id() or 0
            t0 = time.perf_counter()
            while not store.wait_for(top, timeout=60):
                print(f"projecting … {store.position():,} / {top:,}")
            print(f"read side at {top:,} ({time.perf_counter() - t0:.1f} s to catch up)")
            root = _root(store)
            token = mint_token(runtime.keys["token_secret"], subject="bench",
                               role="national_admin", scope=root)
            client.post("/dashboard/signin", data={"token": token})
            holding = store.counts(root)["subtree"]["holding"]
            print(f"national overview of {holding:,} members, {args.renders} renders each")
            show("baseline GET /health", timed(client, "/health", args.renders))
            show("overview (today)", timed(client, f"/dashboard/unions/{root}", args.renders))
            show(f"overview as of {args.as_of}",
                 timed(client, f"/dashboard/unions/{root}?as_of={args.as_of}", args.renders))
            show("drill-down (children, today)",
                 timed(client, f"/dashboard/unions/{root}/children", args.renders))
    finally:
        runtime.close()


def _root(store: object) -> str:
    with store.db.read() as tx:  # type: ignore[attr-defined]
        row = tx.one("SELECT code FROM @unions WHERE parent_code IS NULL")
    assert row, "no root union"
    return str(row[0])


if __name__ == "__main__":
    main()

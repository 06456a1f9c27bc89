"""(f) As-of reconstruction of a membership with 200+ events: in-process replay (load the
history, apply the events effective by the date) and over HTTP (GET /memberships/{id}?as_of=).

Usage: .venv/bin/python scripts/bench_asof.py --database-url URL [--repeat 100]
The ledger must come from scripts/gen_national.py --bench-keys (it records one member who
transfers back and forth 100 times: 201 events).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import bench_settings, describe, figure, latencies, ledger_server, pct  # noqa: E402

from api.http.auth import mint_token  # noqa: E402
from api.http.member_view import replay_as_of  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.wiring import build_runtime  # noqa: E402


def long_member(settings: Settings, events: int) -> str:
    import psycopg

    with psycopg.connect(settings.postgres_conninfo()) as conn:
        row = conn.execute("SELECT originator_id FROM ledger_events WHERE originator_version = %s"
                           " LIMIT 1", (events,)).fetchone()
    if row is None:
        raise SystemExit(f"no membership with {events} events: generate with gen_national.py")
    return str(row[0])


def run(settings: Settings, repeat: int, events: int = 200) -> dict[str, float]:
    mid = long_member(settings, events)
    rt = build_runtime(settings, create_table=False)
    try:
        history = rt.ledger.history(mid)
        mid_date = history[len(history) // 2].effective_on  # half-way through the history
        root = rt.ledger.get_union(history[0].union_id)
        while root.parent_code:
            root = rt.ledger.get_union(root.parent_code)

        def replay(_: int) -> Any:
            return replay_as_of(rt.ledger.history(mid), mid_date)

        local = latencies(repeat, replay)
        print(f"in-process history + replay of {len(history)} events as of {mid_date}:"
              f" {describe(local)}")
    finally:
        rt.close()
    import httpx2 as httpx

    token = mint_token(settings.keys()["token_secret"], subject="bench", role="national_admin",
                       scope=root.code)
    with ledger_server(settings) as (base, _proc), httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as c:
        def get(_: int) -> None:
            r = c.get(f"/memberships/{mid}", params={"as_of": mid_date.isoformat()})
            assert r.status_code == 200, r.text

        remote = latencies(repeat, get)
        print(f"GET /memberships/{{id}}?as_of= : {describe(remote)}")
    figure("f1", f"as-of replay of a {len(history)}-event membership, in process, p99",
           pct(local, 0.99), "ms", higher_is_better=False)
    figure("f2", f"as-of GET of a {len(history)}-event membership over HTTP, p99",
           pct(remote, 0.99), "ms", higher_is_better=False)
    return {"local_p99": pct(local, 0.99), "http_p99": pct(remote, 0.99)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--repeat", type=int, default=100)
    args = ap.parse_args()
    run(bench_settings(args.database_url), args.repeat)


if __name__ == "__main__":
    main()

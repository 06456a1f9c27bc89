"""(d) National and provincial counts over HTTP, now and as of a date, beside COUNT(*) over a
plain members table joined to a plain union table built from the projection data (same DB).

Usage: .venv/bin/python scripts/bench_counts.py --database-url URL [--repeat 20]
         [--as-of 2024-06-30]
The ledger must come from scripts/gen_national.py --bench-keys --project.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import bench_settings, describe, figure, latencies, ledger_server, pct  # noqa: E402

from api.http.auth import mint_token  # noqa: E402
from api.settings import Settings  # noqa: E402

PLAIN = (
    "DROP TABLE IF EXISTS bench_plain_members, bench_plain_unions",
    "CREATE TABLE bench_plain_unions AS SELECT code, substr(region_code, 1, 2) AS province"
    " FROM unions",
    "CREATE TABLE bench_plain_members AS SELECT member_id, union_code FROM member_directory"
    " WHERE status IN ('active', 'retained', 'in_transit')",
    "ANALYZE bench_plain_unions",
    "ANALYZE bench_plain_members",
)
COUNT = ("SELECT COUNT(*) FROM bench_plain_members m JOIN bench_plain_unions u"
         " ON u.code = m.union_code")


def sql_baseline(conninfo: str, province: str, repeat: int) -> tuple[float, float, int, int]:
    """p50 ms of the plain national and provincial COUNT(*) (tables built, then dropped)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True) as conn:
        for stmt in PLAIN:
            conn.execute(stmt)
        try:
            nat = latencies(repeat, lambda _: conn.execute(COUNT).fetchone())
            prov = latencies(repeat, lambda _: conn.execute(
                COUNT + " WHERE u.province = %s", (province,)).fetchone())
            n_nat = conn.execute(COUNT).fetchone()[0]  # type: ignore[index]
            n_prov = conn.execute(COUNT + " WHERE u.province = %s",
                                  (province,)).fetchone()[0]  # type: ignore[index]
        finally:
            conn.execute(PLAIN[0])
    return pct(nat, 0.5), pct(prov, 0.5), int(n_nat), int(n_prov)


def root_and_province(conninfo: str) -> tuple[str, str, str]:
    import psycopg

    with psycopg.connect(conninfo) as conn:
        root = conn.execute("SELECT code FROM unions WHERE parent_code IS NULL").fetchone()[0]  # type: ignore[index]
        prov, region = conn.execute(  # type: ignore[misc]
            "SELECT code, region_code FROM unions WHERE parent_code = %s ORDER BY code",
            (root,)).fetchone()
    return root, prov, region[:2]


def run(settings: Settings, repeat: int, as_of: str) -> dict[str, Any]:
    import httpx2 as httpx

    conninfo = settings.postgres_conninfo()
    root, prov, prefix = root_and_province(conninfo)
    token = mint_token(settings.keys()["token_secret"], subject="bench", role="national_admin",
                       scope=root)
    out: dict[str, Any] = {}
    with ledger_server(settings) as (base, _proc), httpx.Client(
            base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=120) as c:
        for scope, code in (("national", root), ("provincial", prov)):
            for label, query in (("now", ""), (f"as of {as_of}", f"?as_of={as_of}")):
                holding: list[int] = []

                def get(_: int, path: str = f"/unions/{code}/counts{query}",
                        holding: list[int] = holding) -> None:
                    r = c.get(path)
                    assert r.status_code == 200, r.text
                    holding.append(r.json()["subtree"]["holding"])

                t0 = time.perf_counter()
                ms = latencies(repeat, get)
                print(f"{scope} counts {label}: {describe(ms)}; holding {holding[-1]:,}"
                      f" ({time.perf_counter() - t0:.1f} s)")
                out[(scope, label)] = (pct(ms, 0.5), pct(ms, 0.99), holding[-1])
    nat_ms, prov_ms, n_nat, n_prov = sql_baseline(conninfo, prefix, repeat)
    print(f"baseline COUNT(*) national {nat_ms:.1f} ms ({n_nat:,}), province {prefix}"
          f" {prov_ms:.1f} ms ({n_prov:,})")
    for fid, scope, base_ms in (("d1", "national", nat_ms), ("d2", "provincial", prov_ms)):
        p50_now, p99_now, _ = out[(scope, "now")]
        p50_asof, p99_asof, _ = out[(scope, f"as of {as_of}")]
        figure(fid + "a", f"{scope} counts (now) p99 over HTTP", p99_now, "ms", base_ms,
               "ms (plain COUNT(*) join, p50)", higher_is_better=False)
        figure(fid + "b", f"{scope} counts as of {as_of} p99 over HTTP", p99_asof, "ms",
               base_ms, "ms (plain COUNT(*) join, p50)", higher_is_better=False)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--as-of", default="2024-06-30")
    args = ap.parse_args()
    run(bench_settings(args.database_url), args.repeat, args.as_of)


if __name__ == "__main__":
    main()

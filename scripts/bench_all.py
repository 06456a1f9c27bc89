"""One driver for the benchmarks of BENCHMARKS.md; each prints FIGURE lines with its baseline.

  ingest   (a) bulk join ingest with projections caught up vs raw executemany (bench_import.py):
           a1 import only, a2 then a catch-up, a3 beside a `project --follow` process
  rebuild  (e) projection rebuild vs read + decode alone (bench_rebuild.py)
  national (b, c, d, f, g) on a ledger from gen_national.py: HTTP joins and lookups, counts,
           as-of replay, API and projection process peak RSS, a full rebuild, database size

Usage: .venv/bin/python scripts/bench_all.py ingest [--rows 100000]
       .venv/bin/python scripts/bench_all.py rebuild [--members 100000]
       .venv/bin/python scripts/bench_all.py national --database-url URL --members N
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_asof  # noqa: E402
import bench_counts  # noqa: E402
import bench_http  # noqa: E402
from bench_support import PY, ROOT, bench_settings, figure, peak_rss_mb, server_env  # noqa: E402

from api.settings import Settings  # noqa: E402

NUM = r"([\d,]+(?:\.\d+)?)"


def _run(script: str, args: list[str]) -> str:
    """Runs an existing benchmark script, echoes its output, returns it."""
    proc = subprocess.run([PY, str(ROOT / "scripts" / script), *args], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    print(proc.stdout, end="")
    if proc.returncode:
        print(proc.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"{script} failed ({proc.returncode})")
    return proc.stdout


def _num(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    if not m:
        raise SystemExit(f"benchmark output changed: no match for {pattern!r}")
    return float(m.group(1).replace(",", ""))


def ingest(rows: int) -> None:
    out = _run("bench_import.py", ["--rows", str(rows), "--database", "postgres"])
    both = _num(r"import \+ projections\s+[\d.]+ s\s+" + NUM + " members/s", out)
    raw = _num(r"raw executemany\s+[\d.]+ s\s+" + NUM + " rows/s", out)
    alone = _num(r"import only\s+[\d.]+ s\s+" + NUM + " members/s", out)
    figure("a1", f"bulk join ingest (import only), {rows:,} members", alone, "members/s", raw,
           "rows/s (raw executemany)")
    figure("a2", f"bulk join ingest with projections caught up, {rows:,} members", both,
           "members/s", raw, "rows/s (raw executemany)")
    follower = _num(r"import with follower\s+[\d.]+ s\s+" + NUM + " members/s", out)
    figure("a3", f"bulk join ingest beside a `project --follow` process until caught up,"
           f" {rows:,} members", follower, "members/s", raw, "rows/s (raw executemany)")


def rebuild(members: int, workers: int) -> None:
    out = _run("bench_rebuild.py", ["--members", str(members), "--database", "postgres",
                                    "--workers", str(workers)])
    rate = r"^\((\w)\) (.+?)\s+[\d,]+ events\s+[\d.]+ s\s+" + NUM + " events/s"
    rows = [(m.group(1), m.group(2).strip(), float(m.group(3).replace(",", "")))
            for m in re.finditer(rate, out, re.M)]
    read = next((r for key, _, r in rows if key == "a"), 0.0)
    rebuilds = [(label, r) for key, label, r in rows if key != "a"]
    if not read or not rebuilds:
        raise SystemExit("benchmark output changed: no (a) read or (b) rebuild line")
    for n, (label, r) in enumerate(rebuilds, 1):
        figure(f"e{n}", f"projection {label}, {members:,} members", r, "events/s", read,
               "events/s (read + decode alone)")


def projection_process(settings: Settings, members: int) -> None:
    """A full `union-ledger project --rebuild` in its own process: rate and peak RSS."""
    import psycopg

    args = [str(ROOT / ".venv" / "bin" / "union-ledger"), "project", "--rebuild",
            "--database-url", settings.database_url or ""]
    t0 = time.perf_counter()
    proc = subprocess.Popen(args, cwd=ROOT, env=server_env(settings), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    peak = 0.0
    while proc.poll() is None:
        try:
            peak = max(peak, peak_rss_mb(proc.pid))
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.2)
    proc.wait()
    took = time.perf_counter() - t0
    if proc.returncode:
        raise SystemExit(f"project --rebuild failed: {proc.stderr.read().decode()[-2000:]}"
                         if proc.stderr else "project --rebuild failed")
    with psycopg.connect(settings.postgres_conninfo()) as conn:
        events = conn.execute("SELECT max(notification_id) FROM ledger_events").fetchone()[0]  # type: ignore[index]
        size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    figure("e0", f"full rebuild at national scale ({events:,} events, CLI process incl."
           " start-up)", events / took, "events/s")
    figure("g2", "projection process peak RSS (project --rebuild)", peak, "MB",
           higher_is_better=False)
    figure("g3", f"database size per million members ({members:,} members,"
           f" {size / 2**20:,.0f} MB)", size / 2**20 / members * 1_000_000, "MB",
           higher_is_better=False)


def national(url: str, members: int, requests: int, lookups: int, repeat: int,
             skip_rebuild: bool) -> None:
    settings = bench_settings(url)
    if not skip_rebuild:  # first: the reads below need the projections (this also builds them)
        projection_process(settings, members)
    bench_http.run(settings, members, requests, 16, lookups)
    bench_counts.run(settings, repeat, "2024-06-30")
    bench_asof.run(settings, max(repeat, 50))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ingest")
    a.add_argument("--rows", type=int, default=100_000)
    e = sub.add_parser("rebuild")
    e.add_argument("--members", type=int, default=100_000)
    e.add_argument("--workers", type=int, default=2)
    n = sub.add_parser("national")
    n.add_argument("--database-url", required=True)
    n.add_argument("--members", type=int, required=True, help="as given to gen_national")
    n.add_argument("--requests", type=int, default=2000)
    n.add_argument("--lookups", type=int, default=2000)
    n.add_argument("--repeat", type=int, default=20)
    n.add_argument("--skip-rebuild", action="store_true")
    args = ap.parse_args()
    if args.cmd == "ingest":
        ingest(args.rows)
    elif args.cmd == "rebuild":
        rebuild(args.members, args.workers)
    else:
        national(args.database_url, args.members, args.requests, args.lookups, args.repeat,
                 args.skip_rebuild)


if __name__ == "__main__":
    main()

"""Collective-registration import throughput (members/s) against raw psycopg executemany.

Usage: .venv/bin/python scripts/bench_import.py [--rows N] [--database postgres|sqlite]
Generates an N-row CSV (platform workers in the township), imports it with run_import (parse,
validate every row with the ledger's rules, seal personal data, batches of 2,000), then times
the projections catching up; the baseline inserts equivalent rows into a plain table.

Two "with projections caught up" figures, each on its own fresh database:
- sequential: the import, then one catch-up of every view (`import + projections`);
- with a follower (PostgreSQL): the deployment's `union-ledger project --follow` process runs
  beside the import, as in production; timed from the import's start until every view has
  committed the last event (`import with follower`).

`--per-view` catches the views up one at a time instead (each reads the log itself) and prints
what each cost per member: time, this process's CPU, and PostgreSQL's (where the projections'
work goes; the views that read no imported event show the cost of reading alone).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.importer.parse import read_rows  # noqa: E402
from api.importer.run import BATCH, run_import  # noqa: E402
from api.settings import Settings  # noqa: E402
from api.wiring import build_runtime  # noqa: E402
from projections import gc_tuning  # noqa: E402
from tests.builders import build_tree  # noqa: E402
from tests.import_sheets import csv_bytes, valid_row  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
TODAY = date(2026, 11, 28)
HEADERS = ["姓名", "公民身份号码", "手机号码", "职业群体", "就业形态", "用人单位统一社会信用代码",
           "用工单位统一社会信用代码", "工作地区划代码", "居住地区划代码", "入会日期", "备注"]


def make_settings(database: str, tmp: Path) -> tuple[Settings, str | None]:
    if database == "sqlite":
        return Settings(data_dir=tmp / "data"), None
    name = f"ul_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return Settings(database_url=f"postgresql://postgres@127.0.0.1:5432/{name}",
                    secret_key="a1" * 32, master_key="b2" * 32, token_secret="c3" * 32,
                    data_dir=tmp / "data"), name


def drop(dbname: str | None) -> None:
    if dbname:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process of this machine so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _backends_cpu(dbname: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to `dbname` (a local server)."""
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (dbname,)).fetchall()]
    out: dict[int, float] = {}
    for pid in pids:
        with contextlib.suppress(OSError):  # gone meanwhile, or not a local server
            out[pid] = _cpu_s(pid)
    return out


class CpuSplit:
    """Where the CPU of the with-follower run went: this process (the import), the follower
    process and this database's PostgreSQL backends (read at the start and the end: the pools
    keep their connections). None where /proc cannot tell (not Linux)."""

    def __init__(self, dbname: str, follower_pid: int) -> None:
        self.dbname, self.follower_pid = dbname, follower_pid
        self.start_import = time.process_time()
        self.start_follower = self._follower()
        self.start_pg = _backends_cpu(dbname)
        self.imported: float | None = None

    def _follower(self) -> float | None:
        try:
            return _cpu_s(self.follower_pid)
        except OSError:
            return None

    def import_done(self) -> None:
        self.imported = time.process_time() - self.start_import

    def finish(self) -> tuple[float | None, float | None, float]:
        """(import, follower, PostgreSQL) CPU seconds of the run."""
        end = self._follower()
        follower = None if end is None or self.start_follower is None else (
            end - self.start_follower)
        pg = sum(v - self.start_pg.get(pid, 0.0) for pid, v in _backends_cpu(self.dbname).items())
        return self.imported, follower, pg


class GcTime:
    """Collections of the cyclic garbage collector in this process while inside, and their
    time (gc.callbacks)."""

    def __init__(self) -> None:
        self.seconds, self.count, self._t0 = 0.0, 0, 0.0

    def _cb(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._t0 = time.perf_counter()
        else:
            self.seconds += time.perf_counter() - self._t0
            self.count += 1

    def __enter__(self) -> GcTime:
        gc.callbacks.append(self._cb)
        return self

    def __exit__(self, *exc: object) -> None:
        gc.callbacks.remove(self._cb)


def with_follower(data: bytes, n: int, tmp: Path, batch: int = BATCH
                  ) -> tuple[float, float, tuple[float | None, float | None, float]]:
    """Import while a `union-ledger project --follow` process projects → (import s, until
    every view has committed the last event s, CPU s of the import, the follower and the
    database's backends)."""
    from projections import open_read_side

    settings, dbname = make_settings("postgres", tmp)
    log = tmp / "follower.log"
    proc: subprocess.Popen[bytes] | None = None
    try:
        rt = build_runtime(settings, today=lambda: TODAY)
        try:
            tree = build_tree(rt.ledger)
            store, runner = open_read_side(rt, start_runner=False)
            runner.catch_up()  # the tree itself, before the clock starts
            env = dict(os.environ, PYTHONUNBUFFERED="1",
                       UNION_LEDGER_SECRET_KEY=settings.secret_key or "",
                       UNION_LEDGER_MASTER_KEY=settings.master_key or "",
                       UNION_LEDGER_TOKEN_SECRET=settings.token_secret or "")
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-c", "from api.cli import main; main()", "project",
                     "--follow", "--poll", "0.2", "--database-url", settings.database_url or ""],
                    env=env, stdout=out, stderr=subprocess.STDOUT,
                    cwd=Path(__file__).resolve().parents[1])
            deadline = time.monotonic() + 60
            while b"following" not in log.read_bytes():  # already running, as in production
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the follower did not start:\n{log.read_text()}")
                time.sleep(0.05)
            assert dbname is not None
            cpu = CpuSplit(dbname, proc.pid)
            start = time.perf_counter()
            report = run_import(rt.ledger, data, "bench.csv", union_code=tree.township,
                                channel="collective_registration", recorded_by="bench",
                                batch_size=batch)
            import_s = time.perf_counter() - start
            cpu.import_done()
            assert report.recorded == n, report.summary()
            top = rt.ledger.recorder.max_notification_id() or 0
            while min(store.positions().values()) < top:
                if proc.poll() is not None:
                    raise SystemExit(f"the follower died:\n{log.read_text()}")
                time.sleep(0.02)
            caught_s = time.perf_counter() - start
            split = cpu.finish()
            assert store.counts(tree.township)["self"]["total"] == n
        finally:
            if proc is not None and proc.poll() is None:
                proc.terminate()
                proc.wait(30)
            rt.close()
    finally:
        drop(dbname)
    return import_s, caught_s, split


def per_view(runner: Any, dbname: str | None, n: int) -> list[str]:
    """Each view caught up on its own → a line per view: seconds, and µs per member of this
    process's CPU and of the database's backends (PostgreSQL; "-" elsewhere)."""
    lines = []
    for view in runner.views:
        pg0 = _backends_cpu(dbname) if dbname else {}
        cpu0, t0 = time.process_time(), time.perf_counter()
        runner.catch_up(names=[view.name])
        took, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        pg = "    -"
        if dbname:
            spent = sum(v - pg0.get(p, 0.0) for p, v in _backends_cpu(dbname).items())
            pg = f"{spent / n * 1e6:5.0f}"
        lines.append(f"  {view.name:22s}{took:8.2f} s   CPU per member: here"
                     f" {cpu / n * 1e6:5.0f} µs, PostgreSQL {pg} µs")
    return lines


def baseline(settings: Settings, rows: list[dict[str, str]]) -> float:
    """Raw executemany of the same people (hashed id, union, group, a 200-byte blob) → rows/s."""
    if not settings.is_postgres:
        return 0.0
    data = [(uuid.uuid4(), "893502039D4H3J9HTE", r["worker_group"], "collective_registration",
             r["work_region"], b"x" * 200) for r in rows]
    with psycopg.connect(settings.postgres_conninfo()) as conn:
        conn.execute("CREATE TABLE bench_plain (id uuid PRIMARY KEY, union_code text,"
                     " worker_group text, channel text, work_region text, sealed bytea)")
        conn.commit()
        start = time.perf_counter()
        with conn.cursor() as cur:
            for k in range(0, len(data), 500):
                cur.executemany("INSERT INTO bench_plain VALUES (%s,%s,%s,%s,%s,%s)",
                                data[k:k + 500])
                conn.commit()
        took = time.perf_counter() - start
        conn.execute("DROP TABLE bench_plain")
    return len(data) / took


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="postgres")
    ap.add_argument("--batch", type=int, default=BATCH, help="rows per atomic batch")
    ap.add_argument("--no-projections", action="store_true")
    ap.add_argument("--default-gc", action="store_true",
                    help="run with CPython's default collector thresholds (as before"
                         " projections.gc_tuning), to compare")
    ap.add_argument("--no-follower", action="store_true",
                    help="skip the run with a concurrent `project --follow` process")
    ap.add_argument("--per-view", action="store_true",
                    help="catch the views up one at a time and print what each cost")
    args = ap.parse_args()
    if args.default_gc:  # fewer_collections() then sets the thresholds CPython starts with
        gc_tuning.BULK_THRESHOLDS = (700, 10, 10)
    rng = random.Random(2021)
    taken: set[str] = set()
    rows = [valid_row(rng, taken) for _ in range(args.rows)]
    data = csv_bytes(rows, HEADERS)
    start = time.perf_counter()
    read_rows(data, "bench.csv")
    parse_s = time.perf_counter() - start
    with tempfile.TemporaryDirectory() as tmp:
        settings, dbname = make_settings(args.database, Path(tmp))
        try:
            rt = build_runtime(settings, today=lambda: TODAY)
            try:
                tree = build_tree(rt.ledger)
                start = time.perf_counter()
                with GcTime() as collected:
                    report = run_import(rt.ledger, data, "bench.csv",
                                        union_code=tree.township,
                                        channel="collective_registration", recorded_by="bench",
                                        batch_size=args.batch)
                import_s = time.perf_counter() - start
                assert report.recorded == args.rows, report.summary()
                project_s, views = None, []
                if not args.no_projections:
                    from projections import open_read_side

                    _, runner = open_read_side(rt, start_runner=False)
                    if args.per_view:
                        views = per_view(runner, dbname, args.rows)
                    else:
                        start = time.perf_counter()
                        runner.catch_up()
                        project_s = time.perf_counter() - start
            finally:
                rt.close()
            raw = baseline(settings, rows)
        finally:
            drop(dbname)
        follower = None
        if args.database == "postgres" and not (args.no_projections or args.no_follower):
            follower = with_follower(data, args.rows, Path(tmp), args.batch)
    n = args.rows
    print(f"database {args.database}, {n:,} rows in batches of {args.batch}"
          f" (CSV parse alone {parse_s:.2f} s)")
    print(f"import only            {import_s:8.2f} s {n / import_s:10,.0f} members/s")
    print(f"  garbage collections  {collected.seconds:8.2f} s {collected.count:10,} during the"
          f" import (thresholds {gc_tuning.BULK_THRESHOLDS})")
    if views:
        print("projections, one view at a time (each reads the log itself):")
        print("\n".join(views))
    if project_s is not None:
        both = import_s + project_s
        print(f"projections catch-up   {project_s:8.2f} s {n / project_s:10,.0f} events/s")
        print(f"import + projections   {both:8.2f} s {n / both:10,.0f} members/s"
              "  (sequential: import, then catch-up)")
    if follower is not None:
        imp, caught, (cpu_import, cpu_follower, cpu_pg) = follower
        print(f"import with follower   {caught:8.2f} s {n / caught:10,.0f} members/s"
              f"  (projections caught up; the import itself {imp:.2f} s)")
        parts = {"import": cpu_import, "follower": cpu_follower, "PostgreSQL": cpu_pg}
        known = {k: v for k, v in parts.items() if v is not None}
        print("  CPU per member        " + ", ".join(
            f"{k} {v / n * 1e6:,.0f} µs" for k, v in known.items())
            + f" = {sum(known.values()) / n * 1e6:,.0f} µs"
            "  (2 cores give 200 µs per member at 10,000/s)")
    if raw:
        print(f"raw executemany        {n / raw:8.2f} s {raw:10,.0f} rows/s")
        print(f"import / raw ratio     {(n / import_s) / raw:8.2f}")


if __name__ == "__main__":
    main()

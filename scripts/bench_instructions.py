"""Instructions per imported row and per projected event, counted by valgrind's callgrind:
a comparison of two versions of the code that the machine's speed does not move.

Usage (valgrind must be installed: `apt-get install valgrind`):

    .venv/bin/python scripts/bench_instructions.py [--checkout DIR] [--rows 200,1200]

On a machine whose speed swings (the same import took 77-130 µs of CPU per member within an
hour here), timings of two versions need many alternating runs; the instructions the Python
process executes are the same run after run (±0.01 %). For each size the workload runs twice
under callgrind — the collective import alone, then the import and the projections' catch-up
— on a fresh PostgreSQL database (`--database sqlite` for the embedded store); the difference
between the two sizes, per row, leaves out start-up: the import's instructions per row (all of
its threads) and the catch-up's per event. The server's own work is not counted (it is
another process: `bench_import.py` reports its CPU). `--checkout` measures another checkout's
code (a git worktree of an older commit, say) with this script and this virtualenv.

`--workload import|project --rows N` runs the workload itself once, natively (what callgrind
runs; the CI smoke test runs it so).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import uuid
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
HEADERS = ["姓名", "公民身份号码", "手机号码", "职业群体", "就业形态", "用人单位统一社会信用代码",
           "用工单位统一社会信用代码", "工作地区划代码", "居住地区划代码", "入会日期", "备注"]


def workload(phase: str, rows: int, database: str) -> None:
    """The collective import of `rows` generated rows (batches of 500) into a new store, then,
    for phase "project", the projections' catch-up of the same log."""
    from api.importer.run import run_import
    from api.settings import Settings
    from api.wiring import build_runtime
    from projections import open_read_side
    from tests.builders import build_tree
    from tests.import_sheets import csv_bytes, valid_row

    rng, taken = random.Random(2021), set[str]()
    data = csv_bytes([valid_row(rng, taken) for _ in range(rows)], HEADERS)
    keys = dict(secret_key="a1" * 32, master_key="b2" * 32, token_secret="c3" * 32)
    with tempfile.TemporaryDirectory() as tmp:
        name = url = None
        if database == "postgres":
            import psycopg

            name = f"ul_instr_{uuid.uuid4().hex[:10]}"
            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{name}"')
            url = f"postgresql://postgres@127.0.0.1:5432/{name}"
        try:
            rt = build_runtime(Settings(database_url=url, data_dir=Path(tmp) / "data", **keys),
                               today=lambda: date(2026, 11, 28))
            try:
                tree = build_tree(rt.ledger)
                _, runner = open_read_side(rt, start_runner=False)
                runner.catch_up()  # the tree, before the measured work
                report = run_import(rt.ledger, data, "rows.csv", union_code=tree.township,
                                    channel="collective_registration", recorded_by="bench",
                                    batch_size=500)
                assert report.recorded == rows, report.summary()
                if phase == "project":
                    runner.catch_up()
            finally:
                rt.close()
        finally:
            if name:
                import psycopg

                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def count(checkout: Path, phase: str, rows: int, database: str) -> int:
    """Instructions callgrind counts for one run of the workload (every thread)."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable,
             str(Path(__file__).resolve()), "--workload", phase, "--rows", str(rows),
             "--database", database],
            cwd=checkout, env={**os.environ, "PYTHONPATH": str(checkout)}, check=True,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for line in out.read_text().splitlines():
            if line.startswith(("summary:", "totals:")):
                return int(line.split()[1])
    raise SystemExit(f"no instruction total in callgrind's output for {phase} {rows}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkout", type=Path, default=HERE,
                    help="the code to measure (default: this checkout)")
    ap.add_argument("--rows", default="200,1200", help="the two sizes, comma-separated")
    ap.add_argument("--database", choices=["postgres", "sqlite"], default="postgres")
    ap.add_argument("--workload", choices=["import", "project"],
                    help="run the workload once, natively (what callgrind runs)")
    args = ap.parse_args()
    if args.workload:
        if "PYTHONPATH" not in os.environ:  # (set to the measured checkout by `count`)
            sys.path.insert(0, str(HERE))
        workload(args.workload, int(args.rows), args.database)
        return
    small, big = (int(n) for n in args.rows.split(","))
    if shutil.which("valgrind") is None:
        raise SystemExit("valgrind is not installed (Debian: apt-get install valgrind)")
    checkout = args.checkout.resolve()
    got = {(phase, n): count(checkout, phase, n, args.database)
           for phase in ("import", "project") for n in (small, big)}
    per_row = (got["import", big] - got["import", small]) / (big - small)
    per_event = ((got["project", big] - got["project", small]) / (big - small)) - per_row
    print(f"checkout {checkout} ({args.database}), rows {small} and {big}")
    print(f"import           {per_row:12,.0f} instructions per row (the import's process)")
    print(f"catch-up         {per_event:12,.0f} instructions per event (the projections)")


if __name__ == "__main__":
    main()

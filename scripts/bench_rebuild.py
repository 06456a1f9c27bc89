"""Throughput of a full projection rebuild against just reading and decoding the same events.

Usage: .venv/bin/python scripts/bench_rebuild.py [--members N] [--database sqlite|postgres]
       .venv/bin/python scripts/bench_rebuild.py --database-url URL --workers 1 --skip-incremental
(the second: an existing ledger, e.g. the national one of scripts/gen_national.py --bench-keys)
Generates N joins through `ledger.join_many` (and some transfers), then measures each in a fresh
process (cold key cache, own peak RSS): (a) read+decode every notification, (b) rebuild every
view: bulk (the default: fold in memory, COPY, one transaction) and, with --workers N,
partitioned event by event; (i) the event-by-event rebuild in one process (bulk=False).
"""

from __future__ import annotations

import argparse
import logging
import multiprocessing
import os
import random
import resource
import sys
import tempfile
import time
import uuid
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.settings import Settings  # noqa: E402
from api.wiring import build_runtime  # noqa: E402
from projections import open_read_side  # noqa: E402
from tests.builders import build_tree, join_request, person  # noqa: E402

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
TODAY = date(2026, 11, 28)


def make_settings(database: str, tmp: Path) -> tuple[Settings, str | None]:
    if database == "sqlite":
        return Settings(data_dir=tmp / "data"), None
    name = f"ul_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return Settings(database_url=f"postgresql://postgres@127.0.0.1:5432/{name}",
                    secret_key="a1" * 32, master_key="b2" * 32, token_secret="c3" * 32,
                    data_dir=tmp / "data"), name


def generate(settings: Settings, members: int, transfer_share: float) -> int:
    rt = build_runtime(settings, today=lambda: TODAY)
    try:
        ledger = rt.ledger
        tree = build_tree(ledger)
        unions = [tree.township, tree.village, tree.industry]
        rng = random.Random(2021)
        ids: list[str] = []
        groups = ["courier", "food_delivery_rider", "ride_hailing_driver", "truck_driver"]
        start = time.perf_counter()
        for i in range(0, members, 1000):
            reqs = [join_request(person(rng), rng.choice(unions), group=rng.choice(groups),
                                 effective_on="2025-01-10") for _ in range(min(1000, members - i))]
            ledger.join_many(reqs)
            ids += [str(ledger.identity.membership_id(r.details.resident_id)) for r in reqs]
        moved = rng.sample(ids, int(len(ids) * transfer_share))
        for n, mid in enumerate(moved):
            m = ledger.get_membership(mid)
            dest = next(u for u in unions if u != m.union_id)
            ledger.transfer_out(mid, destination_code=dest, reason="换工作地", recorded_by="bench",
                                effective_on="2025-06-01")
            if n % 2 == 0:
                ledger.transfer_in(mid, union_code=dest, recorded_by="bench",
                                   effective_on="2025-06-15")
        total = ledger.recorder.max_notification_id() or 0
        print(f"generated {members:,} members, {len(moved):,} transfers: {total:,} events"
              f" in {time.perf_counter() - start:.1f} s")
        return total
    finally:
        rt.close()


def read_decode(settings: Settings, batch: int, _: int, __: bool) -> tuple[int, float, float]:
    rt = build_runtime(settings, today=lambda: TODAY, create_table=False)
    try:
        n, gt = 0, 0
        wall, cpu = time.perf_counter(), time.process_time()
        while True:
            got = rt.ledger.recorder.select_notifications(start=gt + 1, limit=batch)
            if not got:
                break
            for x in got:
                rt.ledger.mapper.to_domain_event(x)
            n += len(got)
            gt = got[-1].id
        return n, time.perf_counter() - wall, time.process_time() - cpu
    finally:
        rt.close()


def rebuild(settings: Settings, batch: int, workers: int,
            bulk: bool) -> tuple[int, float, float]:
    rt = build_runtime(settings, today=lambda: TODAY, create_table=False)
    try:
        _, runner = open_read_side(rt, start_runner=False, batch_size=batch)
        wall, cpu = time.perf_counter(), time.process_time()
        n = runner.rebuild(workers=workers, bulk=bulk, worker_runtime=partial(
            build_runtime, settings, create_table=False))
        return n, time.perf_counter() - wall, time.process_time() - cpu
    finally:
        rt.close()


def _child(out: Any, fn: Any, *args: Any) -> None:
    # the rebuild's phases (projections.bulk, projections.bulk_load) on stderr
    logging.basicConfig(level=logging.INFO, format="    %(name)s: %(message)s")
    n, wall, cpu = fn(*args)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    if kids.ru_utime + kids.ru_stime:
        print(f"    helper processes: {kids.ru_utime + kids.ru_stime:.1f} CPU s")
    out.put((n, wall, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024))


def _busy() -> tuple[float, float]:
    """(busy, all) CPU seconds of the whole machine so far (Linux /proc/stat), every process
    (this one, its helpers, PostgreSQL) and core together."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    except (OSError, ValueError):
        return 0.0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / tick, sum(fields) / tick


def measure(fn: Any, *args: Any) -> tuple[int, float, float, float]:
    """Runs one measurement in a fresh process: (events, wall s, CPU s, peak RSS MB); prints
    how busy the machine's cores were meanwhile (a rebuild bound by CPU keeps them all busy)."""
    ctx = multiprocessing.get_context("spawn")
    out = ctx.Queue()
    busy, total = _busy()
    proc = ctx.Process(target=_child, args=(out, fn, *args))  # not daemonic: may have workers
    proc.start()
    try:
        return out.get()  # type: ignore[no-any-return]
    finally:
        proc.join()
        busy2, total2 = _busy()
        if total2 > total:
            print(f"    machine: {busy2 - busy:.1f} CPU s busy of {total2 - total:.1f}"
                  f" ({os.cpu_count()} cores, {(busy2 - busy) / (total2 - total):.0%})")


def report(label: str, n: int, wall: float, cpu: float, rss: float) -> None:
    print(f"{label:<30} {n:>9,} events {wall:8.2f} s {n / wall:10,.0f} events/s"
          f"   (this process: {cpu / n * 1e6:6.1f} µs CPU/event, peak RSS {rss:,.0f} MB)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--batch-size", type=int, default=5000)
    ap.add_argument("--transfer-share", type=float, default=0.05)
    ap.add_argument("--workers", type=int, default=2, help="also rebuild with N processes")
    ap.add_argument("--skip-incremental", action="store_true",
                    help="skip (i), the event-by-event rebuild (slow at a million members)")
    ap.add_argument("--database-url", help="an existing PostgreSQL ledger made with the bench"
                    " keys (scripts/gen_national.py --bench-keys): nothing generated or dropped")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.database_url:
            args.database = "postgres"
            settings, dbname = Settings(
                database_url=args.database_url, secret_key="a1" * 32, master_key="b2" * 32,
                token_secret="c3" * 32, data_dir=Path(tmp) / "data"), None
        else:
            settings, dbname = make_settings(args.database, Path(tmp))
        try:
            if not args.database_url:
                generate(settings, args.members, args.transfer_share)
            n_read, t_read, c_read, r_read = measure(read_decode, settings, args.batch_size, 1,
                                                     True)
            report("(a) read + decode", n_read, t_read, c_read, r_read)
            rates = {"read": n_read / t_read}
            for workers in sorted({1, args.workers}):
                n_rb, t_rb, c_rb, r_rb = measure(rebuild, settings, args.batch_size, workers,
                                                 True)
                report(f"(b) rebuild, {workers} process(es)", n_rb, t_rb, c_rb, r_rb)
                how = "bulk: in memory, COPY" if workers == 1 else "partitioned, event by event"
                print(f"    {how}; rebuild / baseline time ratio: {t_rb / t_read:.2f}"
                      f" ({args.database}, batch {args.batch_size})")
                rates[f"b{workers}"] = n_rb / t_rb
            if not args.skip_incremental:
                n_i, t_i, c_i, r_i = measure(rebuild, settings, args.batch_size, 1, False)
                report("(i) incremental rebuild, 1", n_i, t_i, c_i, r_i)
                rates["inc"] = n_i / t_i
                print(f"summary ({args.database}, {args.members:,} members, same run):"
                      f" read+decode {rates['read']:,.0f}/s; bulk {rates['b1']:,.0f}/s"
                      f" = {rates['b1'] / rates['read']:.2f} x read+decode"
                      f" = {rates['b1'] / rates['inc']:.2f} x incremental"
                      f" ({rates['inc']:,.0f}/s = {rates['inc'] / rates['read']:.2f} x read)")
        finally:
            if dbname:
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()

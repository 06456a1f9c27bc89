"""CI smoke for the benchmarks: the national generator and every benchmark script run end to end
at a seconds-long size and print their FIGURE lines (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import create_pg_database, drop_pg_database

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
pytestmark = pytest.mark.postgres


def run(*args: str) -> str:
    proc = subprocess.run([PY, *args], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "COLUMNS": "120"})
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def figures(out: str) -> set[str]:
    return {line.split()[1] for line in out.splitlines() if line.startswith("FIGURE ")}


@pytest.fixture
def database_url() -> Iterator[str]:
    name = create_pg_database()
    try:
        yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    finally:
        drop_pg_database(name)


def test_the_generated_national_ledger_feeds_every_national_benchmark(database_url: str) -> None:
    out = run("scripts/gen_national.py", "--members", "300", "--database-url", database_url,
              "--bench-keys", "--project")
    assert "generated: 300 members" in out and "projections:" in out
    out = run("scripts/bench_all.py", "national", "--database-url", database_url,
              "--members", "300", "--requests", "40", "--lookups", "10", "--repeat", "3")
    assert figures(out) >= {"b", "c1", "c2", "d1a", "d1b", "d2a", "d2b", "f1", "f2", "e0",
                            "g1", "g2", "g3"}, out
    assert "| baseline" in next(line for line in out.splitlines() if line.startswith("FIGURE b"))
    out = run("scripts/bench_rebuild_parts.py", "--database-url", database_url, "--repeat", "1")
    assert all(part in out for part in ("decode", "member fold", "pack (side views)")), out
    writes = [line for line in out.splitlines() if "ratio to pickle" in line]
    assert len(writes) == 6 and sum("marshal version 2" in line for line in writes) == 2, out


def test_the_ingest_and_rebuild_benchmarks_print_their_figures_beside_a_baseline() -> None:
    out = run("scripts/bench_all.py", "ingest", "--rows", "300")
    assert figures(out) >= {"a1", "a2", "a3"}, out
    # where the with-follower run's CPU went, per member: the import, the follower, the server
    cpu = [line for line in out.splitlines() if "CPU per member" in line]
    assert cpu and all(f"{part} " in cpu[0] for part in ("import", "follower", "PostgreSQL")), out
    assert "garbage collections" in out, out
    out = run("scripts/bench_import.py", "--rows", "300", "--per-view", "--no-follower")
    lines = {line.split()[0]: line for line in out.splitlines() if "CPU per member: here" in line}
    assert {"member_directory", "membership_counts", "membership_flows"} <= set(lines), out
    assert all(line.split()[-2].isdigit() for line in lines.values()), out  # PostgreSQL µs
    out = run("scripts/bench_all.py", "rebuild", "--members", "300", "--workers", "1")
    assert figures(out) >= {"e1"}, out
    assert all("| baseline" in line for line in out.splitlines() if line.startswith("FIGURE e"))


@pytest.mark.parametrize("phase", ["import", "project"])
def test_the_instruction_count_workload_runs_natively(phase: str) -> None:
    """What scripts/bench_instructions.py runs under callgrind: the import of a few rows (and
    the catch-up), asserted inside (every row recorded)."""
    run("scripts/bench_instructions.py", "--workload", phase, "--rows", "30")

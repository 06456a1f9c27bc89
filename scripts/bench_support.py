"""Shared helpers of the national benchmarks: settings with the fixed benchmark keys, a real
`union-ledger serve` process, a sequential latency sampler and the FIGURE line format.

Every benchmark prints `FIGURE <id> <label>: <value> <unit> | baseline <value> <unit> |
ratio <r>` so that BENCHMARKS.md and the CI smoke test read the same line.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from api.settings import Settings  # noqa: E402

BENCH_KEYS = {"secret_key": "a1" * 32, "master_key": "b2" * 32, "token_secret": "c3" * 32}
PY = str(ROOT / ".venv" / "bin" / "python")


def bench_settings(database_url: str | None, data_dir: Path | None = None) -> Settings:
    """PostgreSQL with the fixed benchmark keys (as gen_national --bench-keys), or SQLite."""
    if database_url:
        return Settings(database_url=database_url, data_dir=data_dir or Path("/tmp"),
                        **BENCH_KEYS)
    assert data_dir is not None, "--data-dir or --database-url"
    return Settings(data_dir=data_dir)


def server_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    if settings.is_postgres:
        env.update({f"UNION_LEDGER_{k.upper()}": v for k, v in BENCH_KEYS.items()})
    return env


def figure(fid: str, label: str, value: float, unit: str, baseline: float | None = None,
           base_unit: str | None = None, higher_is_better: bool = True) -> str:
    """Prints and returns the FIGURE line; the ratio is ours/baseline (or baseline/ours for
    latencies, so that 1.0 = as good as the baseline either way)."""
    line = f"FIGURE {fid} {label}: {value:,.2f} {unit}"
    if baseline:
        ratio = value / baseline if higher_is_better else baseline / value if value else 0.0
        line += f" | baseline {baseline:,.2f} {base_unit or unit} | ratio {ratio:.2f}"
    print(line, flush=True)
    return line


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 120.0) -> None:
    import httpx2 as httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = Path(f"/tmp/bench-server-{os.getpid()}.log").read_text()[-2000:]
            raise RuntimeError(f"server exited ({proc.returncode}): {err}")
        try:
            if httpx.get(url, timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server at {url} did not come up in {timeout:.0f} s")


@contextmanager
def process(args: list[str], env: dict[str, str], health: str) -> Iterator[subprocess.Popen[bytes]]:
    """A server subprocess, up when `health` answers, stopped (SIGTERM, then SIGKILL) after."""
    # stderr to a file, not a pipe: uvicorn's access log would fill a pipe and stall it
    log = open(f"/tmp/bench-server-{os.getpid()}.log", "w+b")  # noqa: SIM115
    proc = subprocess.Popen(args, env=env, cwd=ROOT, stdout=log, stderr=log)
    try:
        wait_http(health, proc)
        yield proc
    finally:
        log.close()
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextmanager
def ledger_server(settings: Settings) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """`union-ledger serve` (uvicorn, one process) on the benchmark database."""
    port = free_port()
    args = [str(ROOT / ".venv" / "bin" / "union-ledger"), "serve", "--port", str(port)]
    args += (["--database-url", settings.database_url] if settings.database_url
             else ["--data-dir", str(settings.data_dir)])
    base = f"http://127.0.0.1:{port}"
    with process(args, server_env(settings), base + "/health") as proc:
        yield base, proc


def peak_rss_mb(pid: int) -> float:
    """VmHWM: the process's peak resident set so far (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def latencies(n: int, call: Callable[[int], Any]) -> list[float]:
    """n sequential calls (after 5 warm-ups), each in ms."""
    for i in range(5):
        call(i)
    out = []
    for i in range(n):
        t0 = time.perf_counter()
        call(i)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def pct(ms: list[float], q: float) -> float:
    ordered = sorted(ms)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def describe(ms: list[float]) -> str:
    return (f"p50 {statistics.median(ms):.2f} ms, p99 {pct(ms, 0.99):.2f} ms,"
            f" max {max(ms):.2f} ms (n={len(ms)})")

"""Latency of the HTTP API against a running server (e.g. `union-ledger serve --demo`).

Usage: .venv/bin/python scripts/bench_api.py --url http://127.0.0.1:8765 --token <national_admin>
Prints p50/p95 per endpoint over N sequential requests (one client, keep-alive).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import statistics
import time
from datetime import date, timedelta

import httpx2 as httpx

from domain.values import generate_resident_id


def timed(client: httpx.Client, n: int, make: object) -> list[float]:
    out = []
    for i in range(n):
        method, path, body = make(i)  # type: ignore[operator]
        start = time.perf_counter()
        r = client.request(method, path, json=body)
        out.append((time.perf_counter() - start) * 1000)
        assert r.status_code < 400, r.text
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://127.0.0.1:8765")
    ap.add_argument("--token", required=True)
    ap.add_argument("-n", type=int, default=200)
    a = ap.parse_args()
    h = {"Authorization": f"Bearer {a.token}"}
    with httpx.Client(base_url=a.url, headers=h, timeout=30) as c:
        tok = a.token.split(".")[1]
        root = json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))["scope"]
        kids = c.get(f"/unions/{root}/children").json()["items"]
        prov = kids[0]["code"]
        city = c.get(f"/unions/{prov}/children").json()["items"][0]["code"]
        roster = c.get(f"/unions/{city}/roster", params={"subtree": True, "limit": 50}).json()
        mid = roster["items"][0]["member_id"]
        rng = random.Random(time.time_ns())  # fresh people on every run
        region = next(r["work_region"] for r in roster["items"] if r.get("work_region"))
        situation = {"relation": "platform_self_employed", "work_region": region}
        eligible = c.post("/joining-paths", json={"situation": situation}).json()["items"]
        target = eligible[0]["union_code"]

        def join(i: int) -> tuple[str, str, dict]:
            rid = generate_resident_id(rng, address_code=region[:6], sex="female",
                                       birth_date=date(1970, 1, 1)
                                       + timedelta(days=rng.randint(0, 12000)))
            return ("POST", "/memberships", {
                "person": {"name": "测试" + str(i), "resident_id": rid},
                "union_code": target, "worker_group": "courier", "channel": "online",
                "situation": situation})

        cases = {
            "GET /health": lambda i: ("GET", "/health", None),
            "GET /memberships/{id}": lambda i: ("GET", f"/memberships/{mid}", None),
            "GET /memberships/{id}/history": lambda i: ("GET", f"/memberships/{mid}/history",
                                                        None),
            "GET /unions/{province}/counts": lambda i: ("GET", f"/unions/{prov}/counts", None),
            "GET /unions/{city}/roster subtree 50": lambda i: (
                "GET", f"/unions/{city}/roster?subtree=true&limit=50", None),
            "POST /memberships (join)": join,
        }
        for name, make in cases.items():
            ms = sorted(timed(c, a.n, make))
            print(f"{name:40s} n={a.n} p50={statistics.median(ms):6.1f} ms "
                  f"p95={ms[int(len(ms) * 0.95) - 1]:6.1f} ms")


if __name__ == "__main__":
    main()

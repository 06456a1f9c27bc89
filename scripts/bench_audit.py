"""Cost of the auditor's queries: roster changes by full replay vs narrowed by membership_periods,
a membership's history and report, and a union report, over N joined members (+ transfers).

Usage: .venv/bin/python scripts/bench_audit.py [--members N] [--database sqlite|postgres]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from api.audit_report import Viewer, membership_report, render_html, union_report
from api.audit_report_xlsx import report_xlsx
from api.audit_roster import union_roster_changes
from api.settings import Settings
from api.wiring import build_runtime
from domain.history import membership_history
from projections.store import open_read_side
from tests.builders import build_tree, join_request, person
from tests.conftest import create_pg_database, drop_pg_database, pg_settings


def timed(label: str, fn: Callable[[], Any], unit: int = 1) -> Any:
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    rate = f"  ({unit / dt:,.0f}/s)" if unit > 1 else ""
    print(f"{label:<52} {dt * 1000:9.1f} ms{rate}")
    return out


def run(settings: Settings, members: int) -> None:
    rt = build_runtime(settings, today=lambda: date(2026, 11, 28))
    try:
        tree = build_tree(rt.ledger)
        rng = random.Random(1)
        # a large union (township, half the members), the industry federation, and a small
        # one (village, 1 in 100): narrowing pays off for small unions in big ledgers
        def union_of(i: int) -> str:
            return tree.village if i % 100 == 0 else (tree.township, tree.industry)[i % 2]

        reqs = [join_request(person(rng), union_of(i), effective_on=date(2026, 1, 1))
                for i in range(members)]
        refused = sum(len(rt.ledger.join_many(reqs[i:i + 500])[1])
                      for i in range(0, members, 500))
        ids = [str(rt.identity.membership_id(r.details.resident_id)) for i, r in enumerate(reqs)
               if union_of(i) == tree.township]
        moved = ids[:: 10]  # 10% of the township's members move out
        for mid in moved:
            rt.ledger.transfer_out(mid, destination_code=tree.industry, reason="换站点",
                                   recorded_by="bench", effective_on="2026-06-01")
        total = rt.ledger.recorder.max_notification_id()
        print(f"{members} members ({refused} refused), {len(moved)} transfers out, "
              f"{total} events ({settings.is_postgres and 'postgres' or 'sqlite'})")
        store, _ = open_read_side(rt, start_runner=False)
        timed("project the read side (first catch-up)", lambda: store.wait_for(total, 300))
        for name, code in (("township (large)", tree.township), ("village (small)", tree.village)):
            full, _ = timed(f"{name}: roster changes, full replay",
                            lambda c=code: union_roster_changes(rt.ledger, c, None, None))
            narrowed, src = timed(
                f"{name}: roster changes, narrowed by periods",
                lambda c=code: union_roster_changes(rt.ledger, c, None, None, store,
                                                    narrow=True))
            assert src == "membership_periods" and narrowed == full, "sources disagree"
            print(f"  → {len(full)} changes")
        mid = moved[0]
        timed("membership history (domain.history)",
              lambda: membership_history(rt.ledger.history(mid)))
        viewer = Viewer(subject="bench", role="auditor")
        rep = timed("membership report (incl. extend_chain)",
                    lambda: membership_report(rt, mid, viewer))
        timed("  render HTML + XLSX", lambda: (render_html(rep), report_xlsx(rep)))
        urep = timed("union report, village (incl. masking every member)",
                     lambda: union_report(rt, tree.village, viewer, store=store))
        timed("  render HTML + XLSX", lambda: (render_html(urep), report_xlsx(urep)))
        urep = timed("union report, township (incl. masking every member)",
                     lambda: union_report(rt, tree.township, viewer, store=store))
        timed("  render HTML + XLSX", lambda: (render_html(urep), report_xlsx(urep)))
    finally:
        rt.close()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--members", type=int, default=5000)
    ap.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    if args.database == "postgres":
        name = create_pg_database()
        try:
            with tempfile.TemporaryDirectory() as d:
                run(pg_settings(name, data_dir=Path(d)), args.members)
        finally:
            drop_pg_database(name)
        return
    with tempfile.TemporaryDirectory() as d:
        run(Settings(data_dir=Path(d) / "data"), args.members)


if __name__ == "__main__":
    main()

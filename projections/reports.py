"""Dashboard report queries over the projection tables: monthly flows and campaign joins per
union subtree (membership_flows), transfers in transit, and platform enterprises' unions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from projections.db import Db
from projections.membership_flows import CAMPAIGN

PLATFORM_KINDS = ("platform_hq", "platform_subsidiary", "platform_branch")
FLOWS = ("joins", "transfers_in", "transfers_out", "withdrawals")

# membership_flows: whole months from the union's own monthly counters (its whole subtree's:
# the root's rows are the nation's), the as-of month from the daily counters (exact dates),
# which each union keeps for itself only: summed over the subtree here
_FLOWS_SQL = {
    "m": "SELECT period, kind, n FROM @membership_flows WHERE union_code = ? AND grain = 'm'"
         " AND period >= ? AND period < ? AND kind IN (?,?,?,?)",
    "d": "SELECT f.period, f.kind, SUM(f.n) FROM @union_ancestors a JOIN @membership_flows f"
         " ON f.union_code = a.descendant AND f.grain = 'd' AND f.period >= ? AND f.period < ?"
         " AND f.kind IN (?,?,?,?) WHERE a.ancestor = ? GROUP BY f.period, f.kind",
}
_CAMPAIGNS_SQL = {
    "m": "SELECT kind, SUM(n), MIN(period), MAX(period) FROM @membership_flows"
         " WHERE union_code = ? AND grain = 'm' AND period >= ? AND period < ?"
         " AND kind LIKE ? GROUP BY kind",
    "d": "SELECT f.kind, SUM(f.n), MIN(f.period), MAX(f.period) FROM @union_ancestors a"
         " JOIN @membership_flows f ON f.union_code = a.descendant AND f.grain = 'd'"
         " AND f.period >= ? AND f.period < ? AND f.kind LIKE ? WHERE a.ancestor = ?"
         " GROUP BY f.kind",
}
_TRANSIT_AS_OF = ("SELECT COUNT(*), SUM(CASE WHEN c.valid_from < ? THEN 1 ELSE 0 END)"
                  " FROM @membership_periods c JOIN @union_ancestors a"
                  " ON a.descendant = c.{col} AND a.ancestor = ?"
                  " WHERE c.status = 'in_transit' AND c.valid_from <= ?"
                  " AND (c.valid_to IS NULL OR c.valid_to > ?)")
_TRANSIT_NOW = ("SELECT COUNT(*), SUM(CASE WHEN t.out_on < ? THEN 1 ELSE 0 END)"
                " FROM @transfer_inbox t JOIN @union_ancestors a"
                " ON a.descendant = t.{col} AND a.ancestor = ?")


def month_start(d: date, back: int = 0) -> date:
    """The first day of the month `back` months before `d`'s month."""
    m = d.year * 12 + d.month - 1 - back
    return date(m // 12, m % 12 + 1, 1)


class Reports:
    """Read-only queries for the dashboard; `db` is the read store's Db (or a pooled reader)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def _windows(self, as_of: date, months: int) -> list[tuple[str, str, str]]:
        """(grain, from, to) pairs: whole months before the as-of month, then its days."""
        first = month_start(as_of)
        return [("m", month_start(as_of, months - 1).strftime("%Y-%m"), first.strftime("%Y-%m")),
                ("d", first.isoformat(), (as_of + timedelta(days=1)).isoformat())]

    def monthly_flows(self, union_code: str, *, as_of: date, months: int = 24
                      ) -> list[dict[str, Any]]:
        """Joins, transfers in/out and withdrawals per month for the union's current subtree,
        the `months` months up to `as_of` (oldest first; empty months are zeros).

        Transfers are counted where they touch the subtree, so a move between two of its
        unions is one out and one in."""
        per: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FLOWS, 0))
        with self.db.read() as tx:
            for grain, lo, hi in self._windows(as_of, months):
                params = ((union_code, lo, hi, *FLOWS) if grain == "m"
                          else (lo, hi, *FLOWS, union_code))
                for period, kind, n in tx.all(_FLOWS_SQL[grain], params):
                    per[str(period)[:7]][kind] += int(n)
        return [{"month": m, **per[m]} for m in
                (month_start(as_of, back).strftime("%Y-%m") for back in range(months - 1, -1, -1))]

    def in_transit(self, union_code: str, *, as_of: date | None, overdue_before: date
                   ) -> dict[str, dict[str, int]]:
        """Memberships in transit (today, or on `as_of`), leaving the subtree ("out": the origin
        is in it) and bound for it ("in"), with how many left before `overdue_before`."""
        out: dict[str, dict[str, int]] = {}
        for direction, period_col, inbox_col in (("out", "union_code", "from_union_code"), (
                "in", "destination_union_code", "destination_union_code")):
            with self.db.read() as tx:
                if as_of is None:  # the inbox holds exactly today's transfers: no scan
                    row = tx.one(_TRANSIT_NOW.format(col=inbox_col),
                                 (overdue_before, union_code))
                else:
                    row = tx.one(_TRANSIT_AS_OF.format(col=period_col),
                                 (overdue_before, union_code, as_of, as_of))
            n, late = row or (0, 0)
            out[direction] = {"n": int(n or 0), "overdue": int(late or 0)}
        return out

    def campaign_joins(self, union_code: str, *, as_of: date) -> list[dict[str, Any]]:
        """Joins per campaign (入会集中行动) in the subtree up to `as_of`, with the first and
        last month that had one."""
        per: dict[str, dict[str, Any]] = {}
        with self.db.read() as tx:
            for grain, lo, hi in self._windows(as_of, 12 * 100):
                params = ((union_code, lo, hi, CAMPAIGN + "%") if grain == "m"
                          else (lo, hi, CAMPAIGN + "%", union_code))
                for kind, n, first, last in tx.all(_CAMPAIGNS_SQL[grain], params):
                    c = per.setdefault(kind[len(CAMPAIGN):], {"joined": 0, "first": str(first)[:7],
                                                             "last": str(last)[:7]})
                    c["joined"] += int(n)
                    c["first"], c["last"] = min(c["first"], str(first)[:7]), max(
                        c["last"], str(last)[:7])
        return [{"campaign_id": k, **v} for k, v in sorted(per.items())]

    def platform_employers(self) -> list[dict[str, Any]]:
        """Platform enterprises, each followed by its subsidiaries and branches (any depth),
        with the employer's own union code when it has one."""
        marks = ",".join("?" * len(PLATFORM_KINDS))
        with self.db.read() as tx:
            rows = tx.dicts(
                "SELECT e.code, e.name, e.kind, e.region_code, e.parent_code, e.union_code,"
                " e.closed, u.name AS union_name, u.dissolved AS union_dissolved"
                f" FROM @employers e LEFT JOIN @unions u ON u.code = e.union_code"
                f" WHERE e.kind IN ({marks}) ORDER BY e.name", PLATFORM_KINDS)
        by_parent: dict[str | None, list[dict[str, Any]]] = defaultdict(list)
        codes = {r["code"] for r in rows}
        for r in rows:
            by_parent[r["parent_code"] if r["parent_code"] in codes else None].append(r)
        out: list[dict[str, Any]] = []

        def walk(parent: str | None, depth: int) -> None:
            for r in by_parent.get(parent, []):
                out.append(dict(r, depth=depth))
                walk(r["code"], depth + 1)

        walk(None, 0)
        return out

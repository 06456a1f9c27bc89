"""Dashboard report queries over the projection tables: monthly flows per union subtree, campaign
joins, and which platform enterprises (and their subsidiaries) have unions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from projections.db import Db

ENDED = ("withdrawn", "expelled")
PLATFORM_KINDS = ("platform_hq", "platform_subsidiary", "platform_branch")
FLOWS = ("joins", "transfers_in", "transfers_out", "withdrawals")

# One pass over the subtree's periods, each compared with the member's previous period: a
# period's start is the event that opened it, so the month of valid_from is the event's month.
_FLOWS_SQL = """
SELECT c.valid_from,
  SUM(CASE WHEN c.status = 'active' AND (p.status IS NULL OR p.status IN ('withdrawn',
      'expelled')) THEN 1 ELSE 0 END),
  SUM(CASE WHEN c.status = 'active' AND p.status = 'in_transit'
      AND c.union_code = p.destination_union_code THEN 1 ELSE 0 END),
  SUM(CASE WHEN c.status = 'in_transit' AND (p.status IS NULL OR p.status <> 'in_transit')
      THEN 1 ELSE 0 END),
  SUM(CASE WHEN c.status IN ('withdrawn', 'expelled') AND (p.status IS NULL
      OR p.status NOT IN ('withdrawn', 'expelled')) THEN 1 ELSE 0 END)
FROM @membership_periods c
JOIN @union_ancestors a ON a.descendant = c.union_code AND a.ancestor = ?
LEFT JOIN @membership_periods p ON p.member_id = c.member_id AND p.seq = c.seq - 1
WHERE c.valid_from >= ? AND c.valid_from <= ?
GROUP BY c.valid_from
"""


def month_start(d: date, back: int = 0) -> date:
    """The first day of the month `back` months before `d`'s month."""
    m = d.year * 12 + d.month - 1 - back
    return date(m // 12, m % 12 + 1, 1)


def _as_date(v: Any) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v  # type: ignore[no-any-return]


class Reports:
    """Read-only queries for the dashboard; `db` is the read store's Db (or a pooled reader)."""

    def __init__(self, db: Db) -> None:
        self.db = db

    def monthly_flows(self, union_code: str, *, as_of: date, months: int = 24
                      ) -> list[dict[str, Any]]:
        """Joins, transfers in/out and withdrawals per month for the union's current subtree,
        the `months` months up to `as_of` (oldest first; empty months are zeros).

        Transfers are counted where they touch the subtree, so a move between two of its
        unions is one out and one in."""
        start = month_start(as_of, months - 1)
        per: dict[date, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
        with self.db.read() as tx:
            rows = tx.all(_FLOWS_SQL, (union_code, start, as_of))
        for day, *ns in rows:
            bucket = per[month_start(_as_date(day))]
            for i, n in enumerate(ns):
                bucket[i] += int(n or 0)
        out = []
        for back in range(months - 1, -1, -1):
            m = month_start(as_of, back)
            out.append({"month": m.strftime("%Y-%m"), **dict(zip(FLOWS, per[m], strict=True))})
        return out

    def in_transit(self, union_code: str, *, as_of: date, overdue_before: date
                   ) -> dict[str, dict[str, int]]:
        """Memberships in transit on `as_of`, leaving the subtree ("out": the origin is in it)
        and bound for it ("in"), with how many left before `overdue_before` (overdue)."""
        out: dict[str, dict[str, int]] = {}
        for direction, col in (("out", "union_code"), ("in", "destination_union_code")):
            with self.db.read() as tx:
                row = tx.one(
                    "SELECT COUNT(*), SUM(CASE WHEN c.valid_from < ? THEN 1 ELSE 0 END)"
                    " FROM @membership_periods c JOIN @union_ancestors a"
                    f" ON a.descendant = c.{col} AND a.ancestor = ?"
                    " WHERE c.status = 'in_transit' AND c.valid_from <= ?"
                    " AND (c.valid_to IS NULL OR c.valid_to > ?)",
                    (overdue_before, union_code, as_of, as_of))
            n, late = row or (0, 0)
            out[direction] = {"n": int(n or 0), "overdue": int(late or 0)}
        return out

    def campaign_joins(self, union_code: str, *, as_of: date) -> list[dict[str, Any]]:
        """Members recruited per joining campaign (入会集中行动) now held in the subtree."""
        with self.db.read() as tx:
            rows = tx.all(
                "SELECT d.campaign_id, COUNT(*), SUM(CASE WHEN d.status = 'active' THEN 1"
                " ELSE 0 END), MIN(d.joined_on), MAX(d.joined_on)"
                " FROM @member_directory d JOIN @union_ancestors a"
                " ON a.descendant = d.union_code AND a.ancestor = ?"
                " WHERE d.campaign_id IS NOT NULL AND d.joined_on <= ?"
                " GROUP BY d.campaign_id ORDER BY d.campaign_id", (union_code, as_of))
        return [{"campaign_id": c, "joined": int(n), "active": int(a or 0),
                 "first": _as_date(f), "last": _as_date(la)} for c, n, a, f, la in rows]

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

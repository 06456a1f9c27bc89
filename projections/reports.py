"""Dashboard report queries over the projection tables: monthly flows and campaign joins per
union subtree (membership_flows), transfers in transit, and platform enterprises' unions."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from projections.db import Db
from projections.membership_flows import CAMPAIGN

PLATFORM_KINDS = ("platform_hq", "platform_subsidiary", "platform_branch")
FLOWS = ("joins", "transfers_in", "transfers_out", "withdrawals")

# membership_flows: the union's monthly counters (its whole subtree's: the root's rows are the
# nation's) up to the as-of month included, minus the days of that month after the as-of date
# (membership_flow_days: the counters each union keeps for itself, summed over the subtree):
# for today or a month's end there are none, and that table's key (day first) finds that at once
_MONTHS_SQL = ("SELECT period, kind, n FROM @membership_flows WHERE union_code = ?"
               " AND period >= ? AND period <= ? AND {kinds}")
_LATER_DAYS_SQL = ("SELECT f.kind, SUM(f.n) FROM @union_ancestors a JOIN @membership_flow_days f"
                   " ON f.union_code = a.descendant AND f.period > ?"
                   " AND f.period < ? AND {kinds} WHERE a.ancestor = ? GROUP BY f.kind")
_FLOW_KINDS = "kind IN (?,?,?,?)"
_CAMPAIGN_KINDS = "kind LIKE ?"
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

    def _flows(self, union_code: str, as_of: date, months: int, kinds: str,
               params: tuple[str, ...]) -> dict[tuple[str, str], int]:
        """{(month, kind): n} for the subtree, the `months` months up to `as_of`: the monthly
        counters, the as-of month's less the days after `as_of`."""
        month = as_of.strftime("%Y-%m")
        per: dict[tuple[str, str], int] = defaultdict(int)
        with self.db.read() as tx:
            for period, kind, n in tx.all(_MONTHS_SQL.format(kinds=kinds), (
                    union_code, month_start(as_of, months - 1).strftime("%Y-%m"), month,
                    *params)):
                per[(str(period), kind)] += int(n)
            # planned for its dates each time: a generic plan (what PostgreSQL falls back to
            # for a statement prepared after five runs) probed the days' key once per union
            # of the subtree, 2 s at 1M members instead of 5-12 ms
            for kind, n in tx.all(_LATER_DAYS_SQL.format(kinds=f"f.{kinds}"), (
                    as_of.isoformat(), month_start(as_of, -1).isoformat(), *params,
                    union_code), prepare=False):
                per[(month, kind)] -= int(n)
        return per

    def monthly_flows(self, union_code: str, *, as_of: date, months: int = 24
                      ) -> list[dict[str, Any]]:
        """Joins, transfers in/out and withdrawals per month for the union's current subtree,
        the `months` months up to `as_of` (oldest first; empty months are zeros).

        Transfers are counted where they touch the subtree, so a move between two of its
        unions is one out and one in."""
        per: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FLOWS, 0))
        for (month, kind), n in self._flows(union_code, as_of, months, _FLOW_KINDS,
                                            FLOWS).items():
            per[month][kind] += n
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
                # planned for its dates each time, as the days query (a generic plan: 62-80 ms
                # at 1M members as of a date, against ~2 ms)
                if as_of is None:  # the inbox holds exactly today's transfers: no scan
                    row = tx.one(_TRANSIT_NOW.format(col=inbox_col),
                                 (overdue_before, union_code), prepare=False)
                else:
                    row = tx.one(_TRANSIT_AS_OF.format(col=period_col),
                                 (overdue_before, union_code, as_of, as_of), prepare=False)
            n, late = row or (0, 0)
            out[direction] = {"n": int(n or 0), "overdue": int(late or 0)}
        return out

    def campaign_joins(self, union_code: str, *, as_of: date) -> list[dict[str, Any]]:
        """Joins per campaign (入会集中行动) in the subtree up to `as_of`, with the first and
        last month that had one."""
        per: dict[str, dict[str, Any]] = {}
        flows = self._flows(union_code, as_of, 12 * 100, _CAMPAIGN_KINDS, (CAMPAIGN + "%",))
        for (month, kind), n in sorted(flows.items()):
            if n:  # a month whose joins all came after the as-of date had none
                c = per.setdefault(kind[len(CAMPAIGN):], {"joined": 0, "first": month,
                                                         "last": month})
                c["joined"] += n
                c["last"] = month
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

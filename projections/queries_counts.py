"""Count queries: current counters (membership_counts) or as of a date (periods + dated edges).

Every summary has the same shape, with every status / worker group / channel present (0 when
empty) so dashboards can rely on the keys; `total` counts all memberships, `holding` those
active, retained or in transit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from domain.enums import Channel, Status, WorkerGroup
from projections.db import Db
from projections.queries_roster import SUBTREE_AS_OF

Cells = list[tuple[str, str, str, int]]  # status, worker_group, channel, n
HOLDING = frozenset({"active", "retained", "in_transit"})
_AS_OF = (" FROM @membership_periods p WHERE p.valid_from <= ?"
          " AND (p.valid_to IS NULL OR p.valid_to > ?)")
_GROUP = " GROUP BY p.status, p.worker_group, p.channel"
_EDGE_AS_OF = " e.valid_from <= ? AND (e.valid_to IS NULL OR e.valid_to > ?)"
# every child's subtree as of a date in one scan of the periods (not one scan per child):
# each descendant is tagged with the child ("top") it hangs under on that date
_CHILD_SUBTREES_AS_OF = (
    "WITH RECURSIVE sub(code, top) AS (SELECT e.code, e.code FROM @union_edges e"
    " WHERE e.parent_code = ? AND" + _EDGE_AS_OF + " UNION SELECT e.code, sub.top"
    " FROM @union_edges e JOIN sub ON e.parent_code = sub.code WHERE" + _EDGE_AS_OF + ") "
    "SELECT sub.top, p.status, p.worker_group, p.channel, COUNT(*) FROM @membership_periods p"
    " JOIN sub ON p.union_code = sub.code WHERE p.valid_from <= ?"
    " AND (p.valid_to IS NULL OR p.valid_to > ?) GROUP BY sub.top, p.status, p.worker_group,"
    " p.channel")


def summary(cells: Iterable[tuple[str, str, str, int]]) -> dict[str, Any]:
    by_status = {s.value: 0 for s in Status}
    by_group = {g.value: 0 for g in WorkerGroup}
    by_channel = {c.value: 0 for c in Channel}
    out: list[dict[str, Any]] = []
    total = holding = 0
    for status, group, channel, n in sorted(cells):
        n = int(n)
        total += n
        holding += n if status in HOLDING else 0
        by_status[status] = by_status.get(status, 0) + n
        by_group[group] = by_group.get(group, 0) + n
        by_channel[channel] = by_channel.get(channel, 0) + n
        out.append({"status": status, "worker_group": group, "channel": channel, "n": n})
    return {"total": total, "holding": holding, "by_status": by_status,
            "by_worker_group": by_group, "by_channel": by_channel, "cells": out}


class CountQueries:
    db: Db

    def _cells(self, sql: str, params: list[Any]) -> Cells:
        with self.db.read() as tx:
            return [(s, g, c, int(n)) for s, g, c, n in tx.all(sql, params)]

    def _self_as_of(self, code: str, on: date) -> Cells:
        return self._cells("SELECT p.status, p.worker_group, p.channel, COUNT(*)" + _AS_OF
                           + " AND p.union_code=?" + _GROUP, [on, on, code])

    def _subtree_as_of(self, code: str, on: date) -> Cells:
        return self._cells(SUBTREE_AS_OF + "SELECT p.status, p.worker_group, p.channel, COUNT(*)"
                           + _AS_OF + " AND p.union_code IN (SELECT code FROM sub)" + _GROUP,
                           [code, on, on, on, on])

    def counts(self, union_code: str, *, as_of: date | None = None) -> dict[str, Any]:
        """Counts of the union itself and of its whole subtree (now, or as of a date)."""
        if as_of is None:
            with self.db.read() as tx:
                rows = tx.all("SELECT scope, status, worker_group, channel, n"
                              " FROM @membership_counts WHERE union_code=?", (union_code,))
            own = [(s, g, c, int(n)) for scope, s, g, c, n in rows if scope == "self"]
            sub = [(s, g, c, int(n)) for scope, s, g, c, n in rows if scope == "subtree"]
        else:
            own = self._self_as_of(union_code, as_of)
            sub = self._subtree_as_of(union_code, as_of)
        return {"union_code": union_code, "as_of": as_of, "self": summary(own),
                "subtree": summary(sub)}

    def child_counts(self, union_code: str, *, as_of: date | None = None) -> list[dict[str, Any]]:
        """One subtree summary per child union (drill-down), children as they were on `as_of`."""
        with self.db.read() as tx:
            if as_of is None:
                kids = tx.dicts("SELECT code, name, kind, level, dissolved FROM @unions"
                                " WHERE parent_code=? ORDER BY code", (union_code,))
                cells = tx.all("SELECT c.union_code, c.status, c.worker_group, c.channel, c.n"
                               " FROM @membership_counts c JOIN @unions u ON u.code=c.union_code"
                               " WHERE u.parent_code=? AND c.scope='subtree'", (union_code,))
            else:
                kids = tx.dicts(
                    "SELECT u.code, u.name, u.kind, u.level, u.dissolved FROM @union_edges e"
                    " JOIN @unions u ON u.code=e.code WHERE e.parent_code=? AND e.valid_from <= ?"
                    " AND (e.valid_to IS NULL OR e.valid_to > ?) ORDER BY u.code",
                    (union_code, as_of, as_of))
                cells = tx.all(_CHILD_SUBTREES_AS_OF, (union_code, *[as_of] * 6))
        per: dict[str, Cells] = {k["code"]: [] for k in kids}
        for code, s, g, c, n in cells:
            per.setdefault(code, []).append((s, g, c, int(n)))
        out = []
        for k in kids:
            got = per[k["code"]]
            out.append({"union_code": k["code"], "name": k["name"], "kind": k["kind"],
                        "level": k["level"], "dissolved": k["dissolved"], "as_of": as_of,
                        "subtree": summary(got)})
        return out

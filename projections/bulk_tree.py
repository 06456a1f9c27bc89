"""Bulk-rebuild fold for union_tree: the registry, dated edges and employers folded in memory,
the closure table computed from the final parents, everything copied.

What the live path reaches one statement at a time (projections.union_tree): each event's row
changes, and `union_ancestors` moved subtree by subtree on Reparented, which leaves it the
closure of the current parent links.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.base import Item
from projections.bulk_load import Part, copy_rows
from projections.db import Tx
from projections.union_tree import UnionTree

UNION_COLS = ("code", "agg_id", "name", "kind", "level", "parent_code", "region_code",
              "employer_code", "approved_by", "dissolved", "established_on", "dissolved_on",
              "version", "position")
EDGE_COLS = ("code", "seq", "parent_code", "valid_from", "valid_to")
EMPLOYER_COLS = ("code", "agg_id", "name", "kind", "region_code", "parent_code", "union_code",
                 "closed", "version", "position")
_U = {c: i for i, c in enumerate(UNION_COLS)}
_E = {c: i for i, c in enumerate(EMPLOYER_COLS)}
_VALID_FROM, _VALID_TO = 3, 4


def _day(v: Any) -> date:
    return date.fromisoformat(v) if isinstance(v, str) else v


class TreeFold:
    def __init__(self, view: UnionTree) -> None:
        self.view = view
        self.unions: dict[str, list[Any]] = {}
        self.employers: dict[str, list[Any]] = {}
        self.edges: dict[str, list[list[Any]]] = {}
        self.union_ids: dict[str, str] = {}
        self.employer_ids: dict[str, str] = {}

    def parts(self) -> list[Part]:
        return [Part((self.view,), self.load, size=4 * len(self.unions))]

    def fold(self, items: list[Item]) -> None:
        for item in items:
            kind = item.kind
            if kind.startswith("Union."):
                self._union(kind, item.event, item.position)
            elif kind.startswith("Employer."):
                self._employer(kind, item.event, item.position)

    def _union(self, kind: str, ev: Any, pos: int) -> None:
        ver = ev.originator_version
        if kind == "Union.Established":
            code = ev.code
            self.unions[code] = [code, str(ev.originator_id), ev.name, ev.kind, ev.level,
                                 ev.parent_code, ev.region_code, ev.employer_code,
                                 ev.approved_by, False, _day(ev.effective_on), None, ver, pos]
            self.union_ids[str(ev.originator_id)] = code
            self.edges[code] = [[code, 1, ev.parent_code, _day(ev.effective_on), None]]
            return
        code = self.union_ids.get(str(ev.originator_id))
        if code is None:
            return
        row = self.unions[code]
        if kind == "Union.Renamed":
            row[_U["name"]] = ev.name
        elif kind == "Union.Dissolved":
            row[_U["dissolved"]], row[_U["dissolved_on"]] = True, _day(ev.effective_on)
        elif kind == "Union.Reparented":
            row[_U["parent_code"]] = ev.parent_code
            on, edges = _day(ev.effective_on), self.edges[code]
            seq = 0
            for edge in edges:
                if edge[_VALID_TO] is None:  # close the open edge, never before it opened
                    on = max(on, edge[_VALID_FROM])
                    edge[_VALID_TO], seq = on, edge[1]
            edges.append([code, seq + 1, ev.parent_code, on, None])
        else:
            return
        row[_U["version"]], row[_U["position"]] = ver, pos

    def _employer(self, kind: str, ev: Any, pos: int) -> None:
        ver = ev.originator_version
        if kind == "Employer.Registered":
            code = ev.code
            self.employers[code] = [code, str(ev.originator_id), ev.name, ev.kind,
                                    ev.region_code, ev.parent_code, None, False, ver, pos]
            self.employer_ids[str(ev.originator_id)] = code
            return
        code = self.employer_ids.get(str(ev.originator_id))
        if code is None:
            return
        row = self.employers[code]
        if kind == "Employer.UnionLinked":
            row[_E["union_code"]] = ev.union_code
        elif kind == "Employer.UnionUnlinked":
            if row[_E["union_code"]] == ev.union_code:
                row[_E["union_code"]] = None
        elif kind == "Employer.Closed":
            row[_E["closed"]] = True
        else:
            return
        row[_E["version"]], row[_E["position"]] = ver, pos

    def _closure(self) -> list[tuple[str, str, int]]:
        """(ancestor, descendant, depth) for every union and each ancestor it has now."""
        parent = _U["parent_code"]
        out: list[tuple[str, str, int]] = []
        for code in self.unions:
            seen: set[str] = set()
            at: str | None = code
            depth = 0
            while at is not None and at in self.unions and at not in seen:
                seen.add(at)
                out.append((at, code, depth))
                at, depth = self.unions[at][parent], depth + 1
        return out

    def load(self, tx: Tx) -> None:
        copy_rows(tx, "unions", UNION_COLS, self.unions.values())
        copy_rows(tx, "union_ancestors", ("ancestor", "descendant", "depth"), self._closure())
        copy_rows(tx, "union_edges", EDGE_COLS,
                  (edge for edges in self.edges.values() for edge in edges))
        copy_rows(tx, "employers", EMPLOYER_COLS, self.employers.values())

"""union_tree: the union registry with a closure table of ancestors, dated edges, and employers.

`union_ancestors` (ancestor, descendant, depth) is rewritten for the whole subtree on
`Reparented`; `union_edges` keeps every parent link with valid_from/valid_to for as-of queries.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from projections.base import EMPLOYER, UNION, Item, View
from projections.db import Tx

DDL = (
    """CREATE TABLE IF NOT EXISTS @unions (
        code CODE PRIMARY KEY, agg_id CODE NOT NULL, name TEXT NOT NULL, kind CODE NOT NULL,
        level CODE NOT NULL, parent_code CODE, region_code CODE NOT NULL, employer_code CODE,
        approved_by TEXT, dissolved BOOLEAN NOT NULL, established_on DATE NOT NULL,
        dissolved_on DATE, version INTEGER NOT NULL, position BIGINT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS @union_ancestors (
        ancestor CODE NOT NULL, descendant CODE NOT NULL, depth INTEGER NOT NULL,
        PRIMARY KEY (ancestor, descendant))""",
    """CREATE TABLE IF NOT EXISTS @union_edges (
        code CODE NOT NULL, seq INTEGER NOT NULL, parent_code CODE,
        valid_from DATE NOT NULL, valid_to DATE, PRIMARY KEY (code, seq))""",
    """CREATE TABLE IF NOT EXISTS @employers (
        code CODE PRIMARY KEY, agg_id CODE NOT NULL, name TEXT NOT NULL, kind CODE NOT NULL,
        region_code CODE NOT NULL, parent_code CODE, union_code CODE, closed BOOLEAN NOT NULL,
        version INTEGER NOT NULL, position BIGINT NOT NULL)""",
)


class UnionTree(View):
    name = "union_tree"
    kinds = frozenset({
        "Union.Established", "Union.Renamed", "Union.Reparented", "Union.Dissolved",
        "Employer.Registered", "Employer.UnionLinked", "Employer.UnionUnlinked", "Employer.Closed",
    })
    tables = ("unions", "union_ancestors", "union_edges", "employers")
    partitioned = False  # one process builds the tree in a partitioned rebuild

    def create(self, tx: Tx) -> None:
        for stmt in DDL:
            tx.run(stmt)
        tx.create_index("unions_agg_idx", "unions", "agg_id", unique=True)
        tx.create_index("employers_agg_idx", "employers", "agg_id", unique=True)
        tx.create_index("unions_parent_idx", "unions", "parent_code")
        tx.create_index("unions_region_idx", "unions", "region_code")
        tx.create_index("union_ancestors_desc_idx", "union_ancestors", "descendant, depth")
        tx.create_index("union_edges_parent_idx", "union_edges", "parent_code, valid_from")

    def apply(self, tx: Tx, items: list[Item]) -> None:
        for item in items:
            if item.kind.startswith(UNION):
                self._union(tx, item)
            elif item.kind.startswith(EMPLOYER):
                self._employer(tx, item)

    # -- unions ------------------------------------------------------------------------

    def _union(self, tx: Tx, item: Item) -> None:
        ev, kind = item.event, item.kind
        ver, pos = ev.originator_version, item.position
        if kind == "Union.Established":
            tx.run(
                "INSERT INTO @unions (code, agg_id, name, kind, level, parent_code, region_code,"
                " employer_code, approved_by, dissolved, established_on, dissolved_on, version,"
                " position) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (ev.code, str(ev.originator_id), ev.name, ev.kind, ev.level, ev.parent_code,
                 ev.region_code, ev.employer_code, ev.approved_by, False, ev.effective_on, None,
                 ver, pos),
            )
            tx.run("INSERT INTO @union_ancestors (ancestor, descendant, depth) VALUES (?,?,0)",
                   (ev.code, ev.code))
            if ev.parent_code:
                tx.run("INSERT INTO @union_ancestors (ancestor, descendant, depth)"
                       " SELECT ancestor, ?, depth + 1 FROM @union_ancestors WHERE descendant=?",
                       (ev.code, ev.parent_code))
            tx.run("INSERT INTO @union_edges (code, seq, parent_code, valid_from, valid_to)"
                   " VALUES (?,1,?,?,NULL)", (ev.code, ev.parent_code, ev.effective_on))
            return
        code = _code(tx, "unions", ev.originator_id)
        if code is None:
            return
        if kind == "Union.Renamed":
            tx.run("UPDATE @unions SET name=?, version=?, position=? WHERE code=?",
                   (ev.name, ver, pos, code))
        elif kind == "Union.Dissolved":
            tx.run("UPDATE @unions SET dissolved=?, dissolved_on=?, version=?, position=?"
                   " WHERE code=?", (True, ev.effective_on, ver, pos, code))
        elif kind == "Union.Reparented":
            tx.run("UPDATE @unions SET parent_code=?, version=?, position=? WHERE code=?",
                   (ev.parent_code, ver, pos, code))
            self._move_subtree(tx, code, ev.parent_code)
            self._redate_edge(tx, code, ev.parent_code, ev.effective_on)

    @staticmethod
    def _move_subtree(tx: Tx, code: str, parent: str) -> None:
        """Closure-table move: cut the subtree from its old ancestors, join it to the new ones."""
        tx.run(
            "DELETE FROM @union_ancestors WHERE descendant IN"
            " (SELECT descendant FROM @union_ancestors WHERE ancestor=?)"
            " AND ancestor IN (SELECT ancestor FROM @union_ancestors"
            " WHERE descendant=? AND ancestor<>?)", (code, code, code),
        )
        tx.run(
            "INSERT INTO @union_ancestors (ancestor, descendant, depth)"
            " SELECT p.ancestor, s.descendant, p.depth + s.depth + 1"
            " FROM @union_ancestors p, @union_ancestors s WHERE p.descendant=? AND s.ancestor=?",
            (parent, code),
        )

    @staticmethod
    def _redate_edge(tx: Tx, code: str, parent: str, on: date) -> None:
        """Closes the open edge on the effective date (never before it opened) and opens one."""
        row = tx.one("SELECT seq, valid_from FROM @union_edges WHERE code=? AND valid_to IS NULL",
                     (code,))
        seq = 0
        if row is not None:
            seq, opened = int(row[0]), row[1]
            opened = date.fromisoformat(opened) if isinstance(opened, str) else opened
            on = max(on, opened)
            tx.run("UPDATE @union_edges SET valid_to=? WHERE code=? AND seq=?", (on, code, seq))
        tx.run("INSERT INTO @union_edges (code, seq, parent_code, valid_from, valid_to)"
               " VALUES (?,?,?,?,NULL)", (code, seq + 1, parent, on))

    # -- employers ---------------------------------------------------------------------

    def _employer(self, tx: Tx, item: Item) -> None:
        ev, kind = item.event, item.kind
        ver, pos = ev.originator_version, item.position
        if kind == "Employer.Registered":
            tx.run(
                "INSERT INTO @employers (code, agg_id, name, kind, region_code, parent_code,"
                " union_code, closed, version, position) VALUES (?,?,?,?,?,?,?,?,?,?)",
                (ev.code, str(ev.originator_id), ev.name, ev.kind, ev.region_code, ev.parent_code,
                 None, False, ver, pos),
            )
            return
        code = _code(tx, "employers", ev.originator_id)
        if code is None:
            return
        if kind == "Employer.UnionLinked":
            tx.run("UPDATE @employers SET union_code=?, version=?, position=? WHERE code=?",
                   (ev.union_code, ver, pos, code))
        elif kind == "Employer.UnionUnlinked":
            tx.run("UPDATE @employers SET union_code=CASE WHEN union_code=? THEN NULL"
                   " ELSE union_code END, version=?, position=? WHERE code=?",
                   (ev.union_code, ver, pos, code))
        elif kind == "Employer.Closed":
            tx.run("UPDATE @employers SET closed=?, version=?, position=? WHERE code=?",
                   (True, ver, pos, code))


def _code(tx: Tx, table: str, agg_id: Any) -> str | None:
    """Events after the first carry only the aggregate id: find the credit code by it."""
    row = tx.one(f"SELECT code FROM @{table} WHERE agg_id=?", (str(agg_id),))
    return None if row is None else str(row[0])

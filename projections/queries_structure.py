"""Queries on the union tree, employers and single members (mixed into ReadStore)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from domain.enums import EmployerKind, UnionKind
from domain.joining import EmployerInfo, UnionInfo
from domain.values.region import parent_region, parse_region_code, region_covers
from projections.db import Db
from projections.member_directory import COLS as MEMBER_COLS

UNION_COLS = ("code, name, kind, level, parent_code, region_code, employer_code, approved_by,"
              " dissolved, established_on, dissolved_on, version")
EMPLOYER_COLS = "code, name, kind, region_code, parent_code, union_code, closed, version"
MEMBER_SELECT = f"SELECT {', '.join(MEMBER_COLS)} FROM @member_directory"
HOLDING = ("active", "retained", "in_transit")


def _union_info(row: dict[str, Any]) -> UnionInfo:
    return UnionInfo(code=row["code"], name=row["name"], kind=UnionKind(row["kind"]),
                     region_code=row["region_code"], employer_code=row["employer_code"],
                     dissolved=row["dissolved"])


class StructureQueries:
    db: Db

    def _dicts(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[dict[str, Any]]:
        with self.db.read() as tx:
            return tx.dicts(sql, params)

    def _first(self, sql: str, params: tuple[Any, ...]) -> dict[str, Any] | None:
        rows = self._dicts(sql, params)
        return rows[0] if rows else None

    # -- unions ------------------------------------------------------------------------

    def union(self, code: str) -> dict[str, Any] | None:
        return self._first(f"SELECT {UNION_COLS} FROM @unions WHERE code=?", (code,))

    def children(self, code: str) -> list[dict[str, Any]]:
        return self._dicts(f"SELECT {UNION_COLS} FROM @unions WHERE parent_code=? ORDER BY code",
                           (code,))

    def ancestors(self, code: str) -> list[dict[str, Any]]:
        """The union's ancestors, nearest first (from the closure table: one query)."""
        cols = ", ".join(f"u.{c.strip()}" for c in UNION_COLS.split(","))
        return self._dicts(
            f"SELECT {cols}, a.depth FROM @union_ancestors a JOIN @unions u ON u.code=a.ancestor"
            " WHERE a.descendant=? AND a.depth > 0 ORDER BY a.depth", (code,))

    def unions_covering(self, region_code: str) -> list[UnionInfo]:
        """Every non-dissolved union whose region covers the place (candidates for joining)."""
        place = parse_region_code(region_code)
        regions: list[str] = []
        code: str | None = place
        while code is not None:
            regions.append(code)
            code = parent_region(code)
        marks = ",".join("?" * len(regions))
        rows = self._dicts(f"SELECT {UNION_COLS} FROM @unions WHERE region_code IN ({marks})"
                           " AND dissolved=? ORDER BY code", [*regions, False])
        return [_union_info(r) for r in rows if region_covers(r["region_code"], place)]

    def union_info(self, code: str) -> UnionInfo | None:
        row = self.union(code)
        return None if row is None else _union_info(row)

    # -- employers ---------------------------------------------------------------------

    def employer(self, code: str) -> dict[str, Any] | None:
        return self._first(f"SELECT {EMPLOYER_COLS} FROM @employers WHERE code=?", (code,))

    def employer_info(self, code: str) -> EmployerInfo | None:
        row = self.employer(code)
        if row is None:
            return None
        return EmployerInfo(code=row["code"], name=row["name"], kind=EmployerKind(row["kind"]),
                            region_code=row["region_code"], union_code=row["union_code"],
                            closed=row["closed"])

    # -- members -----------------------------------------------------------------------

    def member(self, member_id: str) -> dict[str, Any] | None:
        """The directory row (masked; `personal` is the sealed token for authorised readers)."""
        return self._first(f"{MEMBER_SELECT} WHERE member_id=?", (str(member_id),))

    def member_by_resident(self, member_id: str) -> dict[str, Any] | None:
        """The row of the person whose resident ID gives this membership id
        (`Identity.membership_id`), unless their personal data was erased."""
        return self._first(f"{MEMBER_SELECT} WHERE member_id=? AND name_key IS NOT NULL",
                           (str(member_id),))

    def _holding(self, union_code: str) -> list[UUID]:
        with self.db.read() as tx:
            rows = tx.all("SELECT member_id FROM @member_directory WHERE union_code=?"
                          " AND status IN (?,?,?) ORDER BY member_id", (union_code, *HOLDING))
        return [UUID(r[0]) for r in rows]

"""Roster queries: current (member_directory) or as of a date (membership_periods + dated edges).

Rows are paginated by member_id with an opaque cursor (the last id of the previous page).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.errors import ValidationError
from projections.db import Db
from projections.member_directory import COLS as MEMBER_COLS

PERIOD_STATE = frozenset({"union_code", "destination_union_code", "status", "since",
                          "worker_group", "channel", "joined_on"})
MAX_LIMIT = 500
#: the union and its descendants along the parent links valid on a date (business time)
SUBTREE_AS_OF = (
    "WITH RECURSIVE sub(code) AS (SELECT CAST(? AS CODE) UNION SELECT e.code FROM @union_edges e"
    " JOIN sub ON e.parent_code = sub.code WHERE e.valid_from <= ?"
    " AND (e.valid_to IS NULL OR e.valid_to > ?)) "
)


class RosterQueries:
    db: Db

    def roster(
        self, union_code: str, *, subtree: bool = False, status: str | None = None,
        worker_group: str | None = None, channel: str | None = None,
        joined_from: date | None = None, joined_to: date | None = None,
        name_key: str | None = None, resident_member_id: str | None = None,
        as_of: date | None = None, cursor: str | None = None, limit: int = 50,
    ) -> tuple[list[dict[str, Any]], str | None]:
        """A page of the union's (or subtree's) members, filtered; (rows, next_cursor)."""
        if not 1 <= limit <= MAX_LIMIT:
            raise ValidationError(f"limit 须在 1 到 {MAX_LIMIT} 之间",
                                  message_en=f"limit must be 1..{MAX_LIMIT}",
                                  code="limit.range", field="limit")
        params: list[Any] = []
        if as_of is None:
            src = "d"
            sql = f"SELECT {', '.join('d.' + c for c in MEMBER_COLS)} FROM @member_directory d"
            if subtree:
                sql += " JOIN @union_ancestors a ON a.descendant = d.union_code WHERE a.ancestor=?"
            else:
                sql += " WHERE d.union_code=?"
            params.append(union_code)
        else:
            src = "p"
            cols = [f"p.{c}" if c in PERIOD_STATE else f"d.{c}" for c in MEMBER_COLS]
            sql = (f"SELECT {', '.join(cols)}, p.valid_from, p.valid_to"
                   " FROM @membership_periods p JOIN @member_directory d"
                   " ON d.member_id = p.member_id"
                   " WHERE p.valid_from <= ? AND (p.valid_to IS NULL OR p.valid_to > ?)")
            params += [as_of, as_of]
            if subtree:
                sql = SUBTREE_AS_OF + sql + " AND p.union_code IN (SELECT code FROM sub)"
                params = [union_code, as_of, as_of, *params]
            else:
                sql += " AND p.union_code=?"
                params.append(union_code)
        for col, value, op in (
            (f"{src}.status", status, "="), (f"{src}.worker_group", worker_group, "="),
            (f"{src}.channel", channel, "="), (f"{src}.joined_on", joined_from, ">="),
            (f"{src}.joined_on", joined_to, "<="), ("d.name_key", name_key, "="),
            ("d.member_id", resident_member_id, "="), ("d.member_id", cursor, ">"),
        ):
            if value is not None:
                sql += f" AND {col} {op} ?"
                params.append(value)
        if resident_member_id is not None:  # not once the person's data was erased
            sql += " AND d.name_key IS NOT NULL"
        sql += " ORDER BY d.member_id LIMIT ?"
        params.append(limit + 1)
        with self.db.read() as tx:
            rows = tx.dicts(sql, params)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1]["member_id"] if more else None)

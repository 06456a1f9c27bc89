"""Consistency check: rebuild every view into a scratch namespace and diff it with the live one.

PostgreSQL: a scratch schema in the same database; SQLite: a scratch database file attached to
one connection. Either is dropped afterwards, whatever happens.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from projections.db import Db

if TYPE_CHECKING:
    from projections.runner import Runner

ATTEMPTS = 3


def check(runner: Runner) -> list[str]:
    """Differences between the live views and a fresh rebuild at the same position ([] = ok)."""
    for _ in range(ATTEMPTS):
        runner.catch_up()
        live = runner.positions()
        if len(set(live.values())) > 1:
            continue  # another runner is mid-batch: catch up again
        position = next(iter(live.values()), 0)
        diffs = _compare(runner, position)
        if runner.positions() == live:
            return diffs
    return ["the live views kept moving during the check; run it again when writes are quiet"]


def _compare(runner: Runner, position: int) -> list[str]:
    from projections.bulk import bulk_rebuild
    from projections.runner import Runner

    ns = f"ul_check_{uuid.uuid4().hex[:10]}"
    scratch = Db(runner.db.target, ns)
    path = None
    try:
        if scratch.dialect == "postgres":
            scratch.conn.execute(f'CREATE SCHEMA "{ns}"')
        else:
            assert runner.db.target.sqlite_path is not None
            path = runner.db.target.sqlite_path.with_name(f"{ns}.sqlite")
            scratch.conn.execute(f"ATTACH DATABASE ? AS {ns}", (str(path),))
        rebuilt = Runner(runner.ledger, [v.for_db(scratch) for v in runner.views], scratch,
                         batch_size=runner.batch_size)
        rebuilt.ensure_tables()
        bulk_rebuild(rebuilt, rebuilt.views, stop=position)  # the live path's twin, in memory
        diffs: list[str] = []
        with scratch.read() as tx:
            for view in runner.views:
                for table in view.tables:
                    live, new = runner.db.table(table), scratch.table(table)
                    only_live = tx.all(f"SELECT * FROM {live} EXCEPT SELECT * FROM {new}")
                    only_new = tx.all(f"SELECT * FROM {new} EXCEPT SELECT * FROM {live}")
                    if only_live or only_new:
                        diffs.append(
                            f"{view.name}.{table}: {len(only_live)} row(s) only in the live view,"
                            f" {len(only_new)} only in the rebuild; live e.g. {_show(only_live)};"
                            f" rebuilt e.g. {_show(only_new)}"
                        )
        return diffs
    finally:
        _drop(scratch, ns, path)


def _show(rows: list[tuple[Any, ...]]) -> str:
    return "; ".join(repr(r)[:160] for r in rows[:2]) or "-"


def _drop(scratch: Db, ns: str, path: Any) -> None:
    try:
        if scratch.dialect == "postgres":
            scratch.conn.execute(f'DROP SCHEMA IF EXISTS "{ns}" CASCADE')
        elif path is not None:
            scratch.conn.execute(f"DETACH DATABASE {ns}")
    finally:
        scratch.close()
        if path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)

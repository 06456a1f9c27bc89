"""Supervision for long-running runners: reconnect with back-off, resume from tracking.

The library's runner does not reconnect and NOTIFY can be missed, so the loop always polls;
on PostgreSQL a LISTEN on the events channel only shortens the wait.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError

from projections.db import APP_NAME, CONNECTION_ERRORS

if TYPE_CHECKING:
    from projections.runner import Runner

log = logging.getLogger(__name__)
RECONNECT_ON: tuple[type[BaseException], ...] = (*CONNECTION_ERRORS, OperationalError,
                                               InterfaceError)
MAX_BACKOFF = 10.0


def supervise(runner: Runner, stop: threading.Event, wait: Callable[[float], object]) -> None:
    backoff = 0.2
    while not stop.is_set():
        try:
            runner.catch_up()
        except Exception as e:  # noqa: BLE001 - a supervisor outlives any one failure
            runner.errors += 1
            runner.last_error = f"{type(e).__name__}: {e}"
            log.warning("projection batch failed (%s); retrying in %.1fs", runner.last_error,
                        backoff)
            if isinstance(e, RECONNECT_ON):
                runner.reconnect()
            stop.wait(backoff)
            backoff = min(backoff * 2, MAX_BACKOFF)
            continue
        backoff = 0.2
        wait(runner.poll_interval)


class PgListener:
    """LISTEN on the ledger's events channel; `wait` returns early when events are written."""

    def __init__(self, conninfo: str, channel: str) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.conn: Any = None

    def wait(self, timeout: float) -> None:
        try:
            if self.conn is None:
                self.conn = psycopg.connect(self.conninfo, autocommit=True,
                                            application_name=f"{APP_NAME}-listen")
                self.conn.execute(f'LISTEN "{self.channel}"')
            for _ in self.conn.notifies(timeout=timeout, stop_after=1):
                pass
        except psycopg.Error as e:
            log.warning("LISTEN connection lost (%s); polling until it is back", e)
            self.close()
            threading.Event().wait(min(timeout, 1.0))

    def close(self) -> None:
        if self.conn is not None:
            with contextlib.suppress(psycopg.Error):
                self.conn.close()
            self.conn = None


def follow(runner: Runner, stop: threading.Event, *, listen: bool = True) -> None:
    """`union-ledger project --follow`: runs until `stop` is set (SIGTERM / Ctrl-C)."""
    channel = getattr(runner.ledger.recorder, "channel_name", None)
    listener = None
    if listen and runner.db.dialect == "postgres" and channel and runner.db.target.pg_conninfo:
        listener = PgListener(runner.db.target.pg_conninfo, channel)

    def wait(timeout: float) -> None:
        if listener is not None:
            listener.wait(timeout)
        else:
            stop.wait(timeout)

    try:
        supervise(runner, stop, wait)
    finally:
        if listener is not None:
            listener.close()

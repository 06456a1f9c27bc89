"""A helper process for the bulk rebuild's member_directory: it opens each member's sealed
details (keystore query, AES-GCM unwrap and open, masks, keyed hashes) while the main process is
still reading and folding the log, so the second core does that work meanwhile.

The main process sends (member id, token) as Joined / DetailsCorrected events arrive and, at
load time, uses a result only where its token is still the member's final one; anything else
(a later correction, an erasure, a helper that failed) is opened in process as before.

On PostgreSQL the helper also folds the side views (projections.bulk_side) from the packed
events the main process sends, and loads them into the staging schema once told its name.
"""

from __future__ import annotations

import marshal
import multiprocessing
import os
import pickle
import queue
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

from projections.bulk_side import SideFolds
from projections.gc_tuning import fewer_collections
from projections.member_directory import PERSONAL, personal_fields

_fields = itemgetter(*PERSONAL[:-1])
Opened = dict[str, tuple[Any, ...]]  # member id -> personal columns of its last token sent
DONE = "done"
LOADED = "loaded"
#: read every key at once up to this many (about 200 MB in the helper at a million)
SCAN_LIMIT = 20_000_000


def pack_list(items: list[Any], refs: bool = False) -> bytes:
    """A batch for the other process: marshal where it can (tuples of str, int and None), pickle
    otherwise; the queue then pickles one bytes object. Both processes run the same
    interpreter (spawned), so marshal's format holds.

    Without `refs` (marshal's version 2) an object met twice is written twice, but no table of
    the objects written is kept: for the rebuild's batches, whose strings the folds also hold,
    that table made marshal cost as much as pickle (0.78 µs a packed event; 0.36 without).
    `refs` for what the rebuilding process reads back (the helper's answers: smaller, and
    quicker to load)."""
    try:
        return b"M" + marshal.dumps(items, marshal.version if refs else 2)
    except ValueError:  # an object marshal cannot write (a datetime, say)
        return b"P" + pickle.dumps(items, protocol=pickle.HIGHEST_PROTOCOL)


def unpack_list(data: bytes) -> Any:
    body = memoryview(data)[1:]
    return marshal.loads(body) if data[:1] == b"M" else pickle.loads(body)


class Opener:
    """Ships (member id, token) batches to the helper and collects what it opened."""

    def __init__(self, factory: Callable[[], Any], side: Sequence[str] = ()) -> None:
        ctx = multiprocessing.get_context("spawn")  # fresh process: no inherited connections
        self._in: Any = ctx.Queue()
        self._out: Any = ctx.Queue()
        #: the views it folds and loads (projections.bulk_side)
        self.side = tuple(side)
        self.proc = ctx.Process(target=_work, args=(factory, self.side, self._in, self._out),
                                name="rebuild-open", daemon=True)
        self.proc.start()
        #: (member id, token) to send at the next flush. The helper opens them in order and
        #: answers every batch (or `results` gives nothing), so its last answer for a member is
        #: the last token sent for it: the member's final one
        self.pending: list[tuple[str, str]] = []
        self.finished = self.closed = False
        #: what the helper has opened so far (taken as it comes, `flush`), and the member ids
        #: of each batch sent whose answer (a list in the same order) is still to come
        self.opened: Opened = {}
        self._asked: deque[list[str]] = deque()

    def send(self, member_id: str, token: str) -> None:
        self.pending.append((member_id, token))

    def flush(self) -> None:
        if self.pending:
            self._asked.append([m for m, _ in self.pending])
            self._put(("open", pack_list(self.pending)))
            self.pending = []
        self._take()

    def _take(self) -> None:
        """Takes what the helper has opened so far, without waiting: left in the pipe, its
        results would wait there for the end of the read (the pipe full, the helper's sender
        blocked), then cross it while the load waits (~1.8 s at a million members)."""
        if self.closed:
            return
        try:
            while True:
                got = self._out.get_nowait()
                if not isinstance(got, bytes):  # (only opened details come before the end)
                    raise RuntimeError(f"unexpected message from the helper: {got!r}")
                self._answered(got)
        except queue.Empty:
            pass

    def fold(self, rows: list[Any]) -> None:
        """Packed events for the side views' folds."""
        self._put(("fold", pack_list(rows)))

    def _put(self, message: tuple[str, Any]) -> None:
        # a helper that has ended (it failed) reads nothing more: what was put for it would
        # only pile up here (results() and loaded() tell the caller to do without it)
        if self.proc.is_alive():
            self._in.put(message)

    def begin(self, stage: str) -> None:
        """No more input; once it has opened everything, the helper loads the side views into
        the staging schema `stage`."""
        self._finish(stage)

    def _finish(self, stage: str | None = None) -> None:
        if not self.finished:
            self.flush()
            self._in.put(("end", stage))
            self.finished = True

    def _messages(self, timeout: float | None = None) -> Iterator[Any]:
        """What the helper sends, as it comes, while it lives (or for `timeout` seconds of
        silence); RuntimeError once it has ended, or when the time is up."""
        if self.closed:
            raise RuntimeError("the helper process was stopped")
        self._finish()
        while True:
            try:
                yield self._out.get(timeout=1.0)
            except queue.Empty:
                if not self.proc.is_alive():
                    raise RuntimeError("the helper process ended") from None
                if timeout is not None:
                    timeout -= 1.0
                    if timeout <= 0:
                        raise RuntimeError("no answer from the helper process") from None

    def _answered(self, got: bytes) -> None:
        self.opened.update(zip(self._asked.popleft(), unpack_list(got), strict=True))

    def results(self, timeout: float = 600.0) -> Opened:
        """Everything the helper opened, each member's from the last token sent for it; {}
        if it failed (or did not answer every batch): the caller opens in process."""
        opened = self.opened
        try:
            for got in self._messages(timeout):
                if got == DONE:
                    return opened
                self._answered(got)
        except RuntimeError:
            return {}
        finally:
            if not self.side:
                self.close()  # done with it (else: it still loads the side views)
        return {}  # (the messages end only by raising)

    def loaded(self) -> list[str]:
        """Once the helper has loaded the side views (`begin`): their tables to VACUUM; raises
        RuntimeError if it failed or ended first. It is waited for as long as it lives: at
        national scale its load may outlast this process's by many minutes, and folding them
        here instead would take longer still."""
        for got in self._messages():
            if isinstance(got, tuple):
                if got[0] == LOADED:
                    return list(got[1])
                raise RuntimeError(got[1])
            # opened details no one asked for (results() not called): not needed
        raise RuntimeError("the helper process ended")  # (unreachable: see _messages)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._finish()
        if self.proc.is_alive():
            self.proc.join(5.0)
        if self.proc.is_alive():
            self.proc.terminate()
        # a helper that died leaves our queue's feeder thread blocked on a full pipe: never
        # wait for it at exit (the results are not needed any more)
        self._in.cancel_join_thread()
        self._in.close()
        self._out.close()


def _work(factory: Callable[[], Any], side: tuple[str, ...], inq: Any, outq: Any) -> None:
    rt = factory()
    folds = None
    try:
        with fewer_collections():  # the collector took ~9% of its CPU at 1M members
            vault, identity = rt.vault, rt.identity
            store = vault.keystore
            folds = SideFolds(rt, side) if side else None
            scan = getattr(store, "scan", None)  # every key in one pass, where the store can
            every: dict[str, bytes] | None = scan(SCAN_LIMIT) if scan is not None else None
            # the side folds' pages wait while there is opening to do: the rebuild waits for
            # the opened details when its log is read, and for the side views only at the end
            # of its own load (in their order: a fold reads its pages in log order)
            backlog: deque[Any] = deque()
            while True:
                try:
                    op, arg = inq.get_nowait() if backlog else inq.get()
                except queue.Empty:  # nothing sent meanwhile
                    assert folds is not None
                    folds.fold(unpack_list(backlog.popleft()))
                    continue
                if op == "fold":
                    backlog.append(arg)
                    continue
                if op == "end":
                    stage = arg
                    break
                pairs = unpack_list(arg)
                if every is None:
                    wrapped = store.get_many([m for m, _ in pairs])
                else:  # a key made after the scan (for a later event) is asked for alone
                    wrapped = {m: every[m] for m, _ in pairs if m in every}
                    missing = [m for m, _ in pairs if m not in every]
                    if missing:
                        wrapped.update(store.get_many(missing))
                # in the order asked (the member ids stay with the rebuild: half the bytes to
                # write and read)
                outq.put(pack_list([_fields(personal_fields(identity, t, d)) for (_, t), d in zip(
                    pairs, vault.open_with(pairs, wrapped), strict=True)], refs=True))
            outq.put(DONE)
            while backlog:
                assert folds is not None
                folds.fold(unpack_list(backlog.popleft()))
            if folds is not None and stage is not None:
                try:
                    outq.put((LOADED, folds.load(stage)))
                except Exception as e:  # the main process folds them itself instead
                    outq.put(("failed", f"{type(e).__name__}: {e}"))
                    raise
            # Done, its last message sent: it ends here, without freeing what it holds one
            # object at a time nor collecting it once the thresholds are back (the keys, the
            # folds: seconds at a million members, which the rebuild would wait for).
            _close(folds, rt)
            outq.close()
            outq.join_thread()
            os._exit(0)
    finally:
        _close(folds, rt)


def _close(folds: SideFolds | None, rt: Any) -> None:
    if folds is not None:
        folds.close()
    rt.close()

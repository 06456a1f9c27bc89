"""Collective registration import (art. 7): dry run or real run, in atomic batches of 500.

A batch is one save: never half-applied. A conflicting batch is re-validated and retried once.
Saving batch k overlaps checking batch k+1 (database waits against CPU work).
Re-importing a file records nothing new: its people show as 已登记 (same union, same channel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from uuid import UUID

from api.importer.existing import preload
from api.importer.parse import read_rows
from api.importer.report import ERROR, OK, REGISTERED, ImportReport, row_result
from api.importer.validate import Prepared, import_channel, prepare
from domain.application import Ledger
from domain.errors import AlreadyMemberError, ConflictError, LedgerError
from domain.joins import JoinLookups
from domain.membership import Membership

BATCH = 500
Progress = Callable[[ImportReport, int], None]  # (report so far, rows done)


def _status(err: LedgerError, lookups: JoinLookups, union_code: str, channel: str) -> str:
    """已登记 when the person already holds a membership here, joined through this channel."""
    if isinstance(err, AlreadyMemberError) and err.details.get("union_code") == union_code:
        m = lookups.loaded.get(UUID(err.details["member_id"]))
        if isinstance(m, Membership) and m.channel == channel:
            return REGISTERED
    return ERROR


@dataclass
class _Checked:
    """A batch after the checks: its lookups, per-row errors, and what is ready to save."""

    batch: Sequence[Prepared]
    lookups: JoinLookups
    errors: list[tuple[int, LedgerError]]
    ready: list[Membership]
    saving: Future[int] | None = None


def _check(ledger: Ledger, batch: Sequence[Prepared], *, dry_run: bool) -> _Checked:
    """Reads the batch's memberships afresh (one query) and checks every row."""
    reqs = [p.request for p in batch]
    ids = {ledger.identity.membership_id(r.details.resident_id) for r in reqs}
    lookups = JoinLookups(ledger, preload(ledger, ids))
    if dry_run:
        return _Checked(batch, lookups, ledger.validate_many(reqs, lookups=lookups), [])
    ready, errors = ledger.prepare_join_batch(reqs, lookups=lookups)
    return _Checked(batch, lookups, errors, ready)


def _finish(ledger: Ledger, c: _Checked, report: ImportReport, *, dry_run: bool) -> None:
    """Waits for the batch's save; a conflict re-checks the batch and saves it once more."""
    if c.saving is not None:
        try:
            c.saving.result()
        except ConflictError:
            c = _check(ledger, c.batch, dry_run=False)  # someone else wrote meanwhile
            try:
                ledger.save_join_batch(c.ready)
            except ConflictError as e:
                c.errors = [(i, e) for i in range(len(c.batch))]
    bad = dict(c.errors)
    for i, p in enumerate(c.batch):
        raw, err = p.row, bad.get(i)
        status = OK if err is None else _status(err, c.lookups, report.union_code,
                                                report.channel)
        report.add(row_result(raw.row_no, raw.get("name"), p.request.details.resident_id,
                              err if status == ERROR else None, status))
    if not dry_run:
        report.recorded += len(c.batch) - len(bad)


def run_import(
    ledger: Ledger, data: bytes, filename: str = "", *, union_code: str, channel: str,
    recorded_by: str, dry_run: bool = False, progress: Progress | None = None,
    batch_size: int = BATCH,
) -> ImportReport:
    """Validates every row with the ledger's own rules; records the valid ones unless dry_run.

    Refuses the whole file (LedgerError) only for an unknown union, a channel that is not a
    bulk channel, or an unreadable file; every row-level problem goes into the report.
    """
    union = ledger.get_union(union_code)
    ch = import_channel(channel)
    rows = read_rows(data, filename)
    report = ImportReport(union.code, ch, dry_run, rows=len(rows))
    ok, bad = prepare(rows, union_code=union.code, channel=ch, recorded_by=recorded_by)
    for raw, err in bad:
        report.add(row_result(raw.row_no, raw.get("name"), raw.get("resident_id"), err))
    done = len(bad)
    if progress:
        progress(report, done)
    # Pipelined: batch k is saved on a second thread while batch k+1 is checked (the batches
    # hold different people, so a check never depends on the save still in flight).
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-save") as saver:
        pending: _Checked | None = None
        for k in range(0, len(ok), batch_size):
            checked = _check(ledger, ok[k:k + batch_size], dry_run=dry_run)
            if pending is not None:
                _finish(ledger, pending, report, dry_run=dry_run)
                done += len(pending.batch)
                if progress:
                    progress(report, done)
            if not dry_run:
                checked.saving = saver.submit(ledger.save_join_batch, checked.ready)
            pending = checked
        if pending is not None:
            _finish(ledger, pending, report, dry_run=dry_run)
            done += len(pending.batch)
            if progress:
                progress(report, done)
    return report


__all__ = ["run_import", "ImportReport", "ERROR", "OK", "REGISTERED"]

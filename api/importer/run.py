"""Collective registration import (art. 7): dry run or real run, in atomic batches of 2,000.

A batch is one save: never half-applied. A conflicting batch is re-validated and retried once.
Saving batch k overlaps checking batch k+1 and reading batch k+2 (database waits against CPU).
Re-importing a file records nothing new: its people show as 已登记 (same union, same channel).
"""

from __future__ import annotations

import contextlib
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
from domain.joins import JoinLookups, JoinRows
from domain.membership import Membership
from projections.gc_tuning import fewer_collections

BATCH = 2000  # 500 → 2,000: ~15 % more members/s with a follower (BENCHMARKS.md)
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
    ready: JoinRows
    saving: Future[int] | None = None


def _fetch(ledger: Ledger, batch: Sequence[Prepared], *, dry_run: bool) -> JoinLookups:
    """The batch's reads: its memberships afresh (one query), its union(s) and the campaign
    registry and, unless a dry run, its data keys (one insert). Runs a batch ahead on the
    reading thread, so that the checking thread does not wait on the database."""
    reqs = [p.request for p in batch]
    ids = {ledger.identity.membership_id(r.details.resident_id) for r in reqs}
    lookups = JoinLookups(ledger, preload(ledger, ids))
    for code in {r.union_code for r in reqs}:
        with contextlib.suppress(LedgerError):  # each row's check says so (not memoised)
            lookups.union_info(code)
    lookups.campaigns()
    if not dry_run:
        ledger.make_join_keys(reqs)
        lookups.keys_made = True
    return lookups


def _check(ledger: Ledger, batch: Sequence[Prepared], *, dry_run: bool,
           lookups: JoinLookups | None = None) -> _Checked:
    """Checks every row against the batch's reads (`_fetch`, done now if not given)."""
    reqs = [p.request for p in batch]
    if lookups is None:
        lookups = _fetch(ledger, batch, dry_run=dry_run)
    if dry_run:
        return _Checked(batch, lookups, ledger.validate_many(reqs, lookups=lookups), JoinRows())
    ready, errors = ledger.prepare_join_rows(reqs, lookups=lookups)
    return _Checked(batch, lookups, errors, ready)


def _finish(ledger: Ledger, c: _Checked, report: ImportReport, *, dry_run: bool) -> None:
    """Waits for the batch's save; a conflict re-checks the batch and saves it once more."""
    if c.saving is not None:
        try:
            c.saving.result()
        except ConflictError:
            c = _check(ledger, c.batch, dry_run=False)  # someone else wrote meanwhile
            try:
                ledger.save_join_rows(c.ready)
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
    with fewer_collections():  # millions of short-lived objects, nearly none in cycles
        return _run_import(ledger, data, filename, union_code=union_code, channel=channel,
                           recorded_by=recorded_by, dry_run=dry_run, progress=progress,
                           batch_size=batch_size)


def _run_import(
    ledger: Ledger, data: bytes, filename: str, *, union_code: str, channel: str,
    recorded_by: str, dry_run: bool, progress: Progress | None, batch_size: int,
) -> ImportReport:
    union = ledger.get_union(union_code)
    ch = import_channel(channel)
    rows = read_rows(data, filename)
    report = ImportReport(union.code, ch, dry_run, rows=len(rows))
    first_row: dict[str, int] = {}  # the file's people so far (duplicates within the file)

    def prepared(k: int) -> list[Prepared]:
        """The k-th batch_size rows as requests; the rows that do not read well are reported."""
        ok, bad = prepare(rows[k * batch_size:(k + 1) * batch_size], union_code=union.code,
                          channel=ch, recorded_by=recorded_by, first_row=first_row)
        for raw, err in bad:
            report.add(row_result(raw.row_no, raw.get("name"), raw.get("resident_id"), err))
        return ok

    # Pipelined, a part of the file at a time: batch k is saved on a second thread while
    # batch k+1 is checked here, and batch k+2 read (its memberships and data keys) on a
    # third: the batches hold different people, so neither a check nor a read depends on a
    # save still in flight. Each batch's rows are turned into requests only when the pipeline
    # reaches them, so that the database (and a projections follower) has work from the
    # first batch on instead of waiting while the whole file is read.
    parts = -(-len(rows) // batch_size)
    done = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-save") as saver, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-read") as reader:
        pending: _Checked | None = None
        batch = prepared(0) if parts else []
        reading = reader.submit(_fetch, ledger, batch, dry_run=dry_run) if batch else None
        for k in range(parts):
            lookups = reading.result() if reading is not None else None
            following = prepared(k + 1) if k + 1 < parts else []
            reading = (reader.submit(_fetch, ledger, following, dry_run=dry_run)
                       if following else None)
            checked = _check(ledger, batch, dry_run=dry_run, lookups=lookups) if batch \
                else None
            if pending is not None:
                _finish(ledger, pending, report, dry_run=dry_run)
            if checked is not None and not dry_run:
                checked.saving = saver.submit(ledger.save_join_rows, checked.ready)
            pending = checked
            if progress:  # the rows up to this part, less the batch still being saved
                done = min((k + 1) * batch_size, len(rows)) - (len(batch) if checked else 0)
                progress(report, done)
            batch = following
        if pending is not None:
            _finish(ledger, pending, report, dry_run=dry_run)
        if progress and done != len(rows):
            progress(report, len(rows))
    return report


__all__ = ["run_import", "ImportReport", "ERROR", "OK", "REGISTERED"]

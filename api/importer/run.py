"""Collective registration import (art. 7): dry run or real run, in atomic batches of 500.

A batch is one save: never half-applied. A conflicting batch is re-validated and retried once.
Re-importing a file records nothing new: its people show as 已登记 (same union, same channel).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
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


def _batch(
    ledger: Ledger, batch: Sequence[Prepared], report: ImportReport, *, dry_run: bool,
) -> None:
    reqs = [p.request for p in batch]
    ids = {ledger.identity.membership_id(r.details.resident_id) for r in reqs}
    errors: list[tuple[int, LedgerError]] = []
    for attempt in (1, 2):
        # each attempt reads afresh: a conflict means someone else wrote meanwhile
        lookups = JoinLookups(ledger, preload(ledger, ids))
        try:
            if dry_run:
                errors = ledger.validate_many(reqs, lookups=lookups)
            else:
                _, errors = ledger.join_many(reqs, lookups=lookups)
            break
        except ConflictError as e:
            if attempt == 2:
                errors = [(i, e) for i in range(len(reqs))]
    bad = dict(errors)
    for i, p in enumerate(batch):
        raw = p.row
        err = bad.get(i)
        status = OK if err is None else _status(err, lookups, report.union_code, report.channel)
        report.add(row_result(raw.row_no, raw.get("name"), p.request.details.resident_id,
                              err if status == ERROR else None, status))
    if not dry_run:
        report.recorded += len(reqs) - len(bad)


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
    for k in range(0, len(ok), batch_size):
        chunk = ok[k:k + batch_size]
        _batch(ledger, chunk, report, dry_run=dry_run)
        done += len(chunk)
        if progress:
            progress(report, done)
    return report


__all__ = ["run_import", "ImportReport", "ERROR", "OK", "REGISTERED"]

"""Establishing a union, then opening the transfers that become due (art. 4, R2/R4): used by
POST /unions and `union-ledger union add`, so every way of recording a union does both.

Two saves, not one: the union is recorded even if the transfers conflict; running
`open_due_transfers` again (POST /employers/{code}/due-transfers) picks up whoever is still due.
"""

from __future__ import annotations

from typing import Any

from domain.application import CommandResult, Ledger
from domain.ports import EmployerMemberIndex


def establish_and_open_transfers(ledger: Ledger, index: EmployerMemberIndex | None,
                                 **command: Any) -> tuple[CommandResult, list[str]]:
    """Ledger.establish_union(**command); for an employer's union, then releases that
    employer's members due to it. Returns the receipt (position covers the transfers) and
    the released member ids."""
    result = ledger.establish_union(**command)
    employer = command.get("employer_code")
    if not employer:
        return result, []
    released = ledger.open_due_transfers(employer, recorded_by=command["recorded_by"],
                                         effective_on=command.get("effective_on"), index=index)
    if not released:
        return result, []
    top = int(ledger.recorder.max_notification_id() or result.position)
    return CommandResult(result.id, result.version, max(top, result.position)), released


def projected_index(store: Any) -> EmployerMemberIndex | None:
    """The member_directory-backed index when the read side runs (else None: the replay)."""
    if store is None:
        return None
    from projections.employer_members import ProjectedEmployerMembers

    return ProjectedEmployerMembers(store)

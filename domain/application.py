"""The ledger Application: one eventsourcing Application whose verb_noun commands enforce R1-R9.

Each command group is its own module (structure, joins, members, campaigns, applications,
automatic transfers) over LedgerBase, which holds the storage helpers they share.
"""

from __future__ import annotations

from domain.application_commands import ApplicationCommands
from domain.auto_transfers import AutoTransferCommands
from domain.ledger_base import CommandResult, DateAsISO, LedgerBase
from domain.members import MembershipCommands
from domain.structure import StructureCommands

__all__ = ["CommandResult", "DateAsISO", "Ledger", "LedgerBase"]


class Ledger(StructureCommands, MembershipCommands, ApplicationCommands, AutoTransferCommands):
    """The union membership ledger (one eventsourcing Application)."""

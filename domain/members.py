"""Membership commands (R1-R7), mixed into the Ledger application (joins: domain.joins).

Each command loads, checks the rule, triggers one event and saves; a conflict on save is a
ConflictError and nothing is recorded (the caller may reload and run the command again).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from domain.enums import EmploymentRelation, Status, WorkerGroup, parse_enum
from domain.errors import RuleViolationError, ValidationError
from domain.joining import Situation, transfer_due
from domain.joins import JoinCommands, JoinRequest, _details, _situation  # noqa: F401 (re-exported)
from domain.ledger_base import CommandResult
from domain.membership import Membership
from domain.personal import PersonalDetails
from domain.structure import _reason


class MembershipCommands(JoinCommands):
    # -- transfers (R5) ------------------------------------------------------------------

    def transfer_out(
        self, member_id: UUID | str, *, destination_code: str, reason: str,
        recorded_by: str, effective_on: date | str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_transfer_out()
        dest = self.get_union(destination_code, field="destination_code")
        if dest.dissolved or dest.code == m.union_id:
            raise RuleViolationError(
                "转入工会不能是已撤销的工会或当前所在工会", code="transfer.bad_destination",
                field="destination_code", rule="R5",
            )
        m.trigger_event(
            Membership.TransferredOut, from_union_id=m.union_id, destination_union_id=dest.code,
            reason=_reason(reason), effective_on=self.effective(effective_on, not_before=m.since),
            recorded_by=recorded_by,
        )
        return self._result(m, self._save(m))

    def transfer_in(
        self, member_id: UUID | str, *, union_code: str, recorded_by: str,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_in_transit("办理转入", "transfer in")
        dest = self.get_union(union_code)
        code = dest.code
        if dest.dissolved:  # dissolved after the transfer out: the origin may cancel it
            raise RuleViolationError(
                "接收工会已撤销，不能办理转入；可由原工会取消接转",
                message_en="the destination union is dissolved; cancel the transfer instead",
                code="union.dissolved", field="union_code", rule="R8",
            )
        if code != m.destination_union_id:
            raise RuleViolationError(
                "只能由转出时指定的接收工会办理转入",
                message_en="only the named destination may accept",
                code="transfer.wrong_destination", field="union_code", rule="R5",
            )
        m.trigger_event(
            Membership.TransferredIn, union_id=code, from_union_id=m.union_id, reason=None,
            effective_on=self.effective(effective_on, not_before=m.since), recorded_by=recorded_by,
        )
        return self._result(m, self._save(m))

    def cancel_transfer(
        self, member_id: UUID | str, *, reason: str, recorded_by: str,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_in_transit("取消接转", "cancel transfer")
        m.trigger_event(
            Membership.TransferCancelled, union_id=m.union_id,
            destination_union_id=m.destination_union_id, reason=_reason(reason),
            effective_on=self.effective(effective_on, not_before=m.since), recorded_by=recorded_by,
        )
        return self._result(m, self._save(m))

    # -- life cycle (R4, R6, R7) ---------------------------------------------------------

    def _simple(
        self, member_id: UUID | str, event: type[Any], expected_version: int | None,
        check: str, effective_on: date | str | None, recorded_by: str, **fields: Any,
    ) -> CommandResult:
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        getattr(m, check)()
        m.trigger_event(
            event, effective_on=self.effective(effective_on, not_before=m.since),
            recorded_by=recorded_by, **fields
        )
        return self._result(m, self._save(m))

    def retain(
        self, member_id: UUID | str, *, cause: str, recorded_by: str,
        reason: str | None = None, effective_on: date | str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        if cause not in ("retirement", "unemployment"):
            raise ValidationError(
                "保留会籍的原因须为退休（retirement）或失业（unemployment）",
                code="retain.cause", field="cause", rule="R6",
            )
        return self._simple(member_id, Membership.Retained, expected_version, "check_retain",
                            effective_on, recorded_by, cause=cause, reason=reason)

    def reactivate(
        self, member_id: UUID | str, *, recorded_by: str, reason: str | None = None,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        return self._simple(member_id, Membership.Reactivated, expected_version,
                            "check_reactivate", effective_on, recorded_by, reason=reason)

    def withdraw(
        self, member_id: UUID | str, *, recorded_by: str, automatic: bool = False,
        reason: str | None = None, effective_on: date | str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        if automatic:  # R7: 6 months without dues or participation, after counselling
            reason = _reason(reason)
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_end("办理退会", "withdraw")
        m.trigger_event(Membership.Withdrew, automatic=automatic, reason=reason,
                        effective_on=self.effective(effective_on, not_before=m.since),
                        recorded_by=recorded_by)
        return self._result(m, self._save(m))

    def expel(
        self, member_id: UUID | str, *, recorded_by: str, reason: str,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        why = _reason(reason)
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_end("开除会籍", "expel")
        m.trigger_event(Membership.Expelled, reason=why,
                        effective_on=self.effective(effective_on, not_before=m.since),
                        recorded_by=recorded_by)
        return self._result(m, self._save(m))

    def delegate_management(
        self, member_id: UUID | str, *, to_union_code: str, recorded_by: str,
        reason: str | None = None, effective_on: date | str | None = None,
    ) -> CommandResult:
        """R4 委托代管: only a dispatched member, only to the using unit's union."""
        m = self.get_membership(member_id)
        m.check_delegate()
        situation = Situation.from_dict(m.employment)
        using = self._employer_info(situation.using_unit_code, "situation.using_unit_code")
        target = self.get_union(to_union_code, field="to_union_code")
        # A member who joined the using unit's union (the agency had none) is already
        # managed there: delegating to one's own union would record nothing real.
        if (situation.relation is not EmploymentRelation.DISPATCHED or using is None
                or using.union_code != target.code or target.code == m.union_id):
            raise RuleViolationError(
                "委托代管仅适用于劳务派遣会员，且只能由派遣单位工会委托给用工单位工会",
                message_en="only a dispatched member's agency union may delegate, and only to "
                "the using unit's union",
                code="delegate.not_using_unit", field="to_union_code", rule="R4",
            )
        m.trigger_event(Membership.ManagementDelegated, to_union_id=target.code, reason=reason,
                        effective_on=self.effective(effective_on, not_before=m.since),
                        recorded_by=recorded_by)
        return self._result(m, self._save(m))

    def change_employment(
        self, member_id: UUID | str, *, situation: Situation, recorded_by: str,
        reason: str | None = None, effective_on: date | str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        s = _situation(situation)
        self._employer_info(s.employer_code, "situation.employer_code")
        self._employer_info(s.using_unit_code, "situation.using_unit_code")
        return self._simple(member_id, Membership.EmploymentChanged, expected_version,
                            "check_holding", effective_on,
                            recorded_by, employment=s.as_dict(), reason=reason)

    def correct_details(
        self, member_id: UUID | str, *, recorded_by: str, reason: str,
        details: PersonalDetails | None = None, worker_group: str | None = None,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        why = _reason(reason)
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        sealed = None
        if details is not None:
            clean = _details(details, self.today())
            if self.identity.membership_id(clean.resident_id) != m.id:
                raise ValidationError(
                    "更正信息不能改变公民身份号码（身份号码决定会籍）",
                    code="details.resident_id_mismatch", field="resident_id", rule="R1",
                )
            sealed = self.vault.seal(str(m.id), clean)
        wg = parse_enum(WorkerGroup, worker_group, "worker_group").value if worker_group else None
        m.trigger_event(Membership.DetailsCorrected, personal=sealed, worker_group=wg, reason=why,
                        effective_on=self.effective(effective_on), recorded_by=recorded_by)
        return self._result(m, self._save(m))

    def erase_personal_data(
        self, member_id: UUID | str, *, recorded_by: str, reason: str,
    ) -> CommandResult:
        """PIPL art. 47: records the erasure, then destroys the person's data key."""
        why = _reason(reason)
        m = self.get_membership(member_id)
        position = 0
        if not m.erased:
            m.trigger_event(Membership.PersonalDataErased, reason=why,
                            effective_on=self.today(), recorded_by=recorded_by)
            position = self._save(m)
        self.vault.erase(str(m.id))
        return self._result(m, position)

    def due_transfer(self, member_id: UUID | str) -> str | None:
        """The union an active member should transfer to under R2/R4, e.g. because the
        employer has since established its own union; None when nothing is due."""
        m = self.get_membership(member_id)
        if Status(m.status) is not Status.ACTIVE:
            return None
        s = Situation.from_dict(m.employment)
        employer = self._employer_info(s.employer_code, "situation.employer_code")
        using = self._employer_info(s.using_unit_code, "situation.using_unit_code")
        return transfer_due(s, m.union_id, employer, using)

    def personal_details(self, m: Membership) -> PersonalDetails | None:
        """The member's details, or None after erasure."""
        return None if m.erased else self.vault.open(str(m.id), m.personal)

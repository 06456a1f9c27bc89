"""Membership commands (R1-R7), mixed into the Ledger application.

Each command loads, checks the rule, triggers one event and saves; a conflict on save is a
ConflictError and nothing is recorded (the caller may reload and run the command again).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.enums import STATUS_ZH, Channel, EmploymentRelation, Status, WorkerGroup, parse_enum
from domain.errors import (
    AlreadyMemberError,
    LedgerError,
    RuleViolationError,
    ValidationError,
)
from domain.joining import EmployerInfo, Situation, basis_for, required_parties
from domain.membership import Membership
from domain.personal import PersonalDetails
from domain.structure import _reason
from domain.values.contact import parse_mobile
from domain.values.region import parse_region_code
from domain.values.resident_id import parse_resident_id

if TYPE_CHECKING:
    from domain.application import CommandResult, Ledger


@dataclass(frozen=True)
class JoinRequest:
    details: PersonalDetails
    union_code: str
    worker_group: str
    channel: str
    situation: Situation
    recorded_by: str
    effective_on: date | str | None = None
    override_by: str | None = None
    override_reason: str | None = None
    campaign_id: str | None = None


def _details(d: PersonalDetails, today: date) -> PersonalDetails:
    name = (d.name or "").strip()
    if not name or len(name) > 50:
        raise ValidationError(
            "姓名须为 1-50 个字符", message_en="name: 1-50 characters", code="name.length",
            field="name",
        )
    rid = parse_resident_id(d.resident_id, today=today)
    phone = parse_mobile(d.phone) if d.phone else None
    return PersonalDetails(name=name, resident_id=rid.number, phone=phone, address=d.address)


def _situation(s: Situation) -> Situation:
    required_parties(s)
    return replace(
        s,
        work_region=parse_region_code(s.work_region, field="situation.work_region")
        if s.work_region else None,
        residence_region=parse_region_code(s.residence_region, field="situation.residence_region")
        if s.residence_region else None,
    )


class MembershipCommands:
    # -- joining -------------------------------------------------------------------------

    def _employer_info(self: Ledger, code: str | None, field: str) -> EmployerInfo | None:
        return self.get_employer(code, field=field).info() if code else None

    def _prepare_join(self: Ledger, req: JoinRequest) -> tuple[Membership, str]:
        """Validates a join fully and returns the (new or rejoined) membership, unsaved."""
        today = self.today()
        details = _details(req.details, today)
        wg = parse_enum(WorkerGroup, req.worker_group, "worker_group")
        ch = parse_enum(Channel, req.channel, "channel")
        situation = _situation(req.situation)
        eff = self.effective(req.effective_on)
        union = self.get_union(req.union_code)
        if union.dissolved:
            raise RuleViolationError(
                "该工会已撤销，不能入会", code="union.dissolved", field="union_code", rule="R8"
            )
        employer = self._employer_info(situation.employer_code, "situation.employer_code")
        using = self._employer_info(situation.using_unit_code, "situation.using_unit_code")
        basis = basis_for(situation, union.info(), employer, using)
        if basis is not None:
            basis_text = f"{basis.rule} {basis.article}"
        else:
            rule = {"labour_contract": "R2", "dispatched": "R4"}.get(situation.relation.value, "R3")
            if not req.override_by:
                raise RuleViolationError(
                    f"按入会路径规则（{rule}），该劳动者不能加入此工会；可查询可入会的工会，"
                    "或由上级工会说明理由后特批",
                    message_en=f"the joining-path rule {rule} does not allow this union",
                    code="join.path_not_allowed", field="union_code", rule=rule,
                )
            over = self.get_union(req.override_by, field="override_by")
            if over.code not in {a.code for a in self.ancestors(union.code)}:
                raise RuleViolationError(
                    "特批须由所入工会的上级工会作出", code="join.override_not_higher",
                    field="override_by", rule=rule,
                )
            basis_text = f"override {over.code}: {_reason(req.override_reason, 'override_reason')}"
        mid = self.identity.membership_id(details.resident_id)
        existing = self._exists(mid)
        fields: dict[str, Any] = dict(
            union_id=union.code, worker_group=wg.value, channel=ch.value,
            employment=situation.as_dict(), basis=basis_text, campaign_id=req.campaign_id,
            effective_on=eff, recorded_by=req.recorded_by, reason=None,
        )
        if isinstance(existing, Membership):
            if existing.holds:
                raise AlreadyMemberError(
                    f"此人已是工会会员（{STATUS_ZH[Status(existing.status)]}），一人只能有一个会籍",
                    message_en="this person already holds a membership (one person, one membership)",
                    code="already_member", field="resident_id", rule="R1",
                    details={"union_code": existing.union_id, "member_id": str(existing.id)},
                )
            existing.trigger_event(
                Membership.Joined, originator_topic=get_topic(Membership),
                personal=self.vault.seal(str(mid), details), **fields,
            )
            return existing, basis_text
        m = Membership._create(
            Membership.Joined, id=mid, personal=self.vault.seal(str(mid), details), **fields
        )
        return m, basis_text

    def join(self: Ledger, request: JoinRequest) -> CommandResult:
        m, _ = self._prepare_join(request)
        return self._result(m, self._save(m))

    def join_many(
        self: Ledger, requests: Sequence[JoinRequest]
    ) -> tuple[int, list[tuple[int, LedgerError]]]:
        """Joins a batch atomically: the valid rows in one save, errors returned per row."""
        ids = [self.identity.membership_id(r.details.resident_id.strip().upper()) for r in requests
               if r.details.resident_id]
        self.vault.ensure_keys(str(i) for i in ids)
        ready: list[Membership] = []
        errors: list[tuple[int, LedgerError]] = []
        seen: set[UUID] = set()
        for i, req in enumerate(requests):
            try:
                m, _ = self._prepare_join(req)
                if m.id in seen:
                    raise AlreadyMemberError(
                        "同一批次中此人重复出现", code="already_member.in_batch",
                        field="resident_id", rule="R1",
                    )
            except LedgerError as e:
                errors.append((i, e))
                continue
            seen.add(m.id)
            ready.append(m)
        return (self._save(*ready) if ready else 0), errors

    # -- transfers (R5) ------------------------------------------------------------------

    def transfer_out(
        self: Ledger, member_id: UUID | str, *, destination_code: str, reason: str,
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
            reason=_reason(reason), effective_on=self.effective(effective_on),
            recorded_by=recorded_by,
        )
        return self._result(m, self._save(m))

    def transfer_in(
        self: Ledger, member_id: UUID | str, *, union_code: str, recorded_by: str,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_in_transit("办理转入", "transfer in")
        code = self.get_union(union_code).code
        if code != m.destination_union_id:
            raise RuleViolationError(
                "只能由转出时指定的接收工会办理转入", message_en="only the named destination may accept",
                code="transfer.wrong_destination", field="union_code", rule="R5",
            )
        m.trigger_event(
            Membership.TransferredIn, union_id=code, from_union_id=m.union_id, reason=None,
            effective_on=self.effective(effective_on), recorded_by=recorded_by,
        )
        return self._result(m, self._save(m))

    def cancel_transfer(
        self: Ledger, member_id: UUID | str, *, reason: str, recorded_by: str,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_in_transit("取消接转", "cancel transfer")
        m.trigger_event(
            Membership.TransferCancelled, union_id=m.union_id,
            destination_union_id=m.destination_union_id, reason=_reason(reason),
            effective_on=self.effective(effective_on), recorded_by=recorded_by,
        )
        return self._result(m, self._save(m))

    # -- life cycle (R4, R6, R7) ---------------------------------------------------------

    def _simple(
        self: Ledger, member_id: UUID | str, event: type[Any], expected_version: int | None,
        check: str, effective_on: date | str | None, recorded_by: str, **fields: Any,
    ) -> CommandResult:
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        getattr(m, check)()
        m.trigger_event(
            event, effective_on=self.effective(effective_on), recorded_by=recorded_by, **fields
        )
        return self._result(m, self._save(m))

    def retain(
        self: Ledger, member_id: UUID | str, *, cause: str, recorded_by: str,
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
        self: Ledger, member_id: UUID | str, *, recorded_by: str, reason: str | None = None,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        return self._simple(member_id, Membership.Reactivated, expected_version,
                            "check_reactivate", effective_on, recorded_by, reason=reason)

    def withdraw(
        self: Ledger, member_id: UUID | str, *, recorded_by: str, automatic: bool = False,
        reason: str | None = None, effective_on: date | str | None = None,
        expected_version: int | None = None,
    ) -> CommandResult:
        if automatic:  # R7: 6 months without dues or participation, after counselling
            reason = _reason(reason)
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_end("办理退会", "withdraw")
        m.trigger_event(Membership.Withdrew, automatic=automatic, reason=reason,
                        effective_on=self.effective(effective_on), recorded_by=recorded_by)
        return self._result(m, self._save(m))

    def expel(
        self: Ledger, member_id: UUID | str, *, recorded_by: str, reason: str,
        effective_on: date | str | None = None, expected_version: int | None = None,
    ) -> CommandResult:
        why = _reason(reason)
        m = self.get_membership(member_id)
        self.check_version(m, expected_version)
        m.check_end("开除会籍", "expel")
        m.trigger_event(Membership.Expelled, reason=why,
                        effective_on=self.effective(effective_on), recorded_by=recorded_by)
        return self._result(m, self._save(m))

    def delegate_management(
        self: Ledger, member_id: UUID | str, *, to_union_code: str, recorded_by: str,
        reason: str | None = None, effective_on: date | str | None = None,
    ) -> CommandResult:
        """R4 委托代管: only a dispatched member, only to the using unit's union."""
        m = self.get_membership(member_id)
        m.check_delegate()
        situation = Situation.from_dict(m.employment)
        using = self._employer_info(situation.using_unit_code, "situation.using_unit_code")
        target = self.get_union(to_union_code, field="to_union_code")
        if (situation.relation is not EmploymentRelation.DISPATCHED or using is None
                or using.union_code != target.code):
            raise RuleViolationError(
                "委托代管仅适用于劳务派遣会员，且只能委托给用工单位工会",
                code="delegate.not_using_unit", field="to_union_code", rule="R4",
            )
        m.trigger_event(Membership.ManagementDelegated, to_union_id=target.code, reason=reason,
                        effective_on=self.effective(effective_on), recorded_by=recorded_by)
        return self._result(m, self._save(m))

    def change_employment(
        self: Ledger, member_id: UUID | str, *, situation: Situation, recorded_by: str,
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
        self: Ledger, member_id: UUID | str, *, recorded_by: str, reason: str,
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
        self: Ledger, member_id: UUID | str, *, recorded_by: str, reason: str,
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

    def personal_details(self: Ledger, m: Membership) -> PersonalDetails | None:
        """The member's details, or None after erasure."""
        return None if m.erased else self.vault.open(str(m.id), m.personal)

"""Joining commands (R1-R4), mixed into the Ledger: one join, a validated batch, a dry run.

A batch memoises the unions and employers it reads and may be given its memberships preloaded
(one query by the caller); a stale preload makes the save conflict, never half-apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TYPE_CHECKING, Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.campaign_commands import CampaignCommands
from domain.enums import STATUS_ZH, Channel, Status, WorkerGroup, parse_enum
from domain.errors import AlreadyMemberError, LedgerError, RuleViolationError, ValidationError
from domain.joining import EmployerInfo, Situation, UnionInfo, basis_for, required_parties
from domain.ledger_base import CommandResult
from domain.membership import Membership
from domain.personal import PersonalDetails
from domain.structure import _reason
from domain.values.contact import parse_mobile
from domain.values.region import parse_region_code
from domain.values.resident_id import parse_resident_id

if TYPE_CHECKING:
    from domain.union import Union


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


class JoinLookups:
    """What one command or batch reads, memoised: unions, employers, memberships.

    `known` may be preloaded by the caller in bulk (id → membership, or None if absent).
    """

    def __init__(self, ledger: JoinCommands, known: Mapping[UUID, Any] | None = None) -> None:
        self.ledger = ledger
        self._unions: dict[tuple[str, str], Union] = {}
        self._infos: dict[str, UnionInfo] = {}
        self._employers: dict[tuple[str, str], EmployerInfo] = {}
        # memberships already read (None: known absent); also lets callers explain refusals
        self.loaded: dict[UUID, Any] = dict(known or {})
        self._registry: list[Any] = []  # the campaign registry, read once (may be None)

    def union(self, code: str, field: str = "union_code") -> Union:
        key = (code, field)
        if key not in self._unions:  # failures are not memoised: bad rows are rare
            self._unions[key] = self.ledger.get_union(code, field=field)
        return self._unions[key]

    def union_info(self, code: str) -> UnionInfo:
        """`union(code).info()`, memoised like the union."""
        if code not in self._infos:
            self._infos[code] = self.union(code).info()
        return self._infos[code]

    def employer(self, code: str | None, field: str) -> EmployerInfo | None:
        if not code:
            return None
        key = (code, field)
        if key not in self._employers:
            self._employers[key] = self.ledger.get_employer(code, field=field).info()
        return self._employers[key]

    def campaigns(self) -> Any:
        if not self._registry:
            from domain.campaign import REGISTRY_ID

            self._registry.append(self.ledger._exists(REGISTRY_ID))
        return self._registry[0]

    def existing(self, mid: UUID) -> Any:
        if mid not in self.loaded:
            self.loaded[mid] = self.ledger._exists(mid)
        return self.loaded[mid]


class JoinCommands(CampaignCommands):
    def _employer_info(self, code: str | None, field: str) -> EmployerInfo | None:
        return self.get_employer(code, field=field).info() if code else None

    def _prepare_join(
        self, req: JoinRequest, lookups: JoinLookups | None = None, seal: bool = True,
    ) -> tuple[Membership, str]:
        """Validates a join fully and returns the (new or rejoined) membership, unsaved."""
        look = lookups or JoinLookups(self)
        today = self.today()
        details = _details(req.details, today)
        wg = parse_enum(WorkerGroup, req.worker_group, "worker_group")
        ch = parse_enum(Channel, req.channel, "channel")
        situation = _situation(req.situation)
        eff = self.effective(req.effective_on)
        # R1 first: a holder is told where they are, whatever union this request names
        mid = self.identity.membership_id(details.resident_id)
        existing = look.existing(mid)
        if isinstance(existing, Membership) and existing.holds:
            raise AlreadyMemberError(
                f"此人已是工会会员（{STATUS_ZH[Status(existing.status)]}），一人只能有一个会籍",
                message_en="this person already holds a membership (one person, one membership)",
                code="already_member", field="resident_id", rule="R1",
                details={"union_code": existing.union_id, "member_id": str(existing.id)},
            )
        union = look.union(req.union_code)
        if union.dissolved:
            raise RuleViolationError(
                "该工会已撤销，不能入会", code="union.dissolved", field="union_code", rule="R8"
            )
        employer = look.employer(situation.employer_code, "situation.employer_code")
        using = look.employer(situation.using_unit_code, "situation.using_unit_code")
        basis = basis_for(situation, look.union_info(req.union_code), employer, using)
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
            over = look.union(req.override_by, field="override_by")
            if over.code not in {a.code for a in self.ancestors(union.code)}:
                raise RuleViolationError(
                    "特批须由所入工会的上级工会作出", code="join.override_not_higher",
                    field="override_by", rule=rule,
                )
            basis_text = f"override {over.code}: {_reason(req.override_reason, 'override_reason')}"
        campaign = self.campaign_for(req.campaign_id, union, eff, look.campaigns())
        fields: dict[str, Any] = dict(
            union_id=union.code, worker_group=wg.value, channel=ch.value,
            employment=situation.as_dict(), basis=basis_text, campaign_id=campaign,
            effective_on=eff, recorded_by=req.recorded_by, reason=None,
        )
        personal = self.vault.seal(str(mid), details) if seal else ""
        if isinstance(existing, Membership):
            existing.trigger_event(
                Membership.Joined, originator_topic=get_topic(Membership), personal=personal,
                **fields,
            )
            return existing, basis_text
        m = Membership._create(Membership.Joined, id=mid, personal=personal, **fields)
        return m, basis_text

    def join(self, request: JoinRequest) -> CommandResult:
        m, _ = self._prepare_join(request)
        return self._result(m, self._save(m))

    def validate_join(self, request: JoinRequest) -> str:
        """Every check `join` makes, nothing recorded; returns the basis (rule and article)."""
        return self._prepare_join(request, seal=False)[1]

    def _prepare_many(
        self, requests: Sequence[JoinRequest], lookups: JoinLookups | None, seal: bool,
    ) -> tuple[list[Membership], list[tuple[int, LedgerError]]]:
        lookups = lookups or JoinLookups(self)
        ready: list[Membership] = []
        errors: list[tuple[int, LedgerError]] = []
        seen: set[UUID] = set()
        for i, req in enumerate(requests):
            try:
                m, _ = self._prepare_join(req, lookups, seal=seal)
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
        return ready, errors

    def join_many(
        self, requests: Sequence[JoinRequest], *, lookups: JoinLookups | None = None,
    ) -> tuple[int, list[tuple[int, LedgerError]]]:
        """Joins a batch atomically: the valid rows in one save, errors returned per row.

        `lookups` may carry memberships the caller preloaded (skips a load each); if one
        changed meanwhile, the save raises ConflictError and nothing of the batch is recorded.
        """
        ready, errors = self.prepare_join_batch(requests, lookups=lookups)
        return self.save_join_batch(ready), errors

    def prepare_join_batch(
        self, requests: Sequence[JoinRequest], *, lookups: JoinLookups | None = None,
    ) -> tuple[list[Membership], list[tuple[int, LedgerError]]]:
        """join_many's first half: data keys made, every row checked and sealed, nothing saved.

        Lets a bulk caller check the next batch while the previous one is being saved."""
        self.make_join_keys(requests)
        return self._prepare_many(requests, lookups, seal=True)

    def make_join_keys(self, requests: Sequence[JoinRequest]) -> None:
        """The data keys prepare_join_batch needs, made in one batch (idempotent: a bulk caller
        may make the next batch's keys ahead, on another thread, while it checks this one)."""
        ids = [self.identity.membership_id(r.details.resident_id.strip().upper()) for r in requests
               if r.details.resident_id]
        self.vault.ensure_keys(str(i) for i in ids)

    def save_join_batch(self, ready: Sequence[Membership]) -> int:
        """join_many's second half: one atomic save (ConflictError: nothing recorded)."""
        return self._save(*ready) if ready else 0

    def validate_many(
        self, requests: Sequence[JoinRequest], *, lookups: JoinLookups | None = None,
    ) -> list[tuple[int, LedgerError]]:
        """A dry run of join_many: the same checks per row, nothing recorded, no keys made."""
        return self._prepare_many(requests, lookups, seal=False)[1]

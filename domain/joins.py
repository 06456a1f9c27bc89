"""Joining commands (R1-R4), mixed into the Ledger: one join, a validated batch, a dry run.

A batch memoises the unions and employers it reads and may be given its memberships preloaded
(one query by the caller); a stale preload makes the save conflict, never half-apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import date, datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any
from uuid import UUID

import orjson
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import IntegrityError, JSONTranscoder, StoredEvent
from eventsourcing.utils import get_topic

from domain.campaign_commands import CampaignCommands
from domain.enums import STATUS_ZH, Channel, Status, WorkerGroup, parse_enum
from domain.errors import (
    AlreadyMemberError,
    ConflictError,
    LedgerError,
    RuleViolationError,
    ValidationError,
)
from domain.frozen import quick_init
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


@quick_init
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
    if name == d.name and rid.number == d.resident_id and phone == d.phone:
        return d  # already clean (an import's rows are): the same frozen details
    return PersonalDetails(name=name, resident_id=rid.number, phone=phone, address=d.address)


def _situation(s: Situation) -> Situation:
    required_parties(s)
    work = parse_region_code(s.work_region, field="situation.work_region") \
        if s.work_region else None
    home = parse_region_code(s.residence_region, field="situation.residence_region") \
        if s.residence_region else None
    if work == s.work_region and home == s.residence_region:
        return s  # already in its parsed form (frozen: the same object may be shared)
    return replace(s, work_region=work, residence_region=home)


def _joined_aggregate(mid: UUID, existing: Any, fields: dict[str, Any],
                      personal: str) -> Membership:
    """The membership with its Joined event pending: a rejoin of the stored one, or new."""
    if isinstance(existing, Membership):
        existing.trigger_event(
            Membership.Joined, originator_topic=get_topic(Membership), personal=personal,
            **fields,
        )
        return existing
    return Membership._create(Membership.Joined, id=mid, personal=personal, **fields)


_MEMBERSHIP_TOPIC = get_topic(Membership)
_JOINED_TOPIC = get_topic(Membership.Joined)
_JOINED_CLASS_VERSION: int = getattr(Membership.Joined, "class_version", 1)
#: the keys of a stored Joined event's state, in the order the library's mapper writes them
#: (`vars(event)`: the event's fields in declaration order, less the originator id and
#: version, then class_version); `_joined_state` below must write the same
_JOINED_KEYS = (*(f.name for f in fields(Membership.Joined)
                  if f.name not in ("originator_id", "originator_version")),
                *(("class_version",) if _JOINED_CLASS_VERSION > 1 else ()))
_ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _joined_state(f: dict[str, Any], personal: str, timestamp: Any,
                  effective_on: Any) -> dict[str, Any]:
    """The state the mapper stores for a new membership's Joined event (`vars(event)` less
    the originator id and version, plus class_version), built without the event object.
    `timestamp` and `effective_on` may be given already transcoded (`_Transcoded`)."""
    return {"timestamp": timestamp, "originator_topic": _MEMBERSHIP_TOPIC,
            "effective_on": effective_on, "recorded_by": f["recorded_by"],
            "reason": f["reason"], "union_id": f["union_id"],
            "worker_group": f["worker_group"], "channel": f["channel"],
            "employment": f["employment"], "personal": personal, "basis": f["basis"],
            "campaign_id": f["campaign_id"], "class_version": _JOINED_CLASS_VERSION}


if tuple(_joined_state(dict.fromkeys(_JOINED_KEYS), "", None, None)) != _JOINED_KEYS:
    raise RuntimeError("Membership.Joined's fields changed: update domain.joins._joined_state")


class _Transcoded:
    """A join's timestamp and date as the JSON transcoder writes them (`{"_type_": name,
    "_data_": text}`), built here so that orjson needs no call back into the transcoder for
    them: the same bytes, ~2 µs less per imported row. Dates repeat (a few hundred per file):
    memoised."""

    def __init__(self, transcoder: JSONTranscoder) -> None:
        self._dt = transcoder.types[datetime]
        self._date = transcoder.types[date]
        self._dates: dict[date, dict[str, str]] = {}

    def timestamp(self, ts: datetime) -> dict[str, str]:
        return {"_type_": self._dt.name, "_data_": self._dt.encode(ts)}

    def date(self, d: date) -> dict[str, str]:
        out = self._dates.get(d)
        if out is None:
            if len(self._dates) >= 4096:
                self._dates.clear()
            out = self._dates[d] = {"_type_": self._date.name, "_data_": self._date.encode(d)}
        return out


@dataclass
class JoinRows:
    """A checked batch of joins ready for one atomic insert (`save_join_rows`): every row's
    stored event in row order. New members' events are built directly (`_joined_state`);
    rejoins go through their aggregate (kept for the snapshot check after the insert).
    `aggregates` is set instead when the ledger cannot take the direct path."""

    stored: list[StoredEvent] = field(default_factory=list)
    rejoined: ProcessingEvent[UUID] = field(default_factory=ProcessingEvent)
    aggregates: list[Membership] | None = None
    ids: list[UUID] = field(default_factory=list)  # the memberships, in row order

    def __len__(self) -> int:
        return len(self.ids)


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
        # the batch's data keys were made (`make_join_keys`) when these lookups were read
        self.keys_made = False

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
        mid, existing, fields, personal, basis_text = self._check_join(req, lookups, seal)
        return _joined_aggregate(mid, existing, fields, personal), basis_text

    def _check_join(
        self, req: JoinRequest, lookups: JoinLookups | None, seal: bool,
    ) -> tuple[UUID, Any, dict[str, Any], str, str]:
        """Every check of a join → (membership id, what is stored there (None: nothing), the
        Joined event's fields, the sealed personal data ("" unless `seal`), the basis)."""
        look = lookups or JoinLookups(self)
        today = self.today()
        details = _details(req.details, today)
        wg = parse_enum(WorkerGroup, req.worker_group, "worker_group")
        ch = parse_enum(Channel, req.channel, "channel")
        situation = _situation(req.situation)
        eff = self.effective(req.effective_on)
        # R1 first: a holder is told where they are, whatever union this request names
        mid, subject = self.identity.membership(details.resident_id)
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
        personal = self.vault.seal(subject, details) if seal else ""
        return mid, existing, fields, personal, basis_text

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
                    raise _twice_in_batch()
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
        rows, errors = self.prepare_join_rows(requests, lookups=lookups)
        return self.save_join_rows(rows), errors

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
        member = self.identity.membership
        self.vault.ensure_keys(member(r.details.resident_id.strip().upper())[1] for r in requests
                               if r.details.resident_id)

    def save_join_batch(self, ready: Sequence[Membership]) -> int:
        """join_many's second half: one atomic save (ConflictError: nothing recorded)."""
        return self._save(*ready) if ready else 0

    # -- the bulk path: stored events built directly ---------------------------------------

    def prepare_join_rows(
        self, requests: Sequence[JoinRequest], *, lookups: JoinLookups | None = None,
    ) -> tuple[JoinRows, list[tuple[int, LedgerError]]]:
        """prepare_join_batch for bulk callers: the same keys, checks and errors, the rows as
        the stored events the library's save would write (the same bytes; no aggregates)."""
        lookups = lookups or JoinLookups(self)
        if not lookups.keys_made:
            self.make_join_keys(requests)
        direct = self._direct_joins()
        rows = JoinRows(aggregates=None if direct else [])
        errors: list[tuple[int, LedgerError]] = []
        seen: set[UUID] = set()
        now = Membership.Joined.create_timestamp
        to_stored = self.mapper.to_stored_event
        coded = self._transcoded if direct else None
        for i, req in enumerate(requests):
            try:
                mid, existing, f, personal, _ = self._check_join(req, lookups, True)
                if mid in seen:
                    raise _twice_in_batch()
            except LedgerError as e:
                errors.append((i, e))
                continue
            seen.add(mid)
            rows.ids.append(mid)
            if rows.aggregates is not None:
                rows.aggregates.append(_joined_aggregate(mid, existing, f, personal))
            elif isinstance(existing, Membership):
                m = _joined_aggregate(mid, existing, f, personal)
                events = m.collect_events()
                rows.stored.extend(map(to_stored, events))
                rows.rejoined.events.extend(events)
                rows.rejoined.aggregates[m.id] = m
            else:
                assert coded is not None
                state = _joined_state(f, personal, coded.timestamp(now()),
                                      coded.date(f["effective_on"]))
                rows.stored.append(StoredEvent(
                    originator_id=mid, originator_version=Membership.INITIAL_VERSION,
                    topic=_JOINED_TOPIC, state=self._encode_state(state)))
        return rows, errors

    def save_join_rows(self, rows: JoinRows) -> int:
        """Inserts the batch in one call of the recorder: all rows or none (ConflictError:
        nothing recorded); returns the last notification id (0: nothing to save)."""
        if rows.aggregates is not None:
            return self._save(*rows.aggregates) if rows.aggregates else 0
        if not rows.stored:
            return 0
        try:
            ids = self.recorder.insert_events(rows.stored)
        except IntegrityError as e:
            raise ConflictError.lost_race() from e
        self._take_snapshots(rows.rejoined)
        return max(ids or (), default=0)

    def _direct_joins(self) -> bool:
        """Whether the library's save would do no more than insert the stored events (and
        take snapshots): no aggregate cache to fill, no notification hooks overridden, the
        library's JSON transcoder."""
        cls = type(self)
        return (not self.repository.cache and cls._notify is Application._notify
                and cls.notify is Application.notify
                and type(self.mapper.transcoder) is JSONTranscoder)

    @cached_property
    def _transcoded(self) -> _Transcoded:
        """The direct path's transcodings (`_direct_joins` holds the transcoder is the
        library's JSONTranscoder)."""
        return _Transcoded(self.mapper.transcoder)  # type: ignore[arg-type]

    def _encode_state(self, state: dict[str, Any]) -> bytes:
        """mapper.to_stored_event's state bytes for `state`: the transcoder's JSON (compact,
        unescaped UTF-8, dates and datetimes through its own transcodings) written by orjson
        (byte for byte the same; ~20x faster), then the mapper's compressor and cipher."""
        tr: Any = self.mapper.transcoder
        try:
            raw = orjson.dumps(state, default=tr._encode_obj, option=_ORJSON_OPTIONS)
        except TypeError:  # something orjson will not write the same way: the library's own
            raw = tr.encode(state)
        if self.mapper.compressor:
            raw = self.mapper.compressor.compress(raw)
        if self.mapper.cipher:
            raw = self.mapper.cipher.encrypt(raw)
        return raw

    def validate_many(
        self, requests: Sequence[JoinRequest], *, lookups: JoinLookups | None = None,
    ) -> list[tuple[int, LedgerError]]:
        """A dry run of join_many: the same checks per row, nothing recorded, no keys made."""
        return self._prepare_many(requests, lookups, seal=False)[1]


def _twice_in_batch() -> AlreadyMemberError:
    """R1 inside one batch: the same person on two rows."""
    return AlreadyMemberError("同一批次中此人重复出现", code="already_member.in_batch",
                              field="resident_id", rule="R1")

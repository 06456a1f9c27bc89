"""The auditor's view of one aggregate's events: its history with the state after each event, and
its state as recorded at a moment (transaction time) or as effective on a date (business time).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from eventsourcing.domain import Aggregate

from domain.enums import STATUS_ZH, Status
from domain.errors import ValidationError
from domain.membership import Membership
from domain.personal import ERASED

EVENT_ZH = {
    "Joined": "入会", "TransferredOut": "转出", "TransferredIn": "转入",
    "TransferCancelled": "取消接转", "EmploymentChanged": "就业情况变更",
    "DetailsCorrected": "信息更正", "Retained": "保留会籍", "Reactivated": "恢复会籍",
    "Withdrew": "退会", "Expelled": "开除会籍", "ManagementDelegated": "委托代管",
    "HeldAtParent": "工会撤销·上级代管", "PersonalDataErased": "个人信息删除",
    "DuesPaid": "缴纳会费",
    "Established": "建立工会", "Renamed": "更名", "Reparented": "调整上级工会",
    "Dissolved": "撤销工会",
}
#: event fields shown in their own columns, never repeated among the details
_OWN_COLUMNS = frozenset({"originator_id", "originator_version", "timestamp", "effective_on",
                          "recorded_by", "reason", "personal", "originator_topic"})
SEALED = "（已加密）"

#: turns a sealed personal token into what this reader may see (masked or not); None = erased
Reveal = Callable[[str], "dict[str, Any] | None"]


def event_label(kind: str) -> str:
    return EVENT_ZH.get(kind, kind)


def status_label(status: str | None) -> str:
    try:
        return STATUS_ZH[Status(status or "")]
    except ValueError:
        return status or "—"


@dataclass(frozen=True)
class HistoryEntry:
    """One event as an auditor reads it, with the aggregate's state right after it."""

    version: int
    type: str  # the event class name, e.g. "TransferredOut"
    label_zh: str
    effective_on: date | None
    recorded_at: datetime
    recorded_by: str | None
    reason: str | None
    state: dict[str, Any]
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def union_code(self) -> str | None:
        return self.state.get("union_code")

    @property
    def status(self) -> str | None:
        return self.state.get("status")

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, "type": self.type, "label_zh": self.label_zh,
                "effective_on": self.effective_on, "recorded_at": self.recorded_at,
                "recorded_by": self.recorded_by, "reason": self.reason,
                "union_code": self.union_code, "status": self.status, "state": dict(self.state),
                "details": dict(self.details)}


def _entry(ev: Any, state: dict[str, Any], details: dict[str, Any]) -> HistoryEntry:
    kind = type(ev).__name__
    return HistoryEntry(
        version=ev.originator_version, type=kind, label_zh=event_label(kind),
        effective_on=getattr(ev, "effective_on", None), recorded_at=ev.timestamp,
        recorded_by=getattr(ev, "recorded_by", None), reason=getattr(ev, "reason", None),
        state=state, details=details)


def _details(ev: Any) -> dict[str, Any]:
    return {k: v for k, v in vars(ev).items() if k not in _OWN_COLUMNS}


def membership_state(m: Any) -> dict[str, Any]:
    return {"union_code": m.union_id, "status": str(m.status),
            "status_zh": status_label(str(m.status)),
            "destination_union_code": m.destination_union_id, "delegated_to": m.delegated_to,
            "worker_group": m.worker_group}


def membership_history(events: Iterable[Any], reveal: Reveal | None = None) -> list[HistoryEntry]:
    """Every event of one membership in recorded order, with the union and status after it.

    Personal fields: erased (after a PersonalDataErased, whatever the event), else what
    `reveal(token)` returns for this reader, else only the fact that they are sealed.
    """
    events = list(events)
    erased = any(isinstance(ev, Membership.PersonalDataErased) for ev in events)
    out: list[HistoryEntry] = []
    agg: Any = None
    for ev in events:
        agg = ev.mutate(agg)
        details = _details(ev)
        token = getattr(ev, "personal", None)
        if token is not None:
            shown = None if erased or reveal is None else reveal(token)
            if erased or (reveal is not None and shown is None):
                details["personal"] = {"erased": True, "text": ERASED}
            else:
                details["personal"] = shown if shown is not None else {"sealed": True,
                                                                        "text": SEALED}
            if not isinstance(ev, Membership.Joined):
                details["personal_details_changed"] = True
        out.append(_entry(ev, membership_state(agg), details))
    return out


def union_state(u: Any) -> dict[str, Any]:
    return {"name": u.name, "parent_code": u.parent_code, "dissolved": u.dissolved}


def union_history(events: Iterable[Any]) -> list[HistoryEntry]:
    """A union's establishment, renames, reparenting and dissolution, with the state after each."""
    out: list[HistoryEntry] = []
    agg: Any = None
    for ev in events:
        agg = ev.mutate(agg)
        out.append(_entry(ev, union_state(agg), _details(ev)))
    return out


# -- the two time axes -------------------------------------------------------------------------


def as_recorded(events: Iterable[Any], at: datetime) -> Any:
    """Transaction time: the aggregate from the events recorded up to `at` (None if none were).

    This is what the ledger *said* at that moment; later back-dated corrections do not change it.
    """
    if at.tzinfo is None:
        raise ValidationError(
            "recorded_at 须带时区，例如 2026-11-27T12:00:00+08:00",
            message_en="recorded_at needs a time zone, e.g. 2026-11-27T12:00:00+08:00",
            code="recorded_at.naive", field="recorded_at")
    agg: Any = None
    for ev in events:
        if ev.timestamp > at:
            break  # an aggregate's events are recorded in version order
        agg = ev.mutate(agg)
    return agg


def as_effective(events: Iterable[Any], on: date) -> Any:
    """Business time: replay, in recorded order, the events whose effective date is on or
    before `on` (None if the aggregate did not exist yet).

    What we *now know* was true on that date: a correction recorded today with an earlier
    effective date changes the answer for the dates it covers.
    """
    agg: Any = None
    for ev in events:
        eff = getattr(ev, "effective_on", None)
        if eff is None or eff > on:
            continue
        if agg is None:
            if not isinstance(ev, Aggregate.Created):
                continue  # nothing to apply it to yet (effective before the creation)
            agg = ev.mutate(None)
            continue
        # apply(), not mutate(): skipping later-effective events leaves version gaps
        ev.apply(agg)
        agg.version = ev.originator_version
        agg.modified_on = ev.timestamp
    return agg


def check_period(start: date | None, end: date | None) -> None:
    if start is not None and end is not None and start > end:
        raise ValidationError(
            "起始日期不能晚于截止日期", message_en="from must not be after to",
            code="period.order", field="from")

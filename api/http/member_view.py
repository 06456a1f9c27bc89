"""How a membership is shown: current state (or as of a date), history, and personal fields
masked unless the token may see them, each unmasked read appended to the access log."""

from __future__ import annotations

from datetime import date
from typing import Any

from api.http.auth import Guard
from api.http.deps import Context
from domain.history import as_effective, membership_history
from domain.membership import Membership
from domain.values import mask_mobile, mask_name, mask_resident_id

#: the sealed token and the keyed-hash lookup keys stay inside the read side
ROW_HIDDEN = frozenset({"personal", "name_key"})


def person_out(ctx: Context, guard: Guard, m: Membership, *, endpoint: str,
               purpose: str | None) -> dict[str, Any]:
    details = None if m.erased else ctx.runtime.ledger.personal_details(m)
    if details is None:
        return {"masked": True, "erased": True}
    if guard.principal.personal_data:
        ctx.access_log.record(subject=guard.principal.subject, role=guard.role,
                              member_id=str(m.id), union_code=m.union_id, endpoint=endpoint,
                              purpose=purpose)
        return {"masked": False, "name": details.name, "resident_id": details.resident_id,
                "phone": details.phone, "address": details.address}
    return {"masked": True, "name": mask_name(details.name),
            "resident_id": mask_resident_id(details.resident_id),
            "phone": mask_mobile(details.phone) if details.phone else None,
            "address": None if details.address is None else "***"}


def membership_out(m: Membership, person: dict[str, Any], as_of: date | None) -> dict[str, Any]:
    return {
        "member_id": str(m.id), "version": m.version, "status": str(m.status),
        "union_code": m.union_id, "destination_union_code": m.destination_union_id,
        "delegated_to": m.delegated_to, "worker_group": m.worker_group, "channel": m.channel,
        "joined_on": m.joined_on, "since": m.since, "employment": dict(m.employment),
        "person": person, "as_of": as_of,
    }


def replay_as_of(events: list[Any], as_of: date) -> Membership | None:
    """The membership as it stood on `as_of` (business time): events effective by then."""
    return as_effective(events, as_of)  # type: ignore[no-any-return]


def history_entries(events: list[Any]) -> list[dict[str, Any]]:
    """Every event with its type, dates, actor, reason and the resulting union and status
    (domain.history; personal fields are left out of the API's history)."""
    out = []
    for entry in membership_history(events):
        item = entry.as_dict()
        item["details"].pop("personal", None)
        out.append(item)
    return out


def roster_row(ctx: Context, caller: Guard, row: dict[str, Any], endpoint: str,
               purpose: str | None) -> dict[str, Any]:
    """A read-model row without its sealed token; unmasked (and logged) only when permitted."""
    out = {k: v for k, v in row.items() if k not in ROW_HIDDEN}
    if caller.principal.personal_data and row.get("personal"):
        mid = str(row["member_id"])
        details = ctx.runtime.vault.open(mid, row["personal"])
        if details is not None:
            ctx.access_log.record(subject=caller.principal.subject, role=caller.role,
                                  member_id=mid, union_code=row.get("union_code"),
                                  endpoint=endpoint, purpose=purpose)
            out.update(name=details.name, resident_id=details.resident_id, phone=details.phone,
                       masked=False)
    return out

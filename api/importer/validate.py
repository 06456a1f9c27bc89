"""Turns raw spreadsheet rows into the ledger's JoinRequests; the rules stay in the ledger.

Only spreadsheet concerns live here: Chinese labels, date spellings, duplicates in the file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from api.importer.parse import COLUMNS, RawRow
from domain.enums import (
    RELATION_ZH,
    WORKER_GROUP_ZH,
    Channel,
    EmploymentRelation,
    WorkerGroup,
)
from domain.errors import LedgerError, ValidationError
from domain.frozen import quick_init
from domain.joining import Situation
from domain.members import JoinRequest
from domain.personal import PersonalDetails

T = TypeVar("T")

#: the channels an official records in bulk (art. 7); online and via-platform have their own path
IMPORT_CHANNELS = (Channel.COLLECTIVE, Channel.MOBILE_WINDOW, Channel.ONSITE_MEETING,
                   Channel.CEREMONY)

_GROUPS = {zh: g.value for g, zh in WORKER_GROUP_ZH.items()} | {
    g.value: g.value for g in WorkerGroup
}
_RELATIONS = {zh: r for r, zh in RELATION_ZH.items()} | {r.value: r for r in EmploymentRelation}
_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$")
_COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")

#: ledger error field → the canonical column it came from
_FIELD_COLUMN = {
    "name": "name", "resident_id": "resident_id", "phone": "phone",
    "worker_group": "worker_group", "situation.relation": "relation",
    "situation.employer_code": "employer_code", "situation.using_unit_code": "using_unit_code",
    "situation.work_region": "work_region", "situation.residence_region": "residence_region",
    "effective_on": "joined_on",
}


def column_of(field: str | None) -> str:
    """The Chinese header a ledger error field refers to ('' if none)."""
    key = _FIELD_COLUMN.get(field or "")
    return COLUMNS[key][0] if key else ""


def import_channel(value: str) -> str:
    for ch in IMPORT_CHANNELS:
        if value in (ch.value, ch.name.lower()):
            return ch.value
    from domain.enums import CHANNEL_ZH

    for ch in IMPORT_CHANNELS:
        if value == CHANNEL_ZH[ch]:
            return ch.value
    allowed = ", ".join(c.value for c in IMPORT_CHANNELS)
    raise ValidationError(
        f"批量导入的入会方式须为：{allowed}", message_en=f"channel must be one of: {allowed}",
        code="import.channel", field="channel",
    )


def _choice(text: str, table: dict[str, T], field: str, zh: str) -> T:
    value = table.get(text.strip())
    if value is None:
        labels = "、".join(k for k in table if not k.isascii())
        raise ValidationError(
            f"{zh}「{text}」无效，可选：{labels}" if text else f"{zh}为必填项",
            message_en=f"{field}: unknown value {text!r}" if text else f"{field} is required",
            code=f"{field}.unknown" if text else f"{field}.required", field=field,
        )
    return value


def _date(text: str) -> str | None:
    """ISO text for the ledger to judge; unparseable text passes through to be refused there."""
    t = text.strip()
    if not t:
        return None
    if len(t) == 10 and t[4] == t[7] == "-" and t.isascii() and t[:4].isdigit() \
            and t[5:7].isdigit() and t[8:].isdigit():
        return t  # already ISO (what the template and most sheets hold): as the match gives it
    m = _DATE.match(t) or _COMPACT_DATE.match(t)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return t


def _code(text: str) -> str | None:
    return text.strip().upper() or None


@quick_init
@dataclass(frozen=True)
class Prepared:
    row: RawRow
    request: JoinRequest


def to_request(row: RawRow, *, union_code: str, channel: str, recorded_by: str) -> JoinRequest:
    """The row as a JoinRequest; refuses only what the ledger cannot see (labels, blanks)."""
    get = row.values.get  # the cells by column key ("" when the sheet lacks the column)
    group = _choice(get("worker_group", ""), _GROUPS, "worker_group", "职业群体")
    relation = _choice(get("relation", ""), _RELATIONS, "situation.relation", "就业形态")
    rid = get("resident_id", "").replace(" ", "").upper()
    if not rid:
        raise ValidationError("公民身份号码为必填项", message_en="resident_id is required",
                              code="resident_id.required", field="resident_id")
    situation = Situation(relation, _code(get("employer_code", "")),
                          _code(get("using_unit_code", "")),
                          get("work_region", "").strip() or None,
                          get("residence_region", "").strip() or None)
    return JoinRequest(
        PersonalDetails(get("name", ""), rid, get("phone", "").strip() or None),
        union_code, group, channel, situation, recorded_by, _date(get("joined_on", "")),
    )


def prepare(
    rows: Sequence[RawRow], *, union_code: str, channel: str, recorded_by: str,
    first_row: dict[str, int] | None = None,
) -> tuple[list[Prepared], list[tuple[RawRow, LedgerError]]]:
    """Requests for the rows that read well; the rest, and repeats of a person, as errors.

    `first_row` (resident ID → the row it was first met on) carries the file's people from
    one call to the next when a file is prepared a part at a time."""
    ok: list[Prepared] = []
    bad: list[tuple[RawRow, LedgerError]] = []
    if first_row is None:
        first_row = {}
    for row in rows:
        try:
            req = to_request(row, union_code=union_code, channel=channel,
                             recorded_by=recorded_by)
            rid = req.details.resident_id
            if rid in first_row:
                raise ValidationError(
                    f"与第 {first_row[rid]} 行是同一人（公民身份号码重复）",
                    message_en=f"same person as row {first_row[rid]} (duplicate resident ID)",
                    code="import.duplicate_in_file", field="resident_id", rule="R1",
                    details={"first_row": first_row[rid]},
                )
            first_row[rid] = row.row_no
        except LedgerError as e:
            bad.append((row, e))
            continue
        ok.append(Prepared(row, req))
    return ok, bad

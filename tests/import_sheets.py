"""Realistic collective-registration sheets for import tests: valid rows and ten kinds of bad row.

Valid rows are platform self-employed workers who work inside the tree's township (R3).
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, timedelta

from api.importer.parse import COLUMNS
from api.importer.template import ORDER
from domain.enums import WORKER_GROUP_ZH
from domain.values import generate_credit_code
from tests.builders import Tree, person

GROUPS = list(WORKER_GROUP_ZH.values())
WORK_REGIONS = ("350203001", "350203001001")  # the township and its village


def valid_row(rng: random.Random, taken: set[str] | None = None) -> dict[str, str]:
    """A valid row; `taken` keeps resident IDs unique (random IDs collide at a few thousand)."""
    p = person(rng)
    while taken is not None and p.resident_id in taken:
        p = person(rng)
    if taken is not None:
        taken.add(p.resident_id)
    return {
        "name": p.name, "resident_id": p.resident_id, "phone": p.phone or "",
        "worker_group": rng.choice(GROUPS), "relation": "依托平台自主经营",
        "employer_code": "", "using_unit_code": "", "work_region": rng.choice(WORK_REGIONS),
        "residence_region": "",
        "joined_on": (date(2026, 1, 1) + timedelta(days=rng.randint(0, 300))).isoformat(),
        "note": "",
    }


def _wrong_check(rid: str) -> str:
    last = "0" if rid[-1] != "0" else "1"
    return rid[:-1] + last


#: kind → (how to spoil a valid row, the error code the report must give)
BAD_KINDS = {
    "check_char": (lambda r, rng: r | {"resident_id": _wrong_check(r["resident_id"])},
                   "resident_id.check_char"),
    "phone": (lambda r, rng: r | {"phone": "1234567"}, "phone.format"),
    "group": (lambda r, rng: r | {"worker_group": "宇航员"}, "worker_group.unknown"),
    "no_name": (lambda r, rng: r | {"name": ""}, "name.length"),
    "future": (lambda r, rng: r | {"joined_on": "2027-03-01"}, "date.future"),
    "region_outside": (lambda r, rng: r | {"work_region": "350206001"},
                       "join.path_not_allowed"),
    "bad_region": (lambda r, rng: r | {"work_region": "35020X"}, "region_code.format"),
    "unknown_employer": (lambda r, rng: r | {
        "relation": "建立劳动关系",
        "employer_code": generate_credit_code(rng, region_code="350203")},
        "employer.not_found"),
}


def sheet(rng: random.Random, tree: Tree, n: int, *, members_elsewhere: list[dict[str, str]],
          per_kind: int = 5) -> tuple[list[dict[str, str]], dict[int, str]]:
    """n rows; 10 × per_kind of them bad. Returns rows and {row number: expected error code}.

    `members_elsewhere`: rows of people already holding a membership in another union.
    """
    taken = {m["resident_id"] for m in members_elsewhere}
    rows = [valid_row(rng, taken) for _ in range(n)]
    expected: dict[int, str] = {}
    slots = rng.sample(range(1, n), 10 * per_kind)  # never row index 0 (a duplicate's source)
    kinds = [k for k in BAD_KINDS for _ in range(per_kind)]
    for idx, kind in zip(slots[:len(kinds)], kinds, strict=True):
        spoil, code = BAD_KINDS[kind]
        rows[idx] = spoil(rows[idx], rng)
        expected[idx + 2] = code
    rest = slots[len(kinds):]
    spoiled = set(slots)
    for idx in rest[:per_kind]:  # a repeat of an earlier valid row
        src = rng.choice([i for i in range(idx) if i not in spoiled])
        rows[idx] = dict(rows[src])
        expected[idx + 2] = "import.duplicate_in_file"
    for idx, member in zip(rest[per_kind:], members_elsewhere, strict=False):
        rows[idx] = member
        expected[idx + 2] = "already_member"
    return rows, expected


def xlsx_bytes(rows: list[dict[str, str]], keys: tuple[str, ...] = ORDER) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("入会登记")
    ws.append([COLUMNS[k][0] for k in keys])
    for r in rows:
        ws.append([r.get(k, "") for k in keys])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def csv_bytes(rows: list[dict[str, str]], headers: list[str], encoding: str = "utf-8-sig",
              keys: tuple[str, ...] = ORDER) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(headers)
    for r in rows:
        w.writerow([r.get(k, "") for k in keys])
    return buf.getvalue().encode(encoding)

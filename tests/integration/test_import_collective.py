"""Collective registration import (art. 7) on SQLite and PostgreSQL, through run_import."""

from __future__ import annotations

import io
import random

import pytest
from openpyxl import load_workbook

from api.importer import run as run_module
from api.importer.report import ERROR, OK, REGISTERED, report_xlsx
from api.importer.run import run_import
from api.importer.template import template_xlsx
from domain.errors import NotFoundError, ValidationError
from domain.personal import PersonalDetails
from tests.builders import build_tree, join_request
from tests.import_sheets import csv_bytes, sheet, valid_row, xlsx_bytes


def position(rt) -> int:
    return rt.ledger.recorder.max_notification_id() or 0


def recorded_since(rt, before: int) -> int:
    """Events recorded after `before` (notification ids have gaps on PostgreSQL)."""
    return len(rt.ledger.recorder.select_notifications(before + 1, 10**6))


def _members_elsewhere(rt, tree, rng, n=5):
    """People who already hold a membership in the village union (another union)."""
    rows = [valid_row(rng) for _ in range(n)]
    for r in rows:
        rt.ledger.join(join_request(PersonalDetails(r["name"], r["resident_id"], r["phone"]),
                                    tree.village))
    return rows


def _import(rt, tree, data, name="sheet.xlsx", **kw):
    kw.setdefault("channel", "collective_registration")
    return run_import(rt.ledger, data, name, union_code=tree.township, recorded_by="official-1",
                      **kw)


def test_a_sheet_of_thousands_records_the_valid_rows_once_and_names_every_bad_row(runtime):
    n, per_kind = 5000, 5
    rng = random.Random(11)
    tree = build_tree(runtime.ledger)
    rows, expected = sheet(rng, tree, n, members_elsewhere=_members_elsewhere(runtime, tree, rng),
                           per_kind=per_kind)
    data = xlsx_bytes(rows)
    assert len(expected) == 10 * per_kind and len(set(expected.values())) == 10

    before = position(runtime)
    dry = _import(runtime, tree, data, dry_run=True)
    assert position(runtime) == before, "a dry run recorded events"
    assert {r.row_no: r.code for r in dry.errors} == expected

    report = _import(runtime, tree, data)
    assert {r.row_no: r.code for r in report.errors} == expected
    assert all(r.message_zh and r.field for r in report.errors)
    assert report.recorded == n - len(expected) == report.count(OK)
    assert recorded_since(runtime, before) == n - len(expected)

    again = _import(runtime, tree, data)
    assert again.recorded == 0 and recorded_since(runtime, before) == n - len(expected)
    assert again.count(REGISTERED) == n - len(expected)
    assert {r.row_no: r.code for r in again.errors} == expected


def test_a_member_recorded_by_the_import_is_in_the_union_with_the_channel_and_sealed_details(
        runtime):
    tree = build_tree(runtime.ledger)
    row = valid_row(random.Random(3)) | {"worker_group": "快递员", "joined_on": "2026/3/5"}
    report = _import(runtime, tree, xlsx_bytes([row]), channel="ceremony")
    assert report.recorded == 1
    m = runtime.ledger.find_membership(row["resident_id"])
    assert (m.union_id, m.channel, m.worker_group, str(m.joined_on)) == (
        tree.township, "ceremony", "courier", "2026-03-05")
    assert runtime.ledger.personal_details(m).name == row["name"]


def test_a_person_already_registered_here_through_another_channel_is_an_error_not_registered(
        runtime):
    tree = build_tree(runtime.ledger)
    row = valid_row(random.Random(4))
    _import(runtime, tree, xlsx_bytes([row]), channel="mobile_window")
    report = _import(runtime, tree, xlsx_bytes([row]), channel="onsite_meeting")
    [result] = report.ordered()
    assert (result.status, result.code) == (ERROR, "already_member")


def test_csv_in_gb18030_or_utf8_with_bom_and_english_headers_imports_alike(runtime):
    tree = build_tree(runtime.ledger)
    rng = random.Random(5)
    a, b = valid_row(rng), valid_row(rng)
    zh = ["姓名", "身份证号", "手机号码", "职业群体", "就业形态", "用人单位统一社会信用代码",
          "用工单位统一社会信用代码", "工作地区划代码", "居住地区划代码", "入会日期", "备注"]
    en = ["name", "resident_id", "phone", "worker_group", "relation", "employer_code",
          "using_unit_code", "work_region", "residence_region", "joined_on", "note"]
    r1 = _import(runtime, tree, csv_bytes([a], zh, "gb18030"), "a.csv")
    r2 = _import(runtime, tree, csv_bytes([b], en, "utf-8-sig"), "b.csv")
    assert (r1.recorded, r2.recorded) == (1, 1)


def test_a_file_without_the_required_columns_is_refused_naming_them_and_records_nothing(
        runtime):
    tree = build_tree(runtime.ledger)
    before = position(runtime)
    data = csv_bytes([valid_row(random.Random(6))], ["姓名", "手机号码"], keys=("name", "phone"))
    with pytest.raises(ValidationError) as info:
        _import(runtime, tree, data, "a.csv")
    assert info.value.code == "import.missing_columns"
    assert "公民身份号码" in info.value.message_zh and "职业群体" in info.value.message_zh
    assert position(runtime) == before


def test_an_unknown_union_or_a_channel_that_is_not_a_bulk_channel_refuses_the_whole_file(
        runtime):
    tree = build_tree(runtime.ledger)
    data = xlsx_bytes([valid_row(random.Random(7))])
    with pytest.raises(ValidationError) as info:
        _import(runtime, tree, data, channel="online")
    assert info.value.code == "import.channel"
    with pytest.raises(NotFoundError):
        run_import(runtime.ledger, data, union_code=tree.subsidiary, channel="ceremony",
                   recorded_by="o")


def test_a_batch_that_conflicts_is_revalidated_and_retried_once_never_half_applied(
        runtime, monkeypatch):
    tree = build_tree(runtime.ledger)
    rng = random.Random(8)
    rows = [valid_row(rng) for _ in range(4)]
    sneaky = rows[2]
    real_preload = run_module.preload
    calls = []

    def stale_preload(ledger, ids):
        # someone joins rows[2] to the village between the batch's read and its save
        found = real_preload(ledger, ids)
        if not calls:
            ledger.join(join_request(PersonalDetails(sneaky["name"], sneaky["resident_id"],
                                                     sneaky["phone"]), tree.village))
        calls.append(1)
        return found

    monkeypatch.setattr(run_module, "preload", stale_preload)
    before = position(runtime)
    report = _import(runtime, tree, xlsx_bytes(rows))
    assert len(calls) == 2
    assert [r.status for r in report.ordered()] == [OK, OK, ERROR, OK]
    assert report.ordered()[2].code == "already_member"
    assert recorded_since(runtime, before) == 1 + 3  # the sneaky join, then the batch once


def test_the_report_workbook_highlights_the_bad_rows_and_shows_no_full_identity(runtime):
    tree = build_tree(runtime.ledger)
    rng = random.Random(9)
    good, bad = valid_row(rng), valid_row(rng) | {"phone": "12"}
    report = _import(runtime, tree, xlsx_bytes([good, bad]), dry_run=True)
    wb = load_workbook(io.BytesIO(report_xlsx(report)))
    ws = wb["导入结果"]
    [_, first, second] = list(ws.iter_rows())
    assert (first[0].value, first[3].value, second[0].value, second[3].value) == (2, OK, 3, ERROR)
    assert second[4].value == "phone.format" and second[5].value == "手机号码"
    assert second[0].fill.fgColor.rgb.endswith("FFC7CE") and first[0].fill.fill_type is None
    text = " ".join(str(c.value) for row in ws.iter_rows() for c in row)
    assert good["resident_id"] not in text and good["name"] not in text
    assert dict(wb["汇总"].iter_rows(values_only=True))["错误行数"] == 1


def test_the_template_has_the_columns_dropdowns_and_an_example_row_that_imports(runtime):
    tree = build_tree(runtime.ledger)
    data = template_xlsx()
    ws = load_workbook(io.BytesIO(data)).active
    assert [c.value for c in ws[1]][:5] == [
        "姓名", "公民身份号码", "手机号码", "职业群体", "就业形态"]
    lists = [dv.formula1 for dv in ws.data_validations.dataValidation]
    assert any("外卖配送员" in f for f in lists) and any("依托平台自主经营" in f for f in lists)
    assert _import(runtime, tree, data).recorded == 1


def test_an_import_runs_with_fewer_garbage_collections_and_puts_the_defaults_back(runtime):
    import gc

    from projections.gc_tuning import BULK_THRESHOLDS

    rng = random.Random(5)
    tree = build_tree(runtime.ledger)
    before = gc.get_threshold()
    seen: list[tuple[int, int, int]] = []
    _import(runtime, tree, xlsx_bytes([valid_row(rng) for _ in range(30)]), "s.xlsx",
            batch_size=10, progress=lambda report, done: seen.append(gc.get_threshold()))
    assert seen and set(seen) == {BULK_THRESHOLDS}
    assert gc.get_threshold() == before


def test_a_file_is_prepared_a_part_at_a_time_yet_judged_as_a_whole(runtime):
    """Rows become requests one batch at a time (the pipeline's first save starts before the
    whole file is read): a person repeated in a later part is still a duplicate naming the
    first row, a part of nothing but bad rows is reported and skipped, and progress only
    grows, ending at every row."""
    rng = random.Random(8)
    tree = build_tree(runtime.ledger)
    rows = [valid_row(rng) for _ in range(35)]
    for i in range(10, 20):  # the second part of ten: every row bad
        rows[i] = rows[i] | {"worker_group": "宇航员"}
    rows[27] = dict(rows[2])  # the person of row 4 again, two parts later (row 29)
    data = xlsx_bytes(rows)
    seen: list[int] = []
    dry = _import(runtime, tree, data, "s.xlsx", batch_size=10, dry_run=True)
    report = _import(runtime, tree, data, "s.xlsx", batch_size=10,
                     progress=lambda report, done: seen.append(done))
    for r in (dry, report):
        errors = {e.row_no: e.code for e in r.errors}
        assert errors == {**{i + 2: "worker_group.unknown" for i in range(10, 20)},
                          29: "import.duplicate_in_file"}
    assert report.recorded == 24 == report.count(OK)  # 35 rows, 10 bad, one repeated
    assert seen == sorted(seen) and seen[-1] == 35

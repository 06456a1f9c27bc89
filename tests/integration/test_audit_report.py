"""Audit reports on SQLite and PostgreSQL: XLSX and HTML with the events, the access log and the
chain position; masked unless the viewer may see personal data; erasure keeps verify green."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from io import BytesIO

from openpyxl import load_workbook

from api.audit_chain import generate_signing_key, seal, verify
from api.audit_report import Viewer, membership_report, render_html, union_report
from api.audit_report_chain import raw_connection
from api.audit_report_xlsx import report_xlsx
from api.http.access_log import AccessLog
from api.http.db import ApiDatabase
from domain.history import membership_history
from tests.builders import build_tree, join_request, person

AUDITOR = Viewer(subject="auditor-1", role="auditor", endpoint="test report")


def _member(rt, tree, seed=1):
    details = person(random.Random(seed))
    req = join_request(details, tree.township, effective_on=date(2026, 3, 1))
    mid = rt.ledger.join(req).id
    rt.ledger.transfer_out(mid, destination_code=tree.industry, reason="换站点",
                           recorded_by="official-2", effective_on="2026-06-01")
    rt.ledger.transfer_in(mid, union_code=tree.industry, recorded_by="official-3",
                          effective_on="2026-06-03")
    return mid, details


def _sheet_rows(data: bytes, name: str) -> list[tuple]:
    wb = load_workbook(BytesIO(data))
    return [tuple(r) for r in wb[name].iter_rows(values_only=True)]


def test_a_membership_report_has_events_access_log_and_chain_hash_masked(runtime):
    tree = build_tree(runtime.ledger)
    mid, details = _member(runtime, tree)
    db = ApiDatabase(runtime)
    AccessLog(db).record(subject="clerk-7", role="union_official", member_id=mid,
                         union_code=tree.township, endpoint="GET /memberships/{member_id}",
                         purpose="会员证补办")
    db.close()
    report = membership_report(runtime, mid, AUDITOR)
    html = render_html(report)
    data = report_xlsx(report)
    events = _sheet_rows(data, "事件")
    assert events[0][:4] == ("序号", "事件", "事件类型", "生效日期")
    assert [r[1] for r in events[1:]] == ["入会", "转出", "转入"]
    assert events[2][6] == "换站点" and events[2][5] == "official-2"
    log = _sheet_rows(data, "查阅日志")
    assert len(log) == 2 and log[1][2] == "clerk-7" and log[1][7] == "会员证补办"
    proof = dict(_sheet_rows(data, "防篡改证明")[1:])
    assert report.chain.covered_notification_id > 0 and len(report.chain.chain_hash) == 64
    assert proof["该位置的链哈希"] == report.chain.chain_hash
    assert report.chain.chain_hash in html and "<style>" in html and "http" not in html
    for text in (html, data.decode("latin-1")):
        assert details.name not in text and details.resident_id not in text
    assert details.name not in str(events) and details.resident_id not in str(events)
    assert details.resident_id[:4] + "*" * 10 in html


def test_a_report_with_the_personal_data_permission_is_unmasked_and_logged(runtime):
    tree = build_tree(runtime.ledger)
    mid, details = _member(runtime, tree, seed=2)
    viewer = Viewer(subject="auditor-pd", role="auditor", personal_data=True,
                    purpose="专项审计", endpoint="test report")
    report = membership_report(runtime, mid, viewer)
    assert details.resident_id in render_html(report)
    assert [(r[2], r[7]) for r in report.access_log] == [("auditor-pd", "专项审计")]


def test_after_erasure_verify_passes_and_the_report_lists_every_event_as_erased(runtime):
    tree = build_tree(runtime.ledger)
    mid, details = _member(runtime, tree, seed=3)
    runtime.ledger.erase_personal_data(mid, recorded_by="dpo", reason="本人申请删除")
    entries = membership_history(runtime.ledger.history(mid),
                                 reveal=lambda t: {"text": "unreachable"})
    assert [e.type for e in entries] == ["Joined", "TransferredOut", "TransferredIn",
                                         "PersonalDataErased"]
    assert entries[0].details["personal"]["erased"] is True
    viewer = Viewer(subject="auditor-pd", role="auditor", personal_data=True)
    report = membership_report(runtime, mid, viewer)
    assert "（已删除）" in report.events[0][7] and len(report.events) == 4
    assert report.access_log == []  # nothing readable, so no unmasked read to log
    with raw_connection(runtime.settings) as conn:
        result = verify(conn)
    assert result.ok and result.checked >= 4, result.message_en


def test_a_union_report_covers_the_period_and_names_the_seal(runtime, tmp_path):
    tree = build_tree(runtime.ledger)
    mid, details = _member(runtime, tree, seed=4)
    key, digest = tmp_path / "k.pem", tmp_path / "digest.json"
    generate_signing_key(key)
    with raw_connection(runtime.settings) as conn:
        seal(conn, key, digest, sealed_at=datetime.now(UTC))
    report = union_report(runtime, tree.township, AUDITOR, date(2026, 1, 1),
                          date(2026, 12, 31), digest_path=digest)
    kinds = [r[2] for r in report.events]
    assert kinds[0] == "Established" and kinds[1:] == ["joined", "transferred_out"]
    assert report.events[2][8] == mid and tree.industry in report.events[2][7]
    assert report.chain.sealed and report.chain.seal["chain_hash"] in render_html(report)
    assert details.name not in render_html(report)
    runtime.ledger.retain(mid, cause="retirement", recorded_by="o", effective_on="2026-07-01")
    later = union_report(runtime, tree.industry, AUDITOR, digest_path=digest)
    assert not later.chain.sealed  # the retention was recorded after the seal
    assert "本报告有记录晚于该次封存" in render_html(later)
    data = report_xlsx(later)
    assert dict(_sheet_rows(data, "防篡改证明")[1:])["是否覆盖本报告"].startswith("否")


def test_roster_changes_narrowed_by_membership_periods_equal_the_full_replay(runtime):
    from api.audit_roster import union_roster_changes
    from projections.store import open_read_side

    tree = build_tree(runtime.ledger)
    a, _ = _member(runtime, tree, seed=5)
    b = runtime.ledger.join(join_request(person(random.Random(6)), tree.industry,
                                         effective_on=date(2026, 4, 1))).id
    runtime.ledger.transfer_out(b, destination_code=tree.township, reason="回街道",
                                recorded_by="o", effective_on="2026-07-01")
    runtime.ledger.transfer_in(b, union_code=tree.township, recorded_by="o",
                               effective_on="2026-07-02")
    runtime.ledger.withdraw(b, recorded_by="o", effective_on="2026-08-01")
    store, _ = open_read_side(runtime, start_runner=False)
    for code in (tree.township, tree.industry):
        narrowed, source = union_roster_changes(runtime.ledger, code, None, None, store,
                                                 narrow=True)
        full, full_source = union_roster_changes(runtime.ledger, code, None, None)
        assert (source, full_source) == ("membership_periods", "events")
        assert narrowed == full and len(full) >= 3
    township = union_roster_changes(runtime.ledger, tree.township, None, None, store)[0]
    assert township == union_roster_changes(runtime.ledger, tree.township, None, None,
                                            store, narrow=True)[0]
    assert [(c.change, c.member_id) for c in township] == [
        ("joined", a), ("transferred_out", a), ("transferred_in", b), ("withdrawn", b)]

"""The auditor's HTTP endpoints on SQLite and PostgreSQL: union history, roster changes, as-of on
both time axes, and audit reports (XLSX / HTML) masked unless the token may see personal data."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from io import BytesIO

from openpyxl import load_workbook

from tests.api.conftest import assert_problem, join_body
from tests.builders import person
from tests.conftest import TODAY


def _join_and_transfer(client, official, tree, seed=1):
    mid = client.post("/memberships", json=join_body(tree, seed=seed), headers=official).json()[
        "id"]
    base = f"/memberships/{mid}"
    out = client.post(f"{base}/transfer-out", headers=official, json={
        "destination_code": tree.industry, "reason": "换站点", "effective_on": "2025-06-01"})
    assert out.status_code == 200, out.text
    assert client.post(f"{base}/transfer-in", headers=official, json={
        "union_code": tree.industry, "effective_on": "2025-06-03"}).status_code == 200
    return mid


def test_an_auditor_reads_a_union_history_and_an_out_of_scope_official_cannot(client, auth,
                                                                               tree):
    county = auth("union_official", "county")
    assert client.post(f"/unions/{tree.village}/rename", headers=county,
                       json={"name": "中华社区联合工会", "reason": "更名"}).status_code == 200
    got = client.get(f"/unions/{tree.village}/history", headers=auth("auditor", "city"))
    assert got.status_code == 200, got.text
    items = got.json()["items"]
    assert [i["label_zh"] for i in items] == ["建立工会", "更名"]
    assert items[1]["state"]["name"] == "中华社区联合工会" and items[1]["reason"] == "更名"
    assert_problem(client.get(f"/unions/{tree.village}/history",
                              headers=auth("union_official", "county2")), 403)
    assert_problem(client.get(f"/unions/{tree.village}/history",
                              headers=auth("platform_integrator", employer=tree.platform)), 403)


def test_roster_changes_between_two_dates_list_joins_and_transfers(client, auth, tree):
    official = auth("union_official", "county")
    mid = _join_and_transfer(client, official, tree)
    got = client.get(f"/unions/{tree.township}/roster-changes",
                     params={"from": "2025-01-01", "to": "2025-12-31"},
                     headers=auth("auditor", "county"))
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["from"] == "2025-01-01" and body["source"] in ("membership_periods", "events")
    assert [(i["change"], i["member_id"]) for i in body["items"]] == [
        ("joined", mid), ("transferred_out", mid)]
    assert body["items"][1]["other_union"] == tree.industry
    narrow = client.get(f"/unions/{tree.township}/roster-changes",
                        params={"from": "2025-05-01", "to": "2025-12-31"},
                        headers=auth("auditor", "county"))
    assert [i["change"] for i in narrow.json()["items"]] == ["transferred_out"]
    bad = client.get(f"/unions/{tree.township}/roster-changes",
                     params={"from": "2025-12-31", "to": "2025-01-01"},
                     headers=auth("auditor", "county"))
    assert_problem(bad, 422, "period.order")


def test_a_back_dated_transfer_shows_on_the_effective_axis_but_not_the_recorded_one(client,
                                                                                      auth,
                                                                                      tree):
    official = auth("union_official", "county")
    mid = client.post("/memberships", json=join_body(tree, seed=5), headers=official).json()[
        "id"]
    hist = client.get(f"/memberships/{mid}/history", headers=official).json()["items"]
    joined_at = hist[0]["recorded_at"]
    two_months_ago = (TODAY - timedelta(days=61)).isoformat()
    base = f"/memberships/{mid}"
    client.post(f"{base}/transfer-out", headers=official, json={
        "destination_code": tree.industry, "reason": "补录", "effective_on": two_months_ago})
    client.post(f"{base}/transfer-in", headers=official, json={
        "union_code": tree.industry, "effective_on": two_months_ago})
    month_ago = (TODAY - timedelta(days=30)).isoformat()
    effective = client.get(base, params={"as_of": month_ago}, headers=official)
    assert effective.json()["union_code"] == tree.industry
    recorded = client.get(base, params={"recorded_at": joined_at}, headers=official)
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["union_code"] == tree.township and recorded.json()["version"] == 1
    naive = client.get(base, params={"recorded_at": "2026-11-27T12:00:00"}, headers=official)
    assert_problem(naive, 422, "recorded_at.naive")
    both = client.get(base, params={"recorded_at": joined_at, "as_of": month_ago},
                      headers=official)
    assert_problem(both, 422, "as_of.both")


def test_a_membership_report_is_masked_without_permission_and_logged_with_it(client, auth,
                                                                             tree):
    official = auth("union_official", "county")
    p = person(random.Random(1))
    mid = _join_and_transfer(client, official, tree)
    xlsx = client.get(f"/audit/reports/membership/{mid}.xlsx", headers=auth("auditor", "city"))
    assert xlsx.status_code == 200, xlsx.text
    wb = load_workbook(BytesIO(xlsx.content))
    assert [r[1] for r in wb["事件"].iter_rows(min_row=2, values_only=True)] == [
        "入会", "转出", "转入"]
    html = client.get(f"/audit/reports/membership/{mid}.html", headers=auth("auditor", "city"))
    assert html.headers["content-type"].startswith("text/html")
    assert p.name not in html.text and p.resident_id not in html.text
    chain_hash = dict(wb["防篡改证明"].iter_rows(min_row=2, values_only=True))["该位置的链哈希"]
    assert len(chain_hash) == 64 and chain_hash in html.text
    pd = auth("auditor", "city", personal_data=True, subject="auditor-pd")
    unmasked = client.get(f"/audit/reports/membership/{mid}.xlsx",
                          headers={**pd, "X-Purpose": "audit"})
    log = list(load_workbook(BytesIO(unmasked.content))["查阅日志"].iter_rows(
        min_row=2, values_only=True))
    assert [(r[2], r[7]) for r in log] == [("auditor-pd", "audit")]
    assert p.resident_id in str(list(load_workbook(BytesIO(unmasked.content))["概要"].values))
    assert_problem(client.get(f"/audit/reports/membership/{mid}.html",
                              headers=auth("union_official", "county2")), 404)


def test_a_union_report_for_a_period_lists_the_changes(client, auth, tree):
    official = auth("union_official", "county")
    mid = _join_and_transfer(client, official, tree, seed=3)
    got = client.get(f"/audit/reports/union/{tree.township}.html",
                     params={"from": "2025-01-01", "to": "2025-12-31"},
                     headers=auth("auditor", "county"))
    assert got.status_code == 200, got.text
    assert "工会审计报告" in got.text and mid in got.text and "转出" in got.text
    xlsx = client.get(f"/audit/reports/union/{tree.township}.xlsx",
                      headers=auth("auditor", "county"))
    rows = list(load_workbook(BytesIO(xlsx.content))["事件"].iter_rows(min_row=2,
                                                                        values_only=True))
    assert [r[2] for r in rows] == ["Established", "joined", "transferred_out"]


def test_an_http_report_shows_whether_the_deployments_seal_covers_it(client, auth, tree,
                                                                     runtime, tmp_path):
    """UNION_LEDGER_SEAL_DIGEST names the file `union-ledger seal` writes; HTTP reports check it
    (and UNION_LEDGER_SEAL_PUBLIC_KEY, the key it must be signed with)."""
    from api.audit_chain import generate_signing_key, public_key_hex, seal
    from api.audit_report_chain import raw_connection

    mid = _join_and_transfer(client, auth("union_official", "county"), tree)
    auditor = auth("auditor", "county")
    digest, key = tmp_path / "digest.json", tmp_path / "seal.pem"
    runtime.settings.seal_digest = digest
    page = client.get(f"/audit/reports/membership/{mid}.html", headers=auditor)
    assert page.status_code == 200 and "摘要文件无效（文件不存在）" in page.text

    signing = generate_signing_key(key)
    with raw_connection(runtime.settings) as conn:
        sealed = seal(conn, key, digest, sealed_at=datetime.now(UTC))
    runtime.settings.seal_public_key = public_key_hex(signing)
    page = client.get(f"/audit/reports/membership/{mid}.html", headers=auditor)
    assert sealed["chain_hash"] in page.text and "摘要文件无效" not in page.text
    sheet = load_workbook(BytesIO(client.get(f"/audit/reports/union/{tree.township}.xlsx",
                                             headers=auditor).content))["防篡改证明"]
    assert dict(sheet.iter_rows(min_row=2, values_only=True))["是否覆盖本报告"] == "是"

    runtime.settings.seal_public_key = public_key_hex(generate_signing_key(tmp_path / "x.pem"))
    page = client.get(f"/audit/reports/membership/{mid}.html", headers=auditor)
    assert "摘要文件无效（签名密钥不是受信任的封存密钥）" in page.text

"""Dashboard pages through the browser's path (form sign-in, cookie, links): scope refusals like
the API's, masked rosters, platform coverage and XLSX exports (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import random

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from api.wiring import Runtime
from domain.values import generate_credit_code
from tests.api.dashboard_pages import (
    Numbers,
    page_numbers,
    record_history,
    sign_in,
    wait_for_read_side,
)
from tests.builders import Tree


def test_a_page_without_a_session_sends_the_reader_to_the_sign_in_page(
        client: TestClient, tree: Tree) -> None:
    resp = client.get(f"/dashboard/unions/{tree.acftu}", follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"].startswith("/dashboard/signin?next=/dashboard/unions/")
    form = client.get(resp.headers["location"])
    assert form.status_code == 200 and "访问令牌" in form.text


def test_a_bad_token_is_refused_on_the_sign_in_page_and_sets_no_cookie(
        client: TestClient) -> None:
    resp = client.post("/dashboard/signin", data={"token": "ul1.bad.token"},
                       follow_redirects=False)
    assert resp.status_code == 401
    assert "令牌无效" in resp.text and "set-cookie" not in resp.headers


def test_signing_in_sets_an_httponly_cookie_and_signing_out_clears_it(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    sign_in(client, runtime, "union_official", tree.county)
    home = client.get("/dashboard", follow_redirects=False)
    assert home.headers["location"] == f"/dashboard/unions/{tree.county}"
    out = client.post("/dashboard/signout", follow_redirects=False)
    assert out.status_code == 303 and "ul_dashboard=" in out.headers["set-cookie"]
    assert client.get("/dashboard", follow_redirects=False).status_code == 303
    assert client.get("/dashboard", follow_redirects=False).headers["location"].startswith(
        "/dashboard/signin")


def test_a_union_outside_the_scope_answers_403_and_an_unknown_one_404_like_the_api(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    token = sign_in(client, runtime, "union_official", tree.township)
    headers = {"Authorization": f"Bearer {token}"}
    for path in (f"/unions/{tree.county}/counts", f"/dashboard/unions/{tree.county}"):
        assert client.get(path, headers=headers).status_code == 403
    assert client.get(f"/dashboard/unions/{tree.county}/children").status_code == 403
    assert client.get(f"/dashboard/export/status.xlsx?union={tree.county}").status_code == 403
    unknown = generate_credit_code(random.Random(99), authority="8", org_type="9",
                                   region_code="350203")
    assert client.get(f"/unions/{unknown}", headers=headers).status_code == 404
    page = client.get(f"/dashboard/unions/{unknown}")
    assert page.status_code == 404 and "未找到" in page.text
    bad = client.get(f"/dashboard/unions/{tree.township}", params={"as_of": "2025-13-01"})
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.text


def test_a_platform_integrator_token_cannot_open_the_dashboard(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    from api.http.auth import mint_token

    token = mint_token(runtime.keys["token_secret"], subject="p", role="platform_integrator",
                       scope=None, employer=tree.platform)
    resp = client.post("/dashboard/signin", data={"token": token}, follow_redirects=False)
    assert resp.status_code == 403 and "set-cookie" not in resp.headers


def test_the_roster_shows_masked_names_and_never_the_plaintext(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    history = record_history(runtime, tree)
    wait_for_read_side(client, history.position)
    sign_in(client, runtime, "union_official", tree.county)
    resp = client.get(f"/dashboard/unions/{tree.county}/roster", params={"subtree": 1})
    assert resp.status_code == 200
    assert resp.text.count("<tr data-key=") == 11  # county subtree: all but township2's
    for name in history.names:
        assert name not in resp.text
    assert "*" in resp.text and "个人信息已脱敏" in resp.text


def test_platform_coverage_lists_platform_employers_with_and_without_unions(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    wait_for_read_side(client, record_history(runtime, tree).position)
    sign_in(client, runtime, "national_admin", tree.acftu)
    resp = client.get("/dashboard/platforms")
    assert resp.status_code == 200
    assert "某同城配送平台（厦门）有限公司" in resp.text and "已建会" in resp.text
    assert "某货运平台湖里分公司" in resp.text and "未建会" in resp.text
    rows = Numbers(resp.text).tables["platforms"]
    assert set(rows) == {tree.platform, tree.subsidiary}
    assert rows[tree.subsidiary] == []  # no union: no member numbers


def test_every_exported_table_is_a_valid_xlsx_with_chinese_headers_and_the_page_numbers(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    wait_for_read_side(client, record_history(runtime, tree).position)
    sign_in(client, runtime, "national_admin", tree.acftu)
    page = page_numbers(client, f"/dashboard/unions/{tree.acftu}", as_of="2025-12-31")
    for name, header in (("status", "状态"), ("groups", "群体"), ("channels", "入会方式"),
                         ("trend", "月份"), ("transit", "方向"), ("campaigns", None),
                         ("children", "工会名称"), ("platforms", "企业名称"),
                         ("roster", "姓名")):
        resp = client.get(f"/dashboard/export/{name}.xlsx",
                          params={"union": tree.acftu, "as_of": "2025-12-31", "subtree": 1})
        assert resp.status_code == 200, (name, resp.text[-300:])
        assert resp.headers["content-type"].startswith("application/vnd.openxmlformats")
        ws = load_workbook(io.BytesIO(resp.content)).active
        rows = list(ws.iter_rows(values_only=True))
        assert "中华全国总工会" in rows[0][0] and "2025-12-31" in rows[0][0]
        if header:
            assert rows[1][0] == header
        if name == "status":
            exported = {r[0]: r[1] for r in rows[2:7]}
            assert exported["在册"] == page.tables["status"]["active"][0]
            assert rows[7][1] == page.kpis["holding"]
    assert client.get("/dashboard/export/nope.xlsx").status_code == 404


def test_campaign_progress_shows_joins_against_the_target_at_the_organiser_only(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    runtime.ledger.launch_campaign(
        campaign_id="SM-2025", name="思明区2025年新就业形态劳动者入会集中行动",
        organiser_code=tree.county, region_code="350203", period_from="2025-01-01",
        period_to="2025-12-31", targets={"courier": 10, "food_delivery_rider": 10},
        recorded_by="official-1", effective_on="2024-12-01")
    wait_for_read_side(client, record_history(runtime, tree).position)
    sign_in(client, runtime, "union_official", tree.city)
    county = client.get(f"/dashboard/unions/{tree.county}")
    assert "思明区2025年新就业形态劳动者入会集中行动" in county.text
    # the 12 joins in 2025 inside 思明区 (湖里区's township is outside the campaign's region)
    assert Numbers(county.text).tables["campaigns"]["SM-2025"] == [12, 20]
    assert "60.0%" in county.text
    township = Numbers(client.get(f"/dashboard/unions/{tree.township}").text)
    # township and its village: below the organiser, so no target is shown
    assert township.tables["campaigns"]["SM-2025"] == [10]
    before = Numbers(client.get(f"/dashboard/unions/{tree.county}",
                                params={"as_of": "2025-02-28"}).text)
    assert before.tables["campaigns"]["SM-2025"] == [4, 20]  # joins on Jan 5 and Feb 5

"""The dashboard shows the API's numbers: for the same scope and date, every count on the
overview and drill-down pages equals GET /unions/{code}/counts (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient

from api.wiring import Runtime
from domain.enums import KEY_GROUPS, Channel, Status
from tests.api.dashboard_pages import page_numbers, record_history, sign_in, wait_for_read_side
from tests.builders import Tree

HELD = ("active", "retained", "in_transit")


def api_counts(client: TestClient, token: str, code: str, as_of: str | None) -> dict:
    resp = client.get(f"/unions/{code}/counts", params={"as_of": as_of} if as_of else {},
                      headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 200, resp.text
    return resp.json()


def held_by(cells: list[dict], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for c in cells:
        if c["status"] in HELD:
            out[c[key]] = out.get(c[key], 0) + c["n"]
    return out


@pytest.mark.parametrize(("role", "scope", "as_of"), [
    ("national_admin", "acftu", None),
    ("national_admin", "acftu", "2025-06-30"),
    ("union_official", "county", "2026-01-31"),
    ("auditor", "city", None),
])
def test_the_overview_numbers_equal_the_api_counts_for_the_same_scope_and_date(
        client: TestClient, runtime: Runtime, tree: Tree, role: str, scope: str,
        as_of: str | None) -> None:
    wait_for_read_side(client, record_history(runtime, tree).position)
    code = getattr(tree, scope)
    token = sign_in(client, runtime, role, code)
    api = api_counts(client, token, code, as_of)["subtree"]
    page = page_numbers(client, f"/dashboard/unions/{code}", as_of=as_of)

    assert page.kpis["holding"] == api["holding"] > 0
    for status in ("active", "retained", "in_transit"):
        assert page.kpis[status] == api["by_status"][status]
    assert {k: v[0] for k, v in page.tables["status"].items()} == {
        s.value: api["by_status"][s.value] for s in Status}
    groups = held_by(api["cells"], "worker_group")
    for g in KEY_GROUPS:
        assert page.tables["groups"][g.value] == [groups.get(g.value, 0)]
    rest = sum(n for g, n in groups.items() if g not in {k.value for k in KEY_GROUPS})
    assert page.tables["groups"]["rest"] == [rest]
    assert page.kpis["key_groups"] == sum(groups.get(g.value, 0) for g in KEY_GROUPS)
    channels = held_by(api["cells"], "channel")
    assert {k: v[0] for k, v in page.tables["channels"].items()} == {
        c.value: channels.get(c.value, 0) for c in Channel}


@pytest.mark.parametrize("as_of", [None, "2025-03-31"])
def test_the_drill_down_numbers_equal_the_api_child_counts(
        client: TestClient, runtime: Runtime, tree: Tree, as_of: str | None) -> None:
    wait_for_read_side(client, record_history(runtime, tree).position)
    token = sign_in(client, runtime, "union_official", tree.city)
    children = api_counts(client, token, tree.county, as_of)["children"]
    page = page_numbers(client, f"/dashboard/unions/{tree.county}/children", as_of=as_of)

    shown = page.tables["children"]
    assert set(shown) == {c["union_code"] for c in children}
    for c in children:
        s = c["subtree"]["by_status"]
        assert shown[c["union_code"]] == [
            c["subtree"]["holding"], s["active"], s["retained"], s["in_transit"],
            s["withdrawn"] + s["expelled"]]


def test_changing_the_as_of_date_changes_the_numbers_to_that_date(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    wait_for_read_side(client, record_history(runtime, tree).position)
    sign_in(client, runtime, "national_admin", tree.acftu)
    path = f"/dashboard/unions/{tree.acftu}"
    before_any = page_numbers(client, path, as_of="2024-12-31")
    spring = page_numbers(client, path, as_of="2025-03-31")
    now = page_numbers(client, path)
    assert before_any.kpis["holding"] == 0
    assert spring.kpis["holding"] == 6  # joins on Jan 5, Feb 5, Mar 5 (two each)
    assert now.kpis["holding"] == 13  # 14 joined, one withdrew
    assert now.kpis["retained"] == 1 and now.kpis["in_transit"] == 1


def test_the_monthly_trend_counts_each_join_transfer_and_withdrawal_in_its_month(
        client: TestClient, runtime: Runtime, tree: Tree) -> None:
    wait_for_read_side(client, record_history(runtime, tree).position)
    sign_in(client, runtime, "national_admin", tree.acftu)
    trend = page_numbers(client, f"/dashboard/unions/{tree.acftu}",
                         as_of=date(2026, 3, 31).isoformat()).tables["trend"]
    # columns: joins, transfers in, transfers out, withdrawals
    assert trend["2025-01"] == [2, 0, 0, 0]
    assert trend["2025-11"] == [0, 1, 1, 0]
    assert trend["2026-01"] == [0, 0, 1, 0]
    assert trend["2026-03"] == [0, 0, 0, 1]
    assert sum(row[0] for row in trend.values()) == 14
    # inside a month the as-of date is exact to the day: out on Nov 1, in on Nov 10
    mid = page_numbers(client, f"/dashboard/unions/{tree.acftu}", as_of="2025-11-05")
    assert mid.tables["trend"]["2025-11"] == [0, 0, 1, 0]
    assert mid.tables["transit"]["out"] == [1, 0] and mid.tables["transit"]["in"] == [1, 0]
    late = page_numbers(client, f"/dashboard/unions/{tree.acftu}", as_of="2026-03-01")
    assert late.tables["transit"]["out"] == [1, 1]  # out since Jan 15: over 30 days

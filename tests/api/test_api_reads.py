"""Reads on the projections through HTTP: roster (filters, subtree, search in the body, as of),
counts, children, inbox, joining paths, covering unions, read-your-writes, health and metrics."""

from __future__ import annotations

from urllib.parse import quote

from tests.api.conftest import assert_problem, join_body


def test_a_join_is_on_the_roster_and_in_the_counts_when_read_at_its_position(client, auth,
                                                                            tree):
    off = auth("union_official", "township")
    body = join_body(tree, seed=41)
    receipt = client.post("/memberships", json=body, headers=off).json()
    at = {"min_position": receipt["position"]}
    roster = client.get(f"/unions/{tree.township}/roster", params=at, headers=off)
    assert roster.status_code == 200, roster.text
    [row] = roster.json()["items"]
    assert row["member_id"] == receipt["id"] and row["status"] == "active"
    assert body["person"]["name"] not in roster.text
    assert body["person"]["resident_id"] not in roster.text
    assert "personal" not in row and "name_key" not in row
    counts = client.get(f"/unions/{tree.county}/counts", params=at,
                        headers=auth("auditor", "county")).json()
    assert counts["subtree"]["total"] == 1 and counts["self"]["total"] == 0
    assert counts["subtree"]["by_worker_group"]["courier"] == 1
    assert {c["union_code"] for c in counts["children"]} >= {tree.township, tree.industry}
    assert_problem(client.get(f"/unions/{tree.township}/roster", headers=off,
                              params={"min_position": 10**9}), 422, "min_position.future")


def test_roster_filters_subtree_and_search_by_name_in_the_body(client, auth, tree):
    off = auth("union_official", "county")
    a = join_body(tree, seed=42)
    b = join_body(tree, seed=43, union=tree.village, worker_group="truck_driver",
                  channel="ceremony", effective_on="2024-01-10")
    client.post("/memberships", json=a, headers=off)
    pos = client.post("/memberships", json=b, headers=off).json()["position"]
    base = f"/unions/{tree.township}/roster"
    own = client.get(base, params={"min_position": pos}, headers=off).json()["items"]
    sub = client.get(base, params={"subtree": True}, headers=off).json()["items"]
    assert len(own) == 1 and len(sub) == 2
    trucks = client.get(base, params={"subtree": True, "worker_group": "truck_driver"},
                        headers=off).json()["items"]
    assert [r["union_code"] for r in trucks] == [tree.village]
    page1 = client.get(base, params={"subtree": True, "limit": 1}, headers=off).json()
    page2 = client.get(base, params={"subtree": True, "limit": 1,
                                     "cursor": page1["next_cursor"]}, headers=off).json()
    assert page1["next_cursor"] and page2["next_cursor"] is None
    assert page1["items"][0]["member_id"] != page2["items"][0]["member_id"]
    found = client.post(f"{base}/search", headers=off,
                        json={"subtree": True, "name": b["person"]["name"]}).json()["items"]
    assert any(r["union_code"] == tree.village for r in found)
    by_id = client.post(f"{base}/search", headers=off, json={
        "subtree": True, "resident_id": b["person"]["resident_id"]}).json()["items"]
    assert [r["union_code"] for r in by_id] == [tree.village]
    lower = client.post(f"{base}/search", headers=off, json={
        "subtree": True, "resident_id": f' {b["person"]["resident_id"].lower()} '}).json()
    assert [r["member_id"] for r in lower["items"]] == [r["member_id"] for r in by_id]
    others = client.post(f"{base}/search", headers=off, json={
        "subtree": True, "resident_id": a["person"]["resident_id"]}).json()["items"]
    assert [r["union_code"] for r in others] == [tree.township]
    earlier = client.get(base, params={"subtree": True, "as_of": "2024-06-01"},
                         headers=off).json()["items"]
    assert [r["union_code"] for r in earlier] == [tree.village]
    assert_problem(client.get(base, params={"status": "sleeping"}, headers=off), 422)


def test_an_unmasked_roster_shows_details_and_logs_each_member(client, auth, tree):
    off = auth("union_official", "township")
    body = join_body(tree, seed=44)
    pos = client.post("/memberships", json=body, headers=off).json()["position"]
    pd = {**auth("union_official", "township", personal_data=True),
          "X-Purpose": quote("会员慰问名单")}
    rows = client.get(f"/unions/{tree.township}/roster", params={"min_position": pos},
                      headers=pd).json()["items"]
    assert rows[0]["name"] == body["person"]["name"]
    assert rows[0]["resident_id"] == body["person"]["resident_id"]
    log = client.get("/audit/access-log", headers=auth("auditor", "township")).json()["items"]
    assert [(e["endpoint"], e["purpose"]) for e in log] == [("roster", "会员慰问名单")]
    assert client.get("/audit/access-log",
                      headers=auth("auditor", "county2")).json()["items"] == []


def test_the_inbox_lists_members_in_transit_and_flags_overdue_ones(client, auth, tree):
    off = auth("union_official", "county")
    mid = client.post("/memberships", json=join_body(tree, seed=45), headers=off).json()["id"]
    out = client.post(f"/memberships/{mid}/transfer-out", headers=off, json={
        "destination_code": tree.industry, "reason": "入职快递网点",
        "effective_on": "2026-09-01"}).json()
    inbox = client.get(f"/unions/{tree.industry}/inbox",
                       params={"min_position": out["position"]},
                       headers=auth("union_official", "industry"))
    [row] = inbox.json()["items"]
    assert row["member_id"] == mid and row["overdue"] is True and row["age_days"] == 88
    lenient = client.get(f"/unions/{tree.industry}/inbox", params={"overdue_days": 100},
                         headers=auth("union_official", "industry")).json()["items"]
    assert lenient[0]["overdue"] is False
    assert_problem(client.get(f"/unions/{tree.industry}/inbox",
                              headers=auth("union_official", "county2")), 403)


def test_joining_paths_list_the_eligible_unions_with_their_article(client, auth, tree):
    off = auth("union_official", "county")
    local = client.post("/joining-paths", headers=off, json={"situation": {
        "relation": "platform_self_employed", "work_region": "350203001001"}})
    assert local.status_code == 200, local.text
    got = {i["union_code"]: i for i in local.json()["items"]}
    assert {tree.township, tree.village, tree.industry} <= set(got)
    assert got[tree.village]["rule"] == "R3" and "第（五）条" in got[tree.village]["article"]
    employee = client.post("/joining-paths", headers=off, json={"situation": {
        "relation": "labour_contract", "employer_code": tree.platform}}).json()["items"]
    assert [(i["union_code"], i["rule"]) for i in employee] == [(tree.platform_union, "R2")]
    missing = client.post("/joining-paths", headers=off, json={"situation": {
        "relation": "labour_contract"}})
    assert assert_problem(missing, 422)["field"] == "situation.employer_code"
    cover = client.get(f"/employers/{tree.platform}/unions", headers=off).json()
    assert cover["own_union"]["code"] == tree.platform_union
    assert [u["code"] for u in cover["local_unions"]] == [tree.industry]
    none = client.get(f"/employers/{tree.subsidiary}/unions", headers=off).json()
    assert none["own_union"] is None and none["local_unions"] == []


def test_children_health_readiness_and_metrics(client, auth, tree):
    kids = client.get(f"/unions/{tree.county}/children", headers=auth("auditor", "county"))
    assert {u["code"] for u in kids.json()["items"]} == {tree.township, tree.industry,
                                                         tree.platform_union}
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready").json()
    assert ready["status"] == "ready" and ready["database"] is True
    assert ready["lag"]["events_behind"] >= 0
    metrics = client.get("/metrics")
    assert "union_ledger_http_request_seconds_bucket" in metrics.text
    assert 'route="/unions/{code}/children"' in metrics.text
    assert "union_ledger_projection_lag_events" in metrics.text
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    join = spec["paths"]["/memberships"]["post"]
    assert join["summary"] and "422" in join["responses"] and "409" in join["responses"]
    assert spec["components"]["schemas"]["JoinRequest"]["examples"]

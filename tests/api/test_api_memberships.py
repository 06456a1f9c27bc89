"""Memberships through HTTP: join, read (masked / unmasked and logged), as-of, history, lookup,
check, and every life-cycle change, on SQLite and PostgreSQL."""

from __future__ import annotations

from urllib.parse import quote

from tests.api.conftest import assert_problem, join_body


def test_a_township_official_records_a_join_and_reads_it_back_masked(client, auth, tree):
    official = auth("union_official", "township")
    body = join_body(tree)
    resp = client.post("/memberships", json=body, headers=official)
    assert resp.status_code == 201, resp.text
    receipt = resp.json()
    assert receipt["version"] == 1 and receipt["position"] > 0
    assert resp.headers["ETag"] == '"1"'
    assert resp.headers["Location"] == f"/memberships/{receipt['id']}"
    got = client.get(f"/memberships/{receipt['id']}", headers=official)
    assert got.status_code == 200
    m = got.json()
    assert m["status"] == "active" and m["union_code"] == tree.township
    assert m["person"]["masked"] is True
    assert body["person"]["name"] not in got.text
    assert body["person"]["resident_id"] not in got.text
    assert m["person"]["resident_id"].startswith(body["person"]["resident_id"][:4])
    assert got.headers["ETag"] == '"1"'


def test_an_unmasked_read_is_logged_and_the_auditor_sees_the_log(client, auth, tree):
    official = auth("union_official", "township")
    body = join_body(tree, seed=2)
    mid = client.post("/memberships", json=body, headers=official).json()["id"]
    pd = auth("union_official", "township", personal_data=True, subject="clerk-7")
    got = client.get(f"/memberships/{mid}", headers={**pd, "X-Purpose": quote("会员证补办")})
    assert got.json()["person"] == {"masked": False, "erased": False,
                                    "name": body["person"]["name"],
                                    "resident_id": body["person"]["resident_id"],
                                    "phone": body["person"]["phone"], "address": None}
    log = client.get("/audit/access-log", params={"member_id": mid},
                     headers=auth("auditor", "county"))
    assert log.status_code == 200
    [entry] = log.json()["items"]
    assert entry["subject"] == "clerk-7" and entry["purpose"] == "会员证补办"
    assert entry["endpoint"] == "GET /memberships/{member_id}"
    # the masked read by the other official was not logged
    assert client.get("/audit/access-log", headers=auth("auditor", "county")).json()["items"] \
        == [entry]


def test_a_second_join_of_the_same_person_is_refused_with_409(client, auth, tree):
    official = auth("union_official", "county")
    body = join_body(tree, seed=3)
    mid = client.post("/memberships", json=body, headers=official).json()["id"]
    again = client.post("/memberships", json={**body, "union_code": tree.industry},
                        headers=official)
    problem = assert_problem(again, 409, "already_member")
    assert problem["rule"] == "R1" and problem["field"] == "resident_id"
    assert problem["details"]["member_id"] == mid  # the county official may see it
    other = auth("union_official", "county2")
    hidden = client.post("/memberships", json={**body, "union_code": tree.township2},
                         headers=other)
    assert "details" not in assert_problem(hidden, 409, "already_member")


def test_lookup_by_resident_id_in_the_body_finds_the_member_in_scope_only(client, auth, tree):
    body = join_body(tree, seed=4)
    mid = client.post("/memberships", json=body, headers=auth("national_admin")).json()["id"]
    rid = {"resident_id": body["person"]["resident_id"]}
    found = client.post("/memberships/lookup", json=rid, headers=auth("auditor", "city"))
    assert found.json() == {"member_id": mid}
    assert_problem(client.post("/memberships/lookup", json=rid,
                               headers=auth("union_official", "county2")), 404,
                   "membership.not_found")
    bad = client.post("/memberships/lookup", json={"resident_id": "350203199001011230"},
                      headers=auth("auditor", "city"))
    assert assert_problem(bad, 422)["field"] == "resident_id"


def test_a_platform_checks_membership_and_submits_its_own_workers_only(client, auth, tree):
    platform = auth("platform_integrator", employer=tree.platform)
    body = join_body(tree, seed=5, union=tree.platform_union, channel="via_platform",
                     situation={"relation": "labour_contract", "employer_code": tree.platform})
    rid = {"resident_id": body["person"]["resident_id"]}
    assert client.post("/memberships/check", json=rid, headers=platform).json() == {
        "member": False, "union_name": None}
    assert client.post("/memberships", json=body, headers=platform).status_code == 201
    assert client.post("/memberships/check", json=rid, headers=platform).json() == {
        "member": True, "union_name": "某同城配送平台（厦门）有限公司工会"}
    online = join_body(tree, seed=6, union=tree.platform_union, channel="online",
                       situation=body["situation"])
    assert_problem(client.post("/memberships", json=online, headers=platform), 403, "forbidden")
    other = join_body(tree, seed=7, channel="via_platform",
                      situation={"relation": "labour_contract", "employer_code": tree.subsidiary})
    assert_problem(client.post("/memberships", json=other, headers=platform), 403)


def test_history_lists_every_event_with_actor_reason_and_result(client, auth, tree):
    county = auth("union_official", "county", subject="county-clerk")
    mid = client.post("/memberships", json=join_body(tree, seed=8), headers=county).json()["id"]
    out = client.post(f"/memberships/{mid}/transfer-out", headers=county, json={
        "destination_code": tree.industry, "reason": "转入快递行业工会",
        "effective_on": "2025-06-01"})
    assert out.status_code == 200, out.text
    inn = client.post(f"/memberships/{mid}/transfer-in", headers=county, json={
        "union_code": tree.industry, "effective_on": "2025-06-10"})
    assert inn.json()["version"] == 3
    hist = client.get(f"/memberships/{mid}/history", headers=auth("auditor", "province"))
    items = hist.json()["items"]
    assert [i["type"] for i in items] == ["Joined", "TransferredOut", "TransferredIn"]
    assert [i["status"] for i in items] == ["active", "in_transit", "active"]
    assert [i["union_code"] for i in items] == [tree.township, tree.township, tree.industry]
    assert items[1]["reason"] == "转入快递行业工会" and items[1]["recorded_by"] == "county-clerk"
    assert items[1]["effective_on"] == "2025-06-01" and items[1]["recorded_at"]
    assert "personal" not in hist.text
    past = client.get(f"/memberships/{mid}", params={"as_of": "2025-06-05"}, headers=county)
    assert past.json()["status"] == "in_transit" and past.json()["as_of"] == "2025-06-05"
    before = client.get(f"/memberships/{mid}", params={"as_of": "2020-01-01"}, headers=county)
    assert_problem(before, 404)


def test_life_cycle_changes_retain_reactivate_withdraw_and_rejoin(client, auth, tree):
    off = auth("union_official", "township")
    body = join_body(tree, seed=9)
    mid = client.post("/memberships", json=body, headers=off).json()["id"]
    base = f"/memberships/{mid}"
    assert client.post(f"{base}/retain", json={"cause": "retirement"},
                       headers=off).json()["version"] == 2
    assert_problem(client.post(f"{base}/transfer-out", headers=off, json={
        "destination_code": tree.village, "reason": "x"}), 409, "membership.cannot_transfer_out")
    assert client.post(f"{base}/reactivate", json={}, headers=off).status_code == 200
    fix = client.post(f"{base}/correct-details", headers=off, json={
        "reason": "姓名录入有误", "person": {**body["person"], "name": "王芳芳"},
        "worker_group": "food_delivery_rider"})
    assert fix.status_code == 200, fix.text
    assert client.get(base, headers=off).json()["worker_group"] == "food_delivery_rider"
    assert client.post(f"{base}/withdraw", json={"reason": "本人申请"},
                       headers=off).status_code == 200
    assert_problem(client.post(f"{base}/expel", json={"reason": "x"}, headers=off), 409)
    rejoin = client.post("/memberships", json=body, headers=off)
    assert rejoin.status_code == 201 and rejoin.json()["id"] == mid


def test_transfer_cancel_and_expel_and_erase(client, auth, tree):
    off = auth("union_official", "county")
    mid = client.post("/memberships", json=join_body(tree, seed=10), headers=off).json()["id"]
    base = f"/memberships/{mid}"
    client.post(f"{base}/transfer-out", headers=off,
                json={"destination_code": tree.industry, "reason": "换工作"})
    wrong = client.post(f"{base}/transfer-in", headers=off, json={"union_code": tree.village})
    assert_problem(wrong, 422, "transfer.wrong_destination")
    assert client.post(f"{base}/cancel-transfer", json={"reason": "本人撤回"},
                       headers=off).status_code == 200
    assert client.post(f"{base}/expel", json={"reason": "严重违纪"}, headers=off).status_code == 200
    erased = client.post(f"{base}/erase", json={"reason": "本人申请删除个人信息"}, headers=off)
    assert erased.status_code == 200
    pd = auth("union_official", "county", personal_data=True)
    assert client.get(base, headers=pd).json()["person"] == {
        "masked": True, "erased": True, "name": None, "resident_id": None, "phone": None,
        "address": None}
    assert_problem(client.post(f"{base}/erase", json={"reason": ""}, headers=off), 422,
                   "request.invalid")

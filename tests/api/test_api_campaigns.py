"""Joining campaigns (入会集中行动, art. 14) through HTTP: launch within scope, list, progress
per worker group against target and per region (from the projection, equal to the ledger's
replay), close; refusals for scope, bad targets and periods."""

from __future__ import annotations

from tests.api.conftest import assert_problem, join_body

CAMPAIGN = {"campaign_id": "XM-2026-11", "name": "思明区新就业形态劳动者入会集中行动",
            "region_code": "350203", "period_from": "2026-11-01", "period_to": "2026-11-30",
            "targets": {"courier": 3, "food_delivery_rider": 2}}


def _join(client, headers, tree, seed, union, group="courier", on="2026-11-10"):
    r = client.post("/memberships", headers=headers, json=join_body(
        tree, seed=seed, union=union, worker_group=group, effective_on=on))
    assert r.status_code == 201, r.text
    return r.json()["position"]


def test_a_county_campaign_counts_joins_per_group_and_region_against_its_targets(
        client, auth, tree, runtime):
    county = auth("union_official", "county")
    launched = client.post("/campaigns", headers=county,
                           json={**CAMPAIGN, "organiser_code": tree.county})
    assert launched.status_code == 201, launched.text
    assert launched.headers["Location"] == "/campaigns/XM-2026-11"
    _join(client, county, tree, 1, tree.township)
    _join(client, county, tree, 2, tree.village)
    _join(client, county, tree, 3, tree.village, group="food_delivery_rider")
    _join(client, county, tree, 4, tree.village, on="2026-10-31")  # before the period
    pos = _join(client, county, tree, 5, tree.township, group="truck_driver")

    got = client.get("/campaigns/XM-2026-11", params={"min_position": pos}, headers=county)
    assert got.status_code == 200, got.text
    body = got.json()
    assert body["groups"] == [
        {"worker_group": "courier", "target": 3, "joined": 2},
        {"worker_group": "food_delivery_rider", "target": 2, "joined": 1},
        {"worker_group": "truck_driver", "target": 0, "joined": 1}]
    assert body["total"] == {"target": 5, "joined": 4}
    assert {(r["region_code"], r["worker_group"]): r["joined"] for r in body["regions"]} == {
        ("350203001", "courier"): 1, ("350203001", "truck_driver"): 1,
        ("350203001001", "courier"): 1, ("350203001001", "food_delivery_rider"): 1}
    replay = runtime.ledger.campaign_progress("XM-2026-11")
    assert {k: body[k] for k in replay} == replay  # the counters agree with the event log
    rolled = client.get("/campaigns/XM-2026-11", params={"region_level": "county"},
                        headers=county).json()["regions"]
    assert [(r["region_code"], r["joined"]) for r in rolled] == [
        ("350203", 2), ("350203", 1), ("350203", 1)]

    township = auth("union_official", "township")  # organised above them: visible
    listed = client.get("/campaigns", params={"active": True}, headers=township).json()
    assert [c["campaign_id"] for c in listed["items"]] == ["XM-2026-11"]
    assert_problem(client.post("/campaigns/XM-2026-11/close", json={}, headers=township), 403)
    closed = client.post("/campaigns/XM-2026-11/close", json={"reason": "行动结束"},
                         headers=county)
    assert closed.status_code == 200, closed.text
    assert client.get("/campaigns", params={"as_of": "2026-11-15"},
                      headers=county).json()["items"] == []
    assert client.get("/campaigns/XM-2026-11", headers=county).json()["closed"] is True
    pos = _join(client, county, tree, 6, tree.township, on="2026-11-28")
    after = client.get("/campaigns/XM-2026-11", params={"min_position": pos}, headers=county)
    assert after.json()["total"]["joined"] == 4  # a join after closing is not attributed


def test_campaign_launches_out_of_scope_or_malformed_are_refused_and_record_nothing(
        client, auth, tree):
    township = auth("union_official", "township")
    assert_problem(client.post("/campaigns", headers=township,
                               json={**CAMPAIGN, "organiser_code": tree.county}), 403)
    admin = auth("national_admin")
    bad_group = {**CAMPAIGN, "organiser_code": tree.county, "targets": {"astronaut": 1}}
    assert_problem(client.post("/campaigns", headers=admin, json=bad_group), 422)
    backwards = {**CAMPAIGN, "organiser_code": tree.county, "period_to": "2026-10-01"}
    assert_problem(client.post("/campaigns", headers=admin, json=backwards), 422,
                   "campaign.period")
    bad_region = {**CAMPAIGN, "organiser_code": tree.county, "region_code": "35020X"}
    assert_problem(client.post("/campaigns", headers=admin, json=bad_region), 422)
    assert client.get("/campaigns", headers=admin).json()["items"] == []

    ok = client.post("/campaigns", headers=admin,
                     json={**CAMPAIGN, "organiser_code": tree.county})
    assert ok.status_code == 201
    again = client.post("/campaigns", headers=admin,
                        json={**CAMPAIGN, "organiser_code": tree.county})
    assert_problem(again, 409, "campaign.exists")
    elsewhere = auth("union_official", "township2")  # 湖里: neither organised by nor above them
    assert_problem(client.get("/campaigns/XM-2026-11", headers=elsewhere), 404,
                   "campaign.not_found")
    assert client.get("/campaigns", headers=elsewhere).json()["items"] == []
    assert_problem(client.get("/campaigns/NO-SUCH", headers=admin), 404, "campaign.not_found")

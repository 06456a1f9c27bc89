"""Automatic transfers through HTTP (art. 4, R2/R4/R8): establishing an employer's union opens
transfers to it for exactly the members due, each in its inbox with the rule as the reason;
closing the employer holds its members at the next union up, on that union's roster."""

from __future__ import annotations

import random

from domain.joining import ART4, ART6
from domain.values import generate_credit_code
from tests.api.conftest import join_body
from tests.builders import union_code


def _employer(client, admin, rng, kind, region="350206001", **over):
    code = generate_credit_code(rng, region_code=region[:6])
    r = client.post("/employers", headers=admin, json={
        "code": code, "name": f"单位{code[-4:]}", "kind": kind, "region_code": region, **over})
    assert r.status_code == 201, r.text
    return code


def _union(tree, rng, employer, parent, region="350206001"):
    code = union_code(rng, region[:6], grassroots=True)
    return {"code": code, "name": f"工会{code[-4:]}", "kind": "enterprise", "level": "grassroots",
            "region_code": region, "parent_code": parent, "approved_by": parent,
            "employer_code": employer, "effective_on": "2026-06-01"}


def _join(client, admin, tree, seed, union, situation, **over):
    body = join_body(tree, seed=seed, union=union, situation=situation, **over)
    r = client.post("/memberships", headers=admin, json=body)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_establishing_a_platform_subsidiarys_union_opens_transfers_for_exactly_the_members_due(
        client, auth, tree):
    admin, rng = auth("national_admin"), random.Random(61)
    sub = _employer(client, admin, rng, "platform_subsidiary", parent_code=tree.platform)
    agency = _employer(client, admin, rng, "dispatch_agency")  # no union: R4 falls to the user
    agency2 = _employer(client, admin, rng, "dispatch_agency")
    agency2_union = _union(tree, rng, agency2, tree.township2)
    assert client.post("/unions", headers=admin, json=agency2_union).status_code == 201
    other = _employer(client, admin, rng, "other")
    labour = {"relation": "labour_contract", "employer_code": sub}
    due = {
        "employee": _join(client, admin, tree, 1, tree.township2, labour),
        "dispatched": _join(client, admin, tree, 2, tree.township2, {
            "relation": "dispatched", "employer_code": agency, "using_unit_code": sub}),
    }
    stays = {
        "agency_has_union": _join(client, admin, tree, 3, agency2_union["code"], {
            "relation": "dispatched", "employer_code": agency2, "using_unit_code": sub}),
        "self_employed_rider": _join(client, admin, tree, 4, tree.township2, {
            "relation": "platform_self_employed", "employer_code": sub,
            "work_region": "350206001"}),
        "other_employer": _join(client, admin, tree, 5, tree.township2, {
            "relation": "labour_contract", "employer_code": other}),
        "in_an_enterprise_union": _join(
            client, admin, tree, 6, tree.platform_union, labour, override_by=tree.county,
            override_reason="随总部工会管理"),
    }

    official = auth("union_official", "township2")
    new = _union(tree, rng, sub, tree.township2)
    made = client.post("/unions", headers=official, json=new)
    assert made.status_code == 201, made.text

    at = {"min_position": made.json()["position"]}
    inbox = client.get(f"/unions/{new['code']}/inbox", params=at, headers=official).json()
    by_member = {r["member_id"]: r for r in inbox["items"]}
    assert set(by_member) == set(due.values())
    assert ART4 in by_member[due["employee"]]["reason"]
    assert ART6 in by_member[due["dispatched"]]["reason"]
    for mid in due.values():
        assert by_member[mid]["from_union_code"] == tree.township2
        m = client.get(f"/memberships/{mid}", params=at, headers=admin).json()
        assert (m["status"], m["destination_union_code"]) == ("in_transit", new["code"])
    for mid in stays.values():
        assert client.get(f"/memberships/{mid}", headers=admin).json()["status"] == "active"
    again = client.post(f"/employers/{sub}/due-transfers", headers=official)
    assert again.status_code == 200 and again.json()["released"] == []


def test_closing_an_employer_holds_its_members_on_the_parent_unions_roster(client, auth, tree):
    admin, rng = auth("national_admin"), random.Random(62)
    shop = _employer(client, admin, rng, "other")
    union = _union(tree, rng, shop, tree.township2)
    assert client.post("/unions", headers=admin, json=union).status_code == 201
    labour = {"relation": "labour_contract", "employer_code": shop}
    ids = {_join(client, admin, tree, 10 + i, union["code"], labour) for i in range(2)}

    closed = client.post(f"/employers/{shop}/close", headers=admin, json={"reason": "歇业"})
    assert closed.status_code == 200, closed.text
    at = {"min_position": closed.json()["position"]}
    official = auth("union_official", "township2")
    roster = client.get(f"/unions/{tree.township2}/roster", params=at, headers=official).json()
    assert {r["member_id"] for r in roster["items"]} == ids
    assert {r["status"] for r in roster["items"]} == {"active"}
    left = client.get(f"/unions/{union['code']}/roster", params=at, headers=official).json()
    assert left["items"] == []

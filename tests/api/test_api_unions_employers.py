"""Unions and employers through HTTP: establish, read, rename, reparent, dissolve; register, read,
close; scope refusals (403) and rule refusals (409/422)."""

from __future__ import annotations

import random

from domain.values import generate_credit_code
from tests.api.conftest import assert_problem, join_body
from tests.builders import union_code


def _new_union(tree, parent, seed=1, **over):
    code = union_code(random.Random(seed), "350203")
    body = {"code": code, "name": "新建社区工会", "kind": "village", "level": "village",
            "region_code": "350203001002", "parent_code": parent, "approved_by": parent,
            "effective_on": "2025-01-01"}
    body.update(over)
    return body


def test_a_township_official_establishes_a_village_union_and_manages_it(client, auth, tree):
    off = auth("union_official", "township")
    body = _new_union(tree, tree.township)
    created = client.post("/unions", json=body, headers=off)
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"/unions/{body['code']}"
    got = client.get(f"/unions/{body['code']}", headers=off).json()
    assert got["name"] == "新建社区工会" and got["parent_code"] == tree.township
    renamed = client.post(f"/unions/{body['code']}/rename", json={"name": "新社区工会"},
                          headers=off)
    assert renamed.json()["version"] == 2
    at = {"min_position": renamed.json()["position"]}  # read-your-writes on the read side
    assert client.get(f"/unions/{body['code']}", params=at,
                      headers=off).json()["name"] == "新社区工会"
    moved = client.post(f"/unions/{body['code']}/reparent", headers=off,
                        json={"parent_code": tree.village, "reason": "调整隶属关系"})
    assert moved.status_code == 200
    gone = client.post(f"/unions/{body['code']}/dissolve", json={"reason": "合并"}, headers=off)
    assert gone.status_code == 200
    at = {"min_position": gone.json()["position"]}
    assert client.get(f"/unions/{body['code']}", params=at,
                      headers=off).json()["dissolved"] is True
    again = client.post(f"/unions/{body['code']}/dissolve", json={"reason": "再次"}, headers=off)
    assert_problem(again, 422, "union.dissolved")


def test_union_rules_refuse_duplicates_cycles_and_bad_approval(client, auth, tree):
    admin = auth("national_admin")
    body = _new_union(tree, tree.township, seed=2)
    assert client.post("/unions", json=body, headers=admin).status_code == 201
    assert_problem(client.post("/unions", json=body, headers=admin), 409, "union.exists")
    other = _new_union(tree, tree.township, seed=3, approved_by=tree.county)
    assert_problem(client.post("/unions", json=other, headers=admin), 422,
                   "union.approval_not_by_parent")
    cycle = client.post(f"/unions/{tree.county}/reparent", headers=admin,
                        json={"parent_code": tree.township})
    assert assert_problem(cycle, 422, "union.reparent_cycle")["rule"] == "R9"
    assert_problem(client.get("/unions/91350200MA00000001", headers=admin), 422)
    missing = union_code(random.Random(99), "350203")
    assert_problem(client.get(f"/unions/{missing}", headers=admin), 404, "union.not_found")


def test_writes_to_unions_outside_the_scope_are_forbidden(client, auth, tree):
    off = auth("union_official", "county2")
    assert_problem(client.post("/unions", json=_new_union(tree, tree.township, seed=4),
                               headers=off), 403, "forbidden")
    assert_problem(client.post(f"/unions/{tree.village}/rename", json={"name": "x"},
                               headers=off), 403)
    assert_problem(client.post(f"/unions/{tree.township2}/reparent", headers=off,
                               json={"parent_code": tree.county}), 403)
    assert_problem(client.get(f"/unions/{tree.village}", headers=off), 403)
    auditor = auth("auditor", "city")
    assert client.get(f"/unions/{tree.village}", headers=auditor).status_code == 200
    assert_problem(client.post(f"/unions/{tree.village}/rename", json={"name": "x"},
                               headers=auditor), 403)


def test_employers_are_registered_read_and_closed_with_their_union(client, auth, tree, runtime):
    admin = auth("national_admin")
    member = client.post("/memberships", headers=admin, json=join_body(
        tree, seed=31, union=tree.platform_union,
        situation={"relation": "labour_contract", "employer_code": tree.platform})).json()["id"]
    got = client.get(f"/employers/{tree.platform}", headers=auth("auditor", "county")).json()
    assert got["union_code"] == tree.platform_union and got["kind"] == "platform_subsidiary"
    code = generate_credit_code(random.Random(5), region_code="350203")
    reg = client.post("/employers", headers=auth("union_official", "county"), json={
        "code": code, "name": "某外卖配送代理商", "kind": "delivery_agent",
        "region_code": "350203"})
    assert reg.status_code == 201, reg.text
    assert client.get(f"/employers/{code}", headers=admin).json()["name"] == "某外卖配送代理商"
    assert_problem(client.post("/employers", headers=auth("auditor", "county"), json={
        "code": tree.platform, "name": "x", "kind": "other", "region_code": "350203"}), 403)
    assert_problem(client.post(f"/employers/{tree.platform}/close", json={"reason": "注销"},
                               headers=auth("union_official", "county2")), 403)
    closed = client.post(f"/employers/{tree.platform}/close", json={"reason": "注销"},
                         headers=auth("union_official", "county"))
    assert closed.status_code == 200, closed.text
    m = client.get(f"/memberships/{member}", headers=admin).json()
    assert m["union_code"] == tree.county  # R8: held one level up
    assert_problem(client.post(f"/employers/{tree.platform}/close", json={"reason": "x"},
                               headers=admin), 422, "employer.closed")
    assert_problem(client.post("/employers", headers=admin, json={
        "code": tree.platform, "name": "x", "kind": "other", "region_code": "350203"}),
        409, "employer.exists")

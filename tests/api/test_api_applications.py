"""Online applications over HTTP (art. 8): submit, public status, review queue, approve, reject;
scoped like union writes; a platform submits only for itself. SQLite and PostgreSQL."""

from __future__ import annotations

import random

from tests.api.conftest import assert_problem
from tests.builders import person

CONSENT = {"given_by": "worker", "consent_text": "本人自愿加入工会，同意工会处理本人信息",
           "consented_at": "2026-11-20T09:30:00+08:00"}


def body(tree, seed, **over):
    p = person(random.Random(seed))
    b = {"person": {"name": p.name, "resident_id": p.resident_id, "phone": p.phone},
         "union_code": tree.township, "worker_group": "courier",
         "situation": {"relation": "platform_self_employed", "work_region": "350203001001"},
         "consent": CONSENT}
    return b | over, p


def test_an_application_is_submitted_queued_approved_and_its_status_shown_publicly(
        client, auth, tree):
    official = auth("union_official", "township")
    b, p = body(tree, 41)
    resp = client.post("/applications", json=b, headers=official)
    assert resp.status_code == 201, resp.text
    no = resp.json()["application_no"]
    assert resp.headers["Location"] == f"/applications/{no}"

    public = client.get(f"/applications/{no}")  # the applicant has no token
    assert public.status_code == 200 and public.json()["status"] == "submitted"
    assert p.name not in public.text and p.resident_id not in public.text

    q = client.get(f"/unions/{tree.township}/applications", headers=official).json()
    assert [i["application_no"] for i in q["items"]] == [no]
    assert p.name not in str(q)

    done = client.post(f"/applications/{no}/approve", json={}, headers=official)
    assert done.status_code == 200 and done.json()["status"] == "approved"
    member = client.get(done.headers["Location"], headers=official).json()
    assert (member["union_code"], member["channel"]) == (tree.township, "online")
    assert client.get(f"/unions/{tree.township}/applications", headers=official).json()[
        "items"] == []


def test_a_rejection_needs_a_reason_and_a_second_decision_is_a_conflict(client, auth, tree):
    official = auth("union_official", "township")
    no = client.post("/applications", json=body(tree, 42)[0], headers=official).json()[
        "application_no"]
    assert_problem(client.post(f"/applications/{no}/reject", json={}, headers=official), 422)
    resp = client.post(f"/applications/{no}/reject", json={"reason": "不在本街道工作"},
                       headers=official)
    assert resp.json()["reason"] == "不在本街道工作"
    assert_problem(client.post(f"/applications/{no}/approve", json={}, headers=official), 409,
                   "application.cannot_approve")


def test_a_platform_submits_only_as_itself_with_the_workers_consent(client, auth, tree):
    integrator = auth("platform_integrator", employer=tree.platform)
    mine = {**CONSENT, "given_by": "platform", "platform_employer_code": tree.platform}
    situation = {"relation": "platform_self_employed", "employer_code": tree.platform,
                 "work_region": "350203001001"}
    ok = client.post("/applications", headers=integrator, json=body(
        tree, 43, union_code=tree.platform_union, consent=mine, situation=situation)[0])
    assert ok.status_code == 201, ok.text
    assert ok.json()["channel"] == "via_platform"
    as_worker = client.post("/applications", headers=integrator, json=body(tree, 44)[0])
    assert_problem(as_worker, 403)
    other = {**mine, "platform_employer_code": tree.subsidiary}
    assert_problem(client.post("/applications", headers=integrator,
                               json=body(tree, 45, consent=other)[0]), 403)


def test_review_and_decisions_are_scoped_to_the_union_subtree(client, auth, tree):
    no = client.post("/applications", json=body(tree, 46)[0],
                     headers=auth("union_official", "township")).json()["application_no"]
    outsider = auth("union_official", "county2")
    assert_problem(client.get(f"/unions/{tree.township}/applications", headers=outsider), 403)
    assert_problem(client.post(f"/applications/{no}/approve", json={}, headers=outsider), 403)
    assert_problem(client.post(f"/applications/{no}/approve", json={},
                               headers=auth("auditor", "county")), 403)
    assert client.get(f"/unions/{tree.township}/applications",
                      headers=auth("auditor", "county")).status_code == 200


def test_an_application_from_a_member_is_a_conflict_naming_the_union_only_in_scope(
        client, auth, tree):
    official = auth("union_official", "township")
    b, _ = body(tree, 47)
    joined = client.post("/memberships", headers=official, json={
        k: b[k] for k in ("person", "union_code", "worker_group", "situation")} | {
        "channel": "mobile_window"})
    assert joined.status_code == 201, joined.text
    seen = assert_problem(client.post("/applications", json=b, headers=official), 409,
                          "already_member")
    assert seen["details"]["union_code"] == tree.township
    hidden = assert_problem(client.post("/applications", headers=auth(
        "union_official", "county2"), json=b | {"union_code": tree.township2,
                                                "situation": {
                                                    "relation": "platform_self_employed",
                                                    "work_region": "350206001"}}), 409)
    assert "details" not in hidden or "union_code" not in hidden.get("details", {})


def test_an_unknown_application_number_is_404(client):
    assert_problem(client.get("/applications/RH0000000000000000"), 404, "application.not_found")


def test_a_second_application_while_one_awaits_review_is_a_conflict(client, auth, tree):
    official = auth("union_official", "township")
    b, _ = body(tree, 43)
    first = client.post("/applications", json=b, headers=official)
    assert first.status_code == 201, first.text
    again = client.post("/applications", json=b | {"union_code": tree.village}, headers=official)
    problem = assert_problem(again, 409, "application.pending")
    assert problem["field"] == "resident_id" and "待审核" in problem["detail"]
    assert first.json()["application_no"] not in again.text

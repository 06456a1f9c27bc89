"""Idempotency-Key and If-Match through HTTP: retries replay the first response and record
nothing new; a reused key with another body is refused; a stale version answers 412."""

from __future__ import annotations

from tests.api.conftest import assert_problem, join_body


def test_a_retried_join_returns_the_first_response_and_records_nothing(client, auth, tree,
                                                                       runtime):
    off = auth("union_official", "township")
    key = {"Idempotency-Key": "join-0001"}
    body = join_body(tree, seed=21)
    first = client.post("/memberships", json=body, headers={**off, **key})
    position = runtime.ledger.recorder.max_notification_id()
    again = client.post("/memberships", json=body, headers={**off, **key})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["ETag"] == first.headers["ETag"]
    assert runtime.ledger.recorder.max_notification_id() == position
    # without the key the same body is a second join, refused by R1
    assert_problem(client.post("/memberships", json=body, headers=off), 409, "already_member")


def test_the_same_key_with_a_different_body_is_refused(client, auth, tree, runtime):
    off = auth("union_official", "township")
    key = {"Idempotency-Key": "k-2"}
    client.post("/memberships", json=join_body(tree, seed=22), headers={**off, **key})
    position = runtime.ledger.recorder.max_notification_id()
    other = client.post("/memberships", json=join_body(tree, seed=23), headers={**off, **key})
    assert_problem(other, 422, "idempotency_key.reused")
    assert runtime.ledger.recorder.max_notification_id() == position


def test_keys_belong_to_the_token_subject(client, auth, tree):
    body = join_body(tree, seed=24)
    key = {"Idempotency-Key": "shared"}
    a = client.post("/memberships", json=body, headers={**auth("national_admin", subject="a"),
                                                        **key})
    assert a.status_code == 201
    b = client.post("/memberships", json=body, headers={**auth("national_admin", subject="b"),
                                                        **key})
    assert_problem(b, 409, "already_member")


def test_a_stale_if_match_is_refused_with_412_and_a_current_one_succeeds(client, auth, tree,
                                                                        runtime):
    off = auth("union_official", "township")
    created = client.post("/memberships", json=join_body(tree, seed=25), headers=off)
    base = f"/memberships/{created.json()['id']}"
    etag = client.get(base, headers=off).headers["ETag"]
    assert etag == '"1"'
    ok = client.post(f"{base}/retain", json={"cause": "unemployment"},
                     headers={**off, "If-Match": etag})
    assert ok.status_code == 200 and ok.headers["ETag"] == '"2"'
    position = runtime.ledger.recorder.max_notification_id()
    stale = client.post(f"{base}/reactivate", json={}, headers={**off, "If-Match": etag})
    problem = assert_problem(stale, 412, "version_mismatch")
    assert problem["field"] == "If-Match" and problem["details"]["current_version"] == 2
    assert runtime.ledger.recorder.max_notification_id() == position
    assert_problem(client.post(f"{base}/reactivate", json={},
                               headers={**off, "If-Match": "abc"}), 422, "if_match.invalid")
    assert client.post(f"{base}/reactivate", json={},
                       headers={**off, "If-Match": '"2"'}).status_code == 200


def test_a_retried_transfer_in_is_replayed_even_though_the_member_has_moved(client, auth, tree):
    off = auth("union_official", "county")
    mid = client.post("/memberships", json=join_body(tree, seed=26), headers=off).json()["id"]
    client.post(f"/memberships/{mid}/transfer-out", headers=off,
                json={"destination_code": tree.industry, "reason": "换岗"})
    dest = {**auth("union_official", "industry"), "Idempotency-Key": "accept-1"}
    first = client.post(f"/memberships/{mid}/transfer-in", headers=dest,
                        json={"union_code": tree.industry})
    again = client.post(f"/memberships/{mid}/transfer-in", headers=dest,
                        json={"union_code": tree.industry})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()

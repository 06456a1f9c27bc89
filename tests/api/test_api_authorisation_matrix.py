"""The authorisation matrix: each role × in scope / out of scope × each endpoint → allowed, 403
or 404 as designed, and no personal data in any refused response.

Writes that would change state are sent with a stale If-Match, so "allowed" shows as 412: the
request passed authorisation and was stopped by the version check, recording nothing.
"""

from __future__ import annotations

from typing import Any

from tests.api.conftest import join_body

CALLERS = {
    "admin": ("national_admin", None),
    "official_in": ("union_official", "township"),
    "official_out": ("union_official", "county2"),
    "auditor_in": ("auditor", "county"),
    "auditor_out": ("auditor", "county2"),
    "integrator": ("platform_integrator", None),
}
ORDER = list(CALLERS)


def _expect(*codes: int) -> dict[str, int]:
    return dict(zip(ORDER, codes, strict=True))


STALE = {"If-Match": '"999"'}


def _cases(tree: Any, mid: str, rid: str, seed: list[int]) -> list[tuple[str, str, Any, dict,
                                                                          dict[str, int]]]:
    def fresh_join() -> dict[str, Any]:
        seed[0] += 1
        return join_body(tree, seed=1000 + seed[0])

    m = f"/memberships/{mid}"
    u = f"/unions/{tree.township}"
    stale_member = _expect(412, 412, 404, 403, 404, 403)
    read_member = _expect(200, 200, 404, 200, 404, 403)
    union_read = _expect(200, 200, 403, 200, 403, 403)
    return [
        ("GET", m, None, {}, read_member),
        ("GET", f"{m}/history", None, {}, read_member),
        ("POST", "/memberships/lookup", {"resident_id": rid}, {}, read_member),
        ("POST", "/memberships/check", {"resident_id": rid}, {}, _expect(*[200] * 6)),
        ("POST", "/memberships", fresh_join, {}, _expect(201, 201, 403, 403, 403, 403)),
        ("POST", f"{m}/transfer-out", {"destination_code": tree.village, "reason": "r"}, STALE,
         stale_member),
        ("POST", f"{m}/cancel-transfer", {"reason": "r"}, STALE, stale_member),
        ("POST", f"{m}/transfer-in", {"union_code": tree.township}, STALE, stale_member),
        ("POST", f"{m}/retain", {"cause": "retirement"}, STALE, stale_member),
        ("POST", f"{m}/reactivate", {}, STALE, stale_member),
        ("POST", f"{m}/withdraw", {}, STALE, stale_member),
        ("POST", f"{m}/expel", {"reason": "r"}, STALE, stale_member),
        ("POST", f"{m}/correct-details", {"reason": "r", "worker_group": "courier"}, STALE,
         stale_member),
        ("GET", u, None, {}, _expect(200, 200, 403, 200, 403, 403)),
        ("POST", f"{u}/rename", {"name": "中华街道工会"}, {},
         _expect(200, 200, 403, 403, 403, 403)),
        ("POST", f"{u}/reparent", {"parent_code": tree.county}, {},
         _expect(200, 403, 403, 403, 403, 403)),
        ("POST", f"{u}/dissolve", {"reason": ""}, {}, _expect(*[422] * 6)),
        ("GET", f"/employers/{tree.platform}", None, {}, _expect(200, 200, 200, 200, 200, 403)),
        # a future date passes authorisation and is then refused by the date rule (422)
        ("POST", f"/employers/{tree.subsidiary}/close",
         {"reason": "r", "effective_on": "2099-01-01"}, {}, _expect(422, 403, 422, 403, 403, 403)),
        ("GET", "/audit/access-log", None, {}, _expect(200, 403, 403, 200, 200, 403)),
        ("GET", f"{u}/children", None, {}, union_read),
        ("GET", f"{u}/roster", None, {}, union_read),
        ("POST", f"{u}/roster/search", {"name": "王芳"}, {}, union_read),
        ("GET", f"{u}/counts", None, {}, union_read),
        ("GET", f"{u}/inbox", None, {}, union_read),
        ("POST", "/joining-paths", {"situation": {"relation": "platform_self_employed",
                                                  "work_region": "350203001001"}}, {},
         _expect(200, 200, 200, 200, 200, 403)),
        ("GET", f"/employers/{tree.platform}/unions", None, {}, _expect(*[200] * 5, 403)),
        ("POST", f"{m}/erase", {"reason": "r"}, {}, _expect(200, 200, 404, 403, 404, 403)),
    ]


def test_every_role_gets_exactly_the_access_designed(client, auth, tree):
    headers = {name: auth(role, scope, employer=tree.platform if role.startswith("platform")
                          else None) for name, (role, scope) in CALLERS.items()}
    body = join_body(tree, seed=999)
    mid = client.post("/memberships", json=body, headers=headers["admin"]).json()["id"]
    secrets = (body["person"]["name"], body["person"]["resident_id"], body["person"]["phone"])
    seed = [0]
    wrong: list[str] = []
    for method, path, payload, extra, expected in _cases(tree, mid, body["person"]
                                                          ["resident_id"], seed):
        # the allowed callers last, so that a state change cannot mask a refusal
        for caller in sorted(ORDER, key=lambda c: expected[c] < 400):
            data = payload() if callable(payload) else payload
            resp = client.request(method, path, json=data, headers={**headers[caller], **extra})
            if resp.status_code != expected[caller]:
                wrong.append(f"{caller} {method} {path}: {resp.status_code} "
                             f"(expected {expected[caller]}) {resp.text[:120]}")
            if resp.status_code >= 400:
                leaked = [s for s in secrets if s and s in resp.text]
                if leaked or (callable(payload) and data["person"]["name"] in resp.text):
                    wrong.append(f"{caller} {method} {path}: personal data in a refusal")
    assert wrong == []

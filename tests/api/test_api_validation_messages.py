"""A malformed request is answered in Chinese (English on request), naming the field."""

from tests.api.conftest import join_body


def test_a_missing_field_is_named_in_chinese_and_nothing_is_recorded(client, auth, tree):
    body = join_body(tree)
    del body["person"]
    before = client.get(f"/unions/{tree.township}/counts", headers=auth("national_admin")).json()
    r = client.post("/memberships", json=body, headers=auth("national_admin"))
    assert r.status_code == 422
    problem = r.json()
    assert problem["code"] == "request.invalid" and problem["field"] == "person"
    assert problem["detail"] == "请求字段 person 无效：缺少必填字段"
    assert problem["details"]["type"] == "missing"
    after = client.get(f"/unions/{tree.township}/counts", headers=auth("national_admin")).json()
    assert after == before


def test_a_wrongly_typed_field_is_explained_in_english_when_asked(client, auth, tree):
    body = join_body(tree, effective_on="28/11/2026")
    r = client.post("/memberships", json=body,
                    headers={**auth("national_admin"), "Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json()["field"] == "effective_on"
    assert "请求字段" not in r.json()["detail"]

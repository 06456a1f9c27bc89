"""Problem details and authentication through HTTP: 401/403/404/405/422/500 shapes, languages,
token expiry and signatures, and the token CLI."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.cli import app as cli
from api.http.app import create_app
from api.http.auth import mint_token, verify_token
from tests.api.conftest import assert_problem, join_body


def test_a_request_without_a_token_gets_401_problem_json(client):
    resp = client.get("/memberships/00000000-0000-4000-8000-000000000000")
    problem = assert_problem(resp, 401, "unauthenticated")
    assert resp.headers["WWW-Authenticate"] == "Bearer"
    assert problem["field"] == "Authorization"


def test_an_expired_or_forged_token_is_refused(client, runtime, tree, auth):
    expired = mint_token(runtime.keys["token_secret"], subject="x", role="national_admin",
                         scope=tree.acftu, days=-1)
    resp = client.get(f"/unions/{tree.acftu}",
                      headers={"Authorization": f"Bearer {expired}"})
    assert assert_problem(resp, 401)["detail"] == "令牌已过期"
    forged = mint_token(b"x" * 32, subject="x", role="national_admin", scope=tree.acftu)
    assert_problem(client.get(f"/unions/{tree.acftu}",
                              headers={"Authorization": f"Bearer {forged}"}), 401)
    assert_problem(client.get(f"/unions/{tree.acftu}",
                              headers={"Authorization": "Bearer ul1.e30.AAAA"}), 401)
    ok = client.get(f"/unions/{tree.acftu}", headers=auth("national_admin"))
    assert ok.status_code == 200 and ok.json()["name"] == "中华全国总工会"


def test_messages_are_chinese_by_default_and_english_on_request(client, auth, tree):
    body = join_body(tree, seed=11)
    body["person"]["resident_id"] = "350203199001011230"  # wrong check character
    zh = client.post("/memberships", json=body, headers=auth("national_admin"))
    en = client.post("/memberships", json=body,
                     headers={**auth("national_admin"), "Accept-Language": "en-GB"})
    p_zh, p_en = assert_problem(zh, 422), assert_problem(en, 422)
    assert p_zh["code"] == p_en["code"] and p_zh["field"] == "resident_id"
    assert any("\u4e00" <= ch <= "\u9fff" for ch in p_zh["detail"])
    assert p_en["detail"].isascii()
    assert body["person"]["resident_id"] not in zh.text  # input is never echoed back


def test_a_malformed_body_is_a_422_naming_the_field_and_nothing_is_recorded(
        client, auth, tree, runtime):
    before = runtime.ledger.recorder.max_notification_id()
    body = join_body(tree, seed=12, worker_group="astronaut")
    problem = assert_problem(client.post("/memberships", json=body,
                                         headers=auth("national_admin")), 422, "request.invalid")
    assert problem["field"] == "worker_group"
    no_json = client.post("/memberships", content=b"{", headers={
        **auth("national_admin"), "Content-Type": "application/json"})
    assert_problem(no_json, 422)
    assert runtime.ledger.recorder.max_notification_id() == before


def test_unknown_routes_and_methods_answer_problem_json(client):
    assert_problem(client.get("/nowhere"), 404, "route.not_found")
    assert_problem(client.delete("/health"), 405, "method.not_allowed")


def test_an_unexpected_failure_is_a_500_without_internals(runtime, tree, auth, monkeypatch):
    def boom(*a, **k):
        raise RuntimeError("secret stack detail")

    monkeypatch.setattr(runtime.ledger, "rename_union", boom)
    with TestClient(create_app(runtime.settings, runtime=runtime),
                    raise_server_exceptions=False) as c:
        resp = c.post(f"/unions/{tree.village}/rename", json={"name": "新名"},
                      headers=auth("national_admin"))
    problem = assert_problem(resp, 500, "internal")
    assert "secret" not in resp.text and problem["detail"] == "服务器内部错误"


def test_the_token_command_mints_a_token_the_api_accepts(settings, tree, monkeypatch):
    if settings.is_postgres:
        for k in ("secret_key", "master_key", "token_secret"):
            monkeypatch.setenv(f"UNION_LEDGER_{k.upper()}", getattr(settings, k))
        where = ["--database-url", settings.database_url]
    else:
        where = ["--data-dir", str(settings.data_dir)]
    result = CliRunner().invoke(cli, ["token", "create", "--role", "union_official", "--scope",
                                      tree.county, "--personal-data", "--days", "2", *where])
    assert result.exit_code == 0, result.output
    principal = verify_token(settings.keys()["token_secret"], result.output.strip())
    assert (principal.role, principal.scope, principal.personal_data) == (
        "union_official", tree.county, True)
    bad = CliRunner().invoke(cli, ["token", "create", "--role", "platform_integrator", *where])
    assert bad.exit_code == 2


def test_minting_refuses_an_unknown_role():
    with pytest.raises(ValueError):
        mint_token(b"k" * 32, subject="s", role="astronaut", scope=None)

"""`union-ledger serve`: builds the app with the read side and hands it to uvicorn; the demo
cast's tokens carry the roles and scopes they claim."""

from __future__ import annotations

from fastapi import FastAPI
from typer.testing import CliRunner

from api.cli import app as cli
from api.cli.serve import demo_tokens
from api.http.auth import verify_token
from tests.api.conftest import assert_problem


def test_serve_hands_the_app_to_uvicorn(tmp_path, monkeypatch):
    served = {}

    def fake_run(app, host, port, log_level):
        served.update(app=app, host=host, port=port)

    monkeypatch.setattr("uvicorn.run", fake_run)
    result = CliRunner().invoke(cli, ["serve", "--data-dir", str(tmp_path / "d"), "--port",
                                      "8123"])
    assert result.exit_code == 0, result.output
    assert isinstance(served["app"], FastAPI) and served["port"] == 8123
    assert "http://127.0.0.1:8123/docs" in result.output
    assert "http://127.0.0.1:8123/dashboard" in result.output


def test_demo_tokens_carry_the_roles_and_scopes_of_the_cast(runtime, tree, client):
    tokens = demo_tokens(runtime)
    secret = runtime.keys["token_secret"]
    claims = {name: verify_token(secret, t) for name, t in tokens.items()}
    assert claims["national_admin"].scope == tree.acftu
    assert claims["province_official"].scope == tree.province
    assert claims["township_official"].scope == tree.township
    assert claims["auditor"].role == "auditor"
    assert claims["platform_integrator"].employer in (tree.platform, tree.subsidiary)
    bearer = {"Authorization": f"Bearer {tokens['township_official']}"}
    assert client.get(f"/unions/{tree.village}", headers=bearer).status_code == 200
    assert_problem(client.get(f"/unions/{tree.county}", headers=bearer), 403)


def test_a_moved_union_is_judged_by_its_new_parent_at_once(client, auth, tree):
    admin = auth("national_admin")
    moved = client.post(f"/unions/{tree.village}/reparent", headers=admin,
                        json={"parent_code": tree.township2})
    assert moved.status_code == 200
    assert_problem(client.post(f"/unions/{tree.village}/rename", json={"name": "x"},
                               headers=auth("union_official", "township")), 403)
    ok = client.post(f"/unions/{tree.village}/rename", json={"name": "湖里社区工会"},
                     headers=auth("union_official", "county2"))
    assert ok.status_code == 200

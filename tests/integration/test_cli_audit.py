"""`union-ledger keygen/seal/verify` through the CLI, as an auditor runs them, on both backends."""

import json

from typer.testing import CliRunner

from api.cli import app
from api.cli.audit import raw_connection
from tests.builders import build_tree

runner = CliRunner()


def _args(settings):
    if settings.is_postgres:
        return ["--database-url", settings.database_url]
    return ["--data-dir", str(settings.data_dir)]


def test_an_auditor_seals_then_finds_a_tampered_record_by_its_position(runtime, tmp_path):
    build_tree(runtime.ledger)
    settings = runtime.settings
    env = {
        "UNION_LEDGER_SECRET_KEY": settings.secret_key or "",
        "UNION_LEDGER_MASTER_KEY": settings.master_key or "",
        "UNION_LEDGER_TOKEN_SECRET": settings.token_secret or "",
    }
    key, digest = tmp_path / "signing.pem", tmp_path / "digest.json"
    assert runner.invoke(app, ["keygen", "--key", str(key)]).exit_code == 0
    sealed = runner.invoke(app, ["seal", "--key", str(key), "--out", str(digest), *_args(settings)],
                           env=env)
    assert sealed.exit_code == 0, sealed.output
    public_key = json.loads(digest.read_text())["public_key"]
    ok = runner.invoke(app, ["verify", "--digest", str(digest), "--public-key", public_key,
                             *_args(settings)], env=env)
    assert ok.exit_code == 0 and "OK" in ok.output

    table = "ledger_events" if settings.is_postgres else "stored_events"
    idcol = "notification_id" if settings.is_postgres else "rowid"
    with raw_connection(settings) as conn:
        (target,) = conn.execute(f"SELECT {idcol} FROM {table} ORDER BY {idcol} LIMIT 1 OFFSET 3"
                                 ).fetchone()
        conn.execute(f"UPDATE {table} SET topic = topic || 'x' WHERE {idcol} = {target}")
        conn.commit()
    bad = runner.invoke(app, ["verify", "--digest", str(digest), "--public-key", public_key,
                              *_args(settings)], env=env)
    assert bad.exit_code == 1
    assert "modified" in bad.output and f"位置 {target}" in bad.output


def test_verify_on_a_ledger_never_sealed_reports_every_record_unsealed(runtime):
    build_tree(runtime.ledger)
    from api.audit_chain import verify

    with raw_connection(runtime.settings) as conn:
        result = verify(conn)
    assert result.ok and result.checked == 0 and result.unsealed > 10

"""The `union-ledger` member and demo commands as an official uses them in a shell, on SQLite
and PostgreSQL: join, show (masked), transfer out and in, history; refusals exit 1."""

from __future__ import annotations

import random
import re
import sqlite3
from dataclasses import replace
from datetime import date

import psycopg
import pytest
from typer.testing import CliRunner

from api.cli import app
from api.settings import Settings
from api.wiring import build_runtime
from tests.builders import build_tree, person, union_code


@pytest.fixture
def cli(settings, monkeypatch):
    """Runs a command against the test database; returns (result, tree codes)."""
    # rich fixes a console's width when it is created (at import): make it wide for tables
    from api.cli import common

    monkeypatch.setattr(common.console, "width", 200)
    monkeypatch.setattr(common.err_console, "width", 200)
    rt = build_runtime(settings, today=date.today)
    try:
        tree = build_tree(rt.ledger)
    finally:
        rt.close()
    env = {"COLUMNS": "200", "UNION_LEDGER_ACTOR": "official-7"}
    where = ["--data-dir", str(settings.data_dir)]
    if settings.is_postgres:
        where = ["--database-url", settings.database_url]
        env.update(UNION_LEDGER_SECRET_KEY=settings.secret_key,
                   UNION_LEDGER_MASTER_KEY=settings.master_key,
                   UNION_LEDGER_TOKEN_SECRET=settings.token_secret)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, [*args, *where], env=env)

    run.tree = tree
    run.settings = settings
    return run


def _join(cli, details, *extra):
    return cli("member", "join", "--name", details.name, "--resident-id", details.resident_id,
               "--phone", details.phone, "--union", cli.tree.township, "--group", "courier",
               "--relation", "platform_self_employed", "--work-region", "350203001001",
               "--channel", "mobile_window", "--effective-on", "2024-03-01", *extra)


def _stored_events(settings):
    rt = build_runtime(settings)
    try:
        return rt.ledger.recorder.max_notification_id()
    finally:
        rt.close()


def _raw_rows(settings, sql):
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo()) as conn:
            return conn.execute(sql).fetchall()
    with sqlite3.connect(settings.sqlite_path) as conn:
        return conn.execute(sql).fetchall()


def test_a_member_joined_on_the_command_line_is_shown_masked_transferred_and_traced(cli):
    details = person(random.Random(11))
    joined = _join(cli, details)
    assert joined.exit_code == 0, joined.output
    member_id = re.search(r"member id: (\S+)", joined.output).group(1)
    assert details.name not in joined.output

    shown = cli("member", "show", member_id)
    assert shown.exit_code == 0, shown.output
    assert details.name not in shown.output and details.resident_id not in shown.output
    assert details.resident_id[:4] + "*" * 10 + details.resident_id[-4:] in shown.output
    assert "在册" in shown.output and "中华街道工会" in shown.output

    out = cli("member", "transfer-out", member_id, "--to", cli.tree.township2,
              "--reason", "工作地变更到湖里区", "--effective-on", "2025-01-10")
    assert out.exit_code == 0, out.output
    early = cli("member", "transfer-in", member_id, "--at", cli.tree.village)
    assert early.exit_code == 1 and "transfer.wrong_destination" in early.output
    back = cli("member", "transfer-in", details.resident_id, "--at", cli.tree.township2)
    assert back.exit_code == 0, back.output

    history = cli("member", "history", member_id)
    assert history.exit_code == 0, history.output
    rows = [line for line in history.output.splitlines() if re.match(r"^│\s*\d+\s*│", line)]
    assert len(rows) == 3
    for row, event in zip(rows, ("入会", "转出", "转入"), strict=True):
        assert event in row and "official-7" in row
    assert "工作地变更到湖里区" in rows[1] and "接转中" in rows[1]
    assert "殿前街道工会" in rows[2] and "在册" in rows[2] and "2025-01-10" in rows[1]
    assert details.name not in history.output


def test_a_bad_resident_id_prints_the_error_code_and_exits_1_with_nothing_stored(cli):
    details = person(random.Random(12))
    before = _stored_events(cli.settings)
    bad = details.resident_id[:17] + ("0" if details.resident_id[17] != "0" else "1")
    result = _join(cli, replace(details, resident_id=bad))
    assert result.exit_code == 1
    assert "resident_id.check_char" in result.output and "field=resident_id" in result.output
    assert "身份证号码校验码错误" in result.output and "Traceback" not in result.output
    assert _stored_events(cli.settings) == before
    missing = cli("member", "show", "--resident-id", details.resident_id)
    assert missing.exit_code == 1 and "membership.not_found" in missing.output


def test_revealing_personal_data_shows_it_and_writes_the_access_log(cli):
    details = person(random.Random(13))
    member_id = re.search(r"member id: (\S+)", _join(cli, details).output).group(1)
    shown = cli("member", "show", member_id, "--reveal", "--purpose", "核对会员身份")
    assert shown.exit_code == 0, shown.output
    assert details.name in shown.output and details.resident_id in shown.output
    rows = _raw_rows(cli.settings, "SELECT subject, role, member_id, endpoint, purpose "
                                   "FROM api_access_log")
    assert rows == [("official-7", "cli", member_id, "cli: member show --reveal", "核对会员身份")]


def test_the_demo_command_loads_a_small_ledger_once_and_refuses_a_second_time(tmp_path):
    runner = CliRunner()
    args = ["demo", "--members", "60", "--seed", "5", "--data-dir", str(tmp_path / "d")]
    first = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert first.exit_code == 0, first.output
    assert "已载入 60 名会员" in first.output and "TransferredIn" in first.output
    loaded = _stored_events(Settings(data_dir=tmp_path / "d"))
    second = runner.invoke(app, args, env={"COLUMNS": "200"})
    assert second.exit_code == 1
    assert "demo.ledger_not_empty" in second.output and "Traceback" not in second.output
    assert _stored_events(Settings(data_dir=tmp_path / "d")) == loaded > 0


def test_a_union_added_under_its_approving_parent_is_shown_with_its_ancestors(cli):
    code = union_code(random.Random(21), "350203")
    refused = cli("union", "add", "--code", code, "--name", "中华街道莲花社区工会",
                  "--kind", "village", "--level", "village", "--region", "350203001002",
                  "--parent", cli.tree.township, "--approved-by", cli.tree.county)
    assert refused.exit_code == 1 and "union.approval_not_by_parent" in refused.output
    added = cli("union", "add", "--code", code, "--name", "中华街道莲花社区工会",
                "--kind", "village", "--level", "village", "--region", "350203001002",
                "--parent", cli.tree.township)
    assert added.exit_code == 0, added.output
    shown = cli("union", "show", code)
    assert shown.exit_code == 0, shown.output
    chain = shown.output[shown.output.index("上级链"):]
    assert chain.index("中华街道工会") < chain.index("思明区总工会") < chain.index("中华全国总工会")
    assert "村(社区)级" in shown.output and "正常" in shown.output

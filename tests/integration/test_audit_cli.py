"""`union-ledger union history | changes` and `union-ledger audit-report` as an auditor runs
them, on SQLite and PostgreSQL."""

from __future__ import annotations

import random
from datetime import date
from io import BytesIO

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import app
from api.cli.common import console
from tests.builders import build_tree, join_request, person

runner = CliRunner()


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch):
    # tables fold long member ids in a narrow terminal; the assertions read them whole
    monkeypatch.setattr(console, "width", 200)


def _args(settings):
    if settings.is_postgres:
        return ["--database-url", settings.database_url]
    return ["--data-dir", str(settings.data_dir)]


def _env(settings):
    return {"UNION_LEDGER_SECRET_KEY": settings.secret_key or "",
            "UNION_LEDGER_MASTER_KEY": settings.master_key or "",
            "UNION_LEDGER_TOKEN_SECRET": settings.token_secret or ""}


def _cli(settings, *args):
    return runner.invoke(app, [*args, *_args(settings)], env=_env(settings))


def test_an_auditor_lists_a_union_history_and_its_roster_changes_from_the_shell(runtime):
    tree = build_tree(runtime.ledger)
    details = person(random.Random(1))
    mid = runtime.ledger.join(join_request(details, tree.village,
                                           effective_on=date(2026, 3, 1))).id
    runtime.ledger.dissolve_union(tree.village, recorded_by="county-1", reason="社区合并",
                                  effective_on="2026-06-01")
    hist = _cli(runtime.settings, "union", "history", tree.village)
    assert hist.exit_code == 0, hist.output
    assert "建立工会" in hist.output and "撤销工会" in hist.output and "社区合并" in hist.output
    changes = _cli(runtime.settings, "union", "changes", tree.village, "--from", "2026-05-01",
                   "--to", "2026-12-31")
    assert changes.exit_code == 0, changes.output
    assert "本会撤销" in changes.output and mid in changes.output
    assert "共 1 条" in changes.output
    bad = _cli(runtime.settings, "union", "changes", tree.village, "--from", "2026-13-01")
    assert bad.exit_code == 1 and "date.format" in bad.output


def test_audit_report_writes_a_masked_xlsx_and_an_html_with_the_chain_hash(runtime, tmp_path):
    tree = build_tree(runtime.ledger)
    details = person(random.Random(2))
    mid = runtime.ledger.join(join_request(details, tree.township,
                                           effective_on=date(2026, 3, 1))).id
    xlsx, html = tmp_path / "m.xlsx", tmp_path / "u.html"
    made = _cli(runtime.settings, "audit-report", "--member", mid, "--out", str(xlsx))
    assert made.exit_code == 0, made.output
    wb = load_workbook(BytesIO(xlsx.read_bytes()))
    assert [r[1] for r in wb["事件"].iter_rows(min_row=2, values_only=True)] == ["入会"]
    assert details.resident_id not in str(list(wb["概要"].values))
    made = _cli(runtime.settings, "audit-report", "--union", tree.township, "--from",
                "2026-01-01", "--to", "2026-12-31", "--out", str(html))
    assert made.exit_code == 0, made.output
    chain_hash = made.output.split("链哈希")[-1].split()[0]
    assert len(chain_hash) == 64 and chain_hash in html.read_text(encoding="utf-8")
    revealed = _cli(runtime.settings, "audit-report", "--member", mid, "--out", str(xlsx),
                    "--reveal", "--purpose", "专项审计", "--actor", "auditor-9")
    assert revealed.exit_code == 0, revealed.output
    wb = load_workbook(BytesIO(xlsx.read_bytes()))
    assert details.resident_id in str(list(wb["概要"].values))
    assert [(r[2], r[7]) for r in wb["查阅日志"].iter_rows(min_row=2, values_only=True)] == [
        ("auditor-9", "专项审计")]
    wrong = _cli(runtime.settings, "audit-report", "--member", mid, "--out",
                 str(tmp_path / "x.pdf"))
    assert wrong.exit_code == 1 and "report.format" in wrong.output


def test_after_erasure_member_history_lists_every_event_and_verify_still_passes(runtime,
                                                                               tmp_path):
    tree = build_tree(runtime.ledger)
    details = person(random.Random(3))
    mid = runtime.ledger.join(join_request(details, tree.township,
                                           effective_on=date(2026, 3, 1))).id
    runtime.ledger.retain(mid, cause="retirement", recorded_by="o", effective_on="2026-04-01")
    key, digest = tmp_path / "k.pem", tmp_path / "digest.json"
    assert runner.invoke(app, ["keygen", "--key", str(key)]).exit_code == 0
    assert _cli(runtime.settings, "seal", "--key", str(key), "--out", str(digest)).exit_code == 0
    runtime.ledger.erase_personal_data(mid, recorded_by="dpo", reason="本人申请删除")
    hist = _cli(runtime.settings, "member", "history", mid)
    assert hist.exit_code == 0, hist.output
    assert "入会" in hist.output and "保留会籍" in hist.output and "个人信息删除" in hist.output
    assert "个人信息（已删除）" in hist.output and details.name not in hist.output
    ok = _cli(runtime.settings, "verify", "--digest", str(digest))
    assert ok.exit_code == 0 and "OK" in ok.output, ok.output

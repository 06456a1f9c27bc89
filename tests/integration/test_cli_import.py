"""`union-ledger import` as an official runs it: template, dry run with a report, real run,
re-run; on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import random
from datetime import date

from openpyxl import load_workbook
from typer.testing import CliRunner

from api.cli import app
from api.wiring import build_runtime
from tests.builders import build_tree
from tests.import_sheets import valid_row, xlsx_bytes


def _setup(settings):
    rt = build_runtime(settings, today=date.today)
    try:
        return build_tree(rt.ledger)
    finally:
        rt.close()


def _run(settings, *args: str):
    env = {"COLUMNS": "200", "UNION_LEDGER_ACTOR": "official-7"}
    where = ["--data-dir", str(settings.data_dir)]
    if settings.is_postgres:
        where = ["--database-url", settings.database_url]
        env.update(UNION_LEDGER_SECRET_KEY=settings.secret_key,
                   UNION_LEDGER_MASTER_KEY=settings.master_key,
                   UNION_LEDGER_TOKEN_SECRET=settings.token_secret)
    return CliRunner().invoke(app, ["import", *args, *where], env=env)


def _joined(settings) -> int:
    rt = build_runtime(settings)
    try:
        return len(rt.ledger.recorder.select_notifications(
            1, 10**6, topics=["domain.membership:Membership.Joined"]))
    finally:
        rt.close()


def test_an_official_dry_runs_imports_and_reimports_a_sheet_from_the_shell(settings, tmp_path):
    tree = _setup(settings)
    rng = random.Random(21)
    rows = [valid_row(rng) for _ in range(30)]
    rows[4] = rows[4] | {"phone": "999"}
    sheet = tmp_path / "登记表.xlsx"
    sheet.write_bytes(xlsx_bytes(rows))
    out = tmp_path / "report.xlsx"

    dry = _run(settings, str(sheet), "--union", tree.township, "--channel", "mobile_window",
               "--dry-run", "--report", str(out))
    assert dry.exit_code == 1, dry.output
    assert "错误 1" in dry.output and "phone.format" in dry.output and _joined(settings) == 0
    ws = load_workbook(io.BytesIO(out.read_bytes()))["导入结果"]
    row6 = [c.value for c in ws[6]]  # report rows follow the sheet's rows
    assert (row6[0], row6[3], row6[4]) == (6, "错误", "phone.format")

    real = _run(settings, str(sheet), "--union", tree.township, "--channel", "mobile_window")
    assert real.exit_code == 1 and "本次登记 29" in real.output
    again = _run(settings, str(sheet), "--union", tree.township, "--channel", "mobile_window")
    assert "本次登记 0" in again.output and "此前已登记 29" in again.output
    assert _joined(settings) == 29


def test_the_template_command_writes_the_blank_template(settings, tmp_path):
    out = tmp_path / "模板.xlsx"
    result = _run(settings, "--template", str(out))
    assert result.exit_code == 0, result.output
    assert load_workbook(out).active["D1"].value == "职业群体"


def test_an_unknown_union_is_refused_with_its_code_and_exit_1(settings, tmp_path):
    _setup(settings)
    sheet = tmp_path / "a.csv"
    sheet.write_bytes("姓名,公民身份号码,职业群体,就业形态\n".encode())
    result = _run(settings, str(sheet), "--union", "91350203MA2XXXXX0X")
    assert result.exit_code == 1 and "code=" in result.output

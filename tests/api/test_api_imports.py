"""Collective registration over HTTP: upload a sheet, poll progress, download the report and
the template; scoped like other union writes. SQLite and PostgreSQL."""

from __future__ import annotations

import io
import random

from openpyxl import load_workbook

from tests.api.conftest import assert_problem
from tests.import_sheets import valid_row, xlsx_bytes

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload(client, headers, code, data, **form):
    return client.post(f"/unions/{code}/imports", headers=headers,
                       files={"file": ("登记表.xlsx", data, XLSX)}, data=form)


def finished(client, headers, location):
    """Polls until the background import ends (bounded by the test timeout, not a clock)."""
    while True:
        body = client.get(location, headers=headers).json()
        if body["status"] != "running":
            return body


def test_an_official_uploads_a_sheet_polls_progress_and_downloads_the_report(
        client, auth, tree):
    headers = auth("union_official", "township")
    rng = random.Random(31)
    rows = [valid_row(rng) for _ in range(40)] + [valid_row(rng) | {"worker_group": "宇航员"}]
    resp = upload(client, headers, tree.township, xlsx_bytes(rows), channel="ceremony")
    assert resp.status_code == 202, resp.text
    body = finished(client, headers, resp.headers["Location"])
    assert (body["status"], body["rows"], body["done"], body["recorded"], body["errors"]) == (
        "done", 41, 41, 40, 1)

    report = client.get(f"{resp.headers['Location']}/report.xlsx", headers=headers)
    assert report.status_code == 200 and report.headers["content-type"] == XLSX
    ws = load_workbook(io.BytesIO(report.content))["导入结果"]
    assert [c.value for c in ws[42]][3:5] == ["错误", "worker_group.unknown"]

    again = upload(client, headers, tree.township, xlsx_bytes(rows), channel="ceremony")
    body = finished(client, headers, again.headers["Location"])
    assert (body["recorded"], body["already_registered"]) == (0, 40)


def test_a_dry_run_upload_records_nothing(client, auth, tree, runtime):
    headers = auth("union_official", "township")
    before = runtime.ledger.recorder.max_notification_id()
    resp = upload(client, headers, tree.township, xlsx_bytes([valid_row(random.Random(32))]),
                  dry_run="true")
    body = finished(client, headers, resp.headers["Location"])
    assert (body["status"], body["dry_run"], body["recorded"]) == ("done", True, 0)
    assert runtime.ledger.recorder.max_notification_id() == before


def test_an_unreadable_file_fails_the_job_with_its_reason(client, auth, tree):
    headers = auth("union_official", "township")
    resp = upload(client, headers, tree.township, b"PK\x03\x04 not really a workbook")
    body = finished(client, headers, resp.headers["Location"])
    assert body["status"] == "failed" and body["error"]["code"] == "import.bad_xlsx"
    assert_problem(client.get(f"{resp.headers['Location']}/report.xlsx", headers=headers), 409,
                   "import.not_done")


def test_uploads_are_scoped_like_other_union_writes(client, auth, tree):
    data = xlsx_bytes([valid_row(random.Random(33))])
    assert_problem(upload(client, auth("union_official", "county2"), tree.township, data), 403)
    assert_problem(upload(client, auth("auditor", "county"), tree.township, data), 403)
    resp = upload(client, auth("union_official", "township"), tree.township, data)
    finished(client, auth("union_official", "township"), resp.headers["Location"])
    # progress is visible to readers of that union only
    assert_problem(client.get(resp.headers["Location"], headers=auth("auditor", "county2")), 403)
    assert client.get(resp.headers["Location"], headers=auth("auditor", "county")).status_code \
        == 200
    assert_problem(client.get("/imports/unknown", headers=auth("national_admin")), 404,
                   "import.not_found")


def test_a_channel_that_is_not_a_bulk_channel_is_refused_at_upload(client, auth, tree):
    resp = upload(client, auth("union_official", "township"), tree.township,
                  xlsx_bytes([valid_row(random.Random(34))]), channel="online")
    assert_problem(resp, 422, "import.channel")


def test_the_template_downloads_for_any_signed_in_caller(client, auth):
    resp = client.get("/imports/template.xlsx", headers=auth("auditor", "county"))
    assert resp.status_code == 200 and resp.headers["content-type"] == XLSX
    assert load_workbook(io.BytesIO(resp.content)).active["A1"].value == "姓名"
    assert_problem(client.get("/imports/template.xlsx"), 401)


def test_a_job_and_its_report_outlive_the_api_process_that_ran_it(client, auth, tree, runtime):
    """Another API process on the same database (a second worker, or after a restart)
    answers for the job and serves its report."""
    from fastapi.testclient import TestClient

    from api.http.app import create_app

    headers = auth("union_official", "township")
    rng = random.Random(35)
    rows = [valid_row(rng) for _ in range(5)] + [valid_row(rng) | {"worker_group": "宇航员"}]
    resp = upload(client, headers, tree.township, xlsx_bytes(rows))
    body = finished(client, headers, resp.headers["Location"])
    store = client.app.state.ctx.reads
    with TestClient(create_app(runtime.settings, runtime=runtime,
                               read_side=(store.store, None))) as other:
        assert other.get(resp.headers["Location"], headers=headers).json() == body
        report = other.get(f"{resp.headers['Location']}/report.xlsx", headers=headers)
        assert report.status_code == 200
        ws = load_workbook(io.BytesIO(report.content))["导入结果"]
        assert [c.value for c in ws[7]][3:5] == ["错误", "worker_group.unknown"]
        assert ws.max_row == 7


def test_a_job_whose_process_died_is_reported_interrupted_not_running(client, auth, tree):
    from datetime import UTC, datetime, timedelta

    ctx = client.app.state.ctx
    ctx.import_jobs.start("d1ed", tree.township, "collective_registration", False, "o")
    stale = (datetime.now(UTC) - timedelta(minutes=6)).isoformat()
    ctx.import_jobs.db.execute("UPDATE api_import_jobs SET updated_at=? WHERE id='d1ed'",
                               (stale,))
    body = client.get("/imports/d1ed", headers=auth("union_official", "township")).json()
    assert body["status"] == "interrupted" and body["error"]["code"] == "import.interrupted"
    assert "重新上传同一文件" in body["error"]["message"]

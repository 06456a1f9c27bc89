"""The dashboard in headless Chromium against a real `serve --demo` process: sign in with a
demo token, charts drawn, drill-down to a village roster, the as-of picker, XLSX export."""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page

from tests.e2e.conftest import shot

pytestmark = pytest.mark.e2e
LEVELS = ("市级", "县级", "乡镇(街道)级", "村(社区)级")


def sign_in_as(page: Page, who: str) -> None:
    page.goto("/dashboard")
    assert "/dashboard/signin" in page.url
    page.click(f"button[data-demo={who}]")
    page.wait_for_selector("#kpis")


def kpi(page: Page, name: str) -> int:
    return int(page.get_attribute(f"[data-kpi={name}]", "data-n") or "-1")


def charts_drawn(page: Page) -> int:
    """Waits until every chart is drawn; returns how many plotted marks they hold."""
    page.wait_for_function("document.querySelectorAll('.chart').length > 0 && "
                           "[...document.querySelectorAll('.chart')]"
                           ".every(el => el.dataset.rendered === '1')")
    return page.locator(".chart .point, .chart .slice, .chart .scatterlayer .trace").count()


def test_signing_in_with_a_demo_token_shows_the_overview_with_drawn_charts(page: Page) -> None:
    page.goto("/dashboard")
    shot(page, "01-signin")
    sign_in_as(page, "national_admin")
    assert charts_drawn(page) > 10
    assert page.locator(".chart").count() == 4
    assert kpi(page, "holding") > 0
    assert page.locator("h1.page-title").inner_text().startswith("中华全国总工会")
    # the group chart's bars carry the same numbers as the table beside it
    assert page.locator("#chart-groups .point").count() == 5
    shot(page, "02-overview-national")


def test_drilling_down_from_a_province_to_a_village_union_roster(page: Page) -> None:
    sign_in_as(page, "national_admin")
    page.click("#to-children")
    charts_drawn(page)
    page.locator("table[data-table=children] tbody tr td:first-child a").first.click()
    page.wait_for_selector("h1.page-title")
    assert "省总工会" in page.locator("h1.page-title").inner_text()
    shot(page, "03-drill-province")
    for level in LEVELS:
        rows = page.locator("table[data-table=children] tbody tr")
        target = None
        for i in range(rows.count()):
            cells = rows.nth(i).locator("td")
            if cells.nth(1).inner_text() == level and int(
                    cells.nth(3).get_attribute("data-n") or 0) > 0:
                target = cells.nth(0).locator("a")
                break
        assert target is not None, f"no {level} union with members under {page.url}"
        target.click()
        page.wait_for_url(re.compile(r"/children"))
        page.wait_for_selector("h1.page-title")
        shot(page, f"04-drill-{LEVELS.index(level)}")
    assert page.locator(".crumbs a").count() >= 5  # 全国 › 省 › 市 › 县 › 乡镇
    page.click("#to-roster")
    page.wait_for_selector("table[data-table=roster]")
    names = page.locator("table[data-table=roster] tbody tr td:first-child").all_inner_texts()
    assert names and all("*" in n for n in names)
    ids = page.locator("table[data-table=roster] tbody tr td:nth-child(2)").all_inner_texts()
    assert ids and all(re.fullmatch(r"\d{4}\*{10}\d{3}[\dX]", i) for i in ids)
    shot(page, "05-village-roster")


def test_changing_the_as_of_date_changes_the_numbers(page: Page) -> None:
    sign_in_as(page, "province_official")
    charts_drawn(page)
    now = kpi(page, "holding")
    page.fill("#as_of", "2023-06-30")
    page.click("#asof-form button[type=submit]")
    page.wait_for_url(re.compile(r"as_of=2023-06-30"))
    charts_drawn(page)
    then = kpi(page, "holding")
    assert 0 < then < now
    assert "数据截至 2023-06-30" in page.locator(".asof-note").inner_text()
    # the date carries over to the drill-down
    page.click("#to-children")
    page.wait_for_url(re.compile(r"/children\?as_of=2023-06-30"))
    shot(page, "06-asof-children")


def test_export_downloads_a_valid_xlsx_with_the_page_numbers(page: Page, tmp_path) -> None:
    sign_in_as(page, "national_admin")
    shown = {r.locator("td").nth(0).inner_text(): int(r.locator("td").nth(1)
                                                      .get_attribute("data-n") or -1)
             for r in page.locator("table[data-table=channels] tbody tr").all()}
    with page.expect_download() as dl:
        page.click("#export-channels")
    path = tmp_path / "channels.xlsx"
    dl.value.save_as(path)
    ws = load_workbook(path).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[1] == ("入会方式", "会员人数")
    assert {r[0]: r[1] for r in rows[2:2 + len(shown)]} == shown
    assert sum(shown.values()) == kpi(page, "holding")
    page.click(".nav a[href^='/dashboard/platforms']")
    page.wait_for_selector("table[data-table=platforms]")
    assert page.locator("table[data-table=platforms] tbody tr").count() > 0
    shot(page, "08-platforms")


def test_a_township_official_is_refused_a_province_page(page: Page) -> None:
    sign_in_as(page, "national_admin")
    page.click("#to-children")
    province = page.locator("table[data-table=children] tbody tr td:first-child a").first
    href = province.get_attribute("href") or ""
    page.click("#signout")
    page.wait_for_url(re.compile(r"/dashboard/signin"))
    sign_in_as(page, "township_official")
    resp = page.goto(href)
    assert resp is not None and resp.status == 403
    assert "无权查看" in page.locator("h1").inner_text()
    shot(page, "07-township-refused")

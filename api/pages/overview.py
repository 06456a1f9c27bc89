"""The overview page of a union: members by status, key worker groups, joining channels, the
monthly trend, transfers in transit, and campaign progress when there are campaigns."""

from __future__ import annotations

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse

from api.pages.render import PageRoute, parse_as_of, report_page
from api.pages.report import Report
from api.pages.session import Reader

router = APIRouter(prefix="/dashboard", route_class=PageRoute, include_in_schema=False)
UnionCode = Path(max_length=40)


@router.get("/unions/{code}", response_class=HTMLResponse)
def overview(request: Request, viewer: Reader, code: str = UnionCode,
             as_of: str | None = None) -> HTMLResponse:
    report = Report(viewer, code, parse_as_of(as_of))
    campaigns = report.campaigns()
    return report_page(
        request, report, "overview.html", "overview", title=f"{report.union['name']} · 概览",
        totals=report.subtree, status=report.status(), groups=report.groups(),
        channels=report.channels(), trend=report.trend(), transit=report.transit(),
        campaigns=campaigns if campaigns.rows else None, charts=report.overview_charts())

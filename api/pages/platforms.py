"""Platform coverage: which platform enterprises and their subsidiaries and branches have
unions, and how many members each union holds, within the reader's scope."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.pages.render import PageRoute, parse_as_of, report_page
from api.pages.report import Report
from api.pages.session import Reader

router = APIRouter(prefix="/dashboard", route_class=PageRoute, include_in_schema=False)


@router.get("/platforms", response_class=HTMLResponse)
def platforms(request: Request, viewer: Reader, as_of: str | None = None) -> HTMLResponse:
    report = Report(viewer, viewer.home, parse_as_of(as_of))
    return report_page(request, report, "platforms.html", "platforms", title="平台企业建会情况",
                       data=report.platforms())

"""Drill-down pages: a union's child unions (table and chart, each row leading further down)
and a union's roster with personal data masked, both as of the chosen date."""

from __future__ import annotations

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse

from api.pages.render import PageRoute, parse_as_of, report_page
from api.pages.report import Report
from api.pages.session import Reader

router = APIRouter(prefix="/dashboard", route_class=PageRoute, include_in_schema=False)
UnionCode = Path(max_length=40)


@router.get("/unions/{code}/children", response_class=HTMLResponse)
def children(request: Request, viewer: Reader, code: str = UnionCode,
             as_of: str | None = None) -> HTMLResponse:
    report = Report(viewer, code, parse_as_of(as_of))
    table = report.children()
    chart = report.children_chart() if table.rows else None
    return report_page(request, report, "children.html", "children",
                       title=f"{report.union['name']} · 下级工会", totals=report.subtree,
                       data=table, charts={"children": chart} if chart else None)


@router.get("/unions/{code}/roster", response_class=HTMLResponse)
def roster(request: Request, viewer: Reader, code: str = UnionCode, as_of: str | None = None,
           subtree: bool = False, cursor: str | None = Query(default=None, max_length=200)
           ) -> HTMLResponse:
    report = Report(viewer, code, parse_as_of(as_of))
    table, nxt = report.roster(subtree=subtree, cursor=cursor)
    more = report.link(f"/dashboard/unions/{report.code}/roster", subtree=int(subtree),
                       cursor=nxt) if nxt else None
    first = report.link(f"/dashboard/unions/{report.code}/roster", subtree=int(subtree)) \
        if cursor else None
    return report_page(request, report, "roster.html", "roster", keep={"subtree": int(subtree)},
                       title=f"{report.union['name']} · 会员名册", data=table,
                       subtree=subtree, more=more, first=first, totals=report.subtree,
                       export=report.export_url("roster", subtree=int(subtree)))

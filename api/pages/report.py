"""One union's dashboard data for one reader and date: counts, flows, transfers, campaigns,
children, roster and platform coverage, as Tables and chart figures (shared by pages and XLSX)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import cached_property
from typing import Any

from api.pages import charts
from api.pages.render import url
from api.pages.session import Viewer
from api.pages.tables import (
    Table,
    campaigns_table,
    channels_table,
    children_table,
    groups_table,
    platforms_table,
    roster_table,
    status_table,
    transit_table,
    trend_table,
)
from domain.errors import LedgerError
from domain.values.region import region_covers
from projections.reports import Reports

ROSTER_PAGE = 50


class Report:
    def __init__(self, viewer: Viewer, code: str, as_of: date | None) -> None:
        self.viewer = viewer
        self.union = viewer.union(code)  # 403 outside the reader's scope, 404 unknown
        self.code = self.union["code"]
        self.store = viewer.ctx.reads.need_store()
        self.reports = Reports(self.store.db)
        self.today: date = viewer.ctx.runtime.ledger.today()
        self.as_of = as_of
        self.on = as_of or self.today
        self.overdue_days = int(viewer.ctx.runtime.settings.transfer_overdue_days)

    def link(self, path: str, **params: Any) -> str:
        return url(path, as_of=self.as_of and self.as_of.isoformat(), **params)

    def nav(self, code: str | None = None) -> dict[str, str]:
        c = code or self.code
        return {"overview": self.link(f"/dashboard/unions/{c}"),
                "children": self.link(f"/dashboard/unions/{c}/children"),
                "roster": self.link(f"/dashboard/unions/{c}/roster", subtree=1),
                "platforms": self.link("/dashboard/platforms")}

    def export_url(self, table: str, **params: Any) -> str:
        return self.link(f"/dashboard/export/{table}.xlsx", union=self.code, **params)

    def crumbs(self) -> list[dict[str, str | None]]:
        """From the reader's own union down to this one (ancestors above the scope hidden)."""
        chain = [self.union]
        if self.code != self.viewer.home:
            for a in self.store.ancestors(self.code):
                chain.append(a)
                if a["code"] == self.viewer.home:
                    break
        chain.reverse()
        return [{"name": u["name"], "href": self.link(f"/dashboard/unions/{u['code']}/children")
                 if u["code"] != self.code else None} for u in chain]

    # -- counts ------------------------------------------------------------------------

    @cached_property
    def counts(self) -> dict[str, Any]:
        return dict(self.store.counts(self.code, as_of=self.as_of))

    @property
    def subtree(self) -> dict[str, Any]:
        return self.counts["subtree"]  # type: ignore[no-any-return]

    def status(self) -> Table:
        return status_table(self.subtree)

    def groups(self) -> Table:
        return groups_table(self.subtree["cells"])

    def channels(self) -> Table:
        return channels_table(self.subtree["cells"])

    def trend(self) -> Table:
        return trend_table(self.flows)

    @cached_property
    def flows(self) -> list[dict[str, Any]]:
        return self.reports.monthly_flows(self.code, as_of=self.on)

    def transit(self) -> Table:
        summary = self.reports.in_transit(
            self.code, as_of=self.as_of,
            overdue_before=self.on - timedelta(days=self.overdue_days))
        return transit_table(summary, self.overdue_days)

    def campaigns(self) -> Table:
        rows = self.reports.campaign_joins(self.code, as_of=self.on)
        for r in rows:
            r.update(self._campaign(r["campaign_id"]))
        return campaigns_table(rows)

    def _campaign(self, campaign_id: str) -> dict[str, Any]:
        """Name and total target of a Campaign aggregate, when the ledger has one; the target is
        shown only where the subtree holds the whole campaign (its organiser or above)."""
        ledger = self.viewer.ctx.runtime.ledger
        try:
            c = ledger.get_campaign(campaign_id)
        except (AttributeError, LedgerError):  # no Campaign aggregate (yet) for this id
            return {}
        organiser = c.organiser_code
        whole = organiser == self.code or self.code in self.viewer.ctx.reads.ancestor_codes(
            organiser)
        return {"name": c.name, "target": sum(c.targets.values()) if whole else None}

    # -- drill-down --------------------------------------------------------------------

    @cached_property
    def child_rows(self) -> list[dict[str, Any]]:
        return list(self.store.child_counts(self.code, as_of=self.as_of))

    def children(self) -> Table:
        links = []
        for c in self.child_rows:
            code = c["union_code"]
            links.append({0: self.link(f"/dashboard/unions/{code}/children"),
                          3: self.link(f"/dashboard/unions/{code}/roster", subtree=1)})
        return children_table(self.child_rows, links)

    def roster(self, *, subtree: bool, cursor: str | None) -> tuple[Table, str | None]:
        rows, nxt = self.store.roster(self.code, subtree=subtree, as_of=self.as_of,
                                      cursor=cursor or None, limit=ROSTER_PAGE)
        names = {self.code: self.union["name"]}
        for code in {r["union_code"] for r in rows} - set(names):
            u = self.store.union(code)
            names[code] = u["name"] if u else code
        return roster_table(rows, names), nxt

    # -- platform coverage -------------------------------------------------------------

    def platforms(self) -> Table:
        guard = self.viewer.guard
        national = guard.role == "national_admin" or self.union.get("level") == "national"
        rows = []
        for e in self.reports.platform_employers():
            mine = national or (e["union_code"] and guard.in_scope(e["union_code"])) or \
                region_covers(self.union["region_code"], e["region_code"])
            if not mine:
                continue
            if e["union_code"] and guard.in_scope(e["union_code"]):
                c = self.store.counts(e["union_code"], as_of=self.as_of)
                e = dict(e, members=c["self"]["holding"], subtree_members=c["subtree"]["holding"])
            rows.append(e)
        return platforms_table(rows)

    # -- charts ------------------------------------------------------------------------

    def overview_charts(self) -> dict[str, Any]:
        st, gr, ch = self.status(), self.groups(), self.channels()
        return {
            "status": charts.donut([r[0] for r in st.rows if r[1]],
                                   [r[1] for r in st.rows if r[1]]),
            "groups": charts.bars([r[0] for r in gr.rows], [r[1] for r in gr.rows],
                                  color=charts.PALETTE[1]),
            "channels": charts.bars([r[0] for r in ch.rows], [r[1] for r in ch.rows],
                                    horizontal=True, color=charts.PALETTE[2]),
            "trend": charts.trend(self.flows),
        }

    def children_chart(self) -> dict[str, Any]:
        t = self.children()
        labels = [r[0] for r in t.rows]
        return charts.stacked(labels, {h: [r[i] for r in t.rows] for i, h in
                                       ((4, "在册"), (5, "保留会籍"), (6, "接转中"))})


#: export name → how to build that table (the same builders the pages use)
EXPORTS = {"status": Report.status, "groups": Report.groups, "channels": Report.channels,
           "trend": Report.trend, "transit": Report.transit, "campaigns": Report.campaigns,
           "children": Report.children, "platforms": Report.platforms}

"""Helpers for dashboard page tests: a small membership history on the builder tree, signing in
through the sign-in form, and reading the numbers a page shows (data-n attributes)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from typing import Any

from fastapi.testclient import TestClient

from api.http.auth import mint_token
from api.wiring import Runtime
from tests.builders import Tree, join_request, person, self_employed

ACTOR = "official-1"


@dataclass
class History:
    """What was recorded: member ids by union, names, and the last ledger position."""

    members: dict[str, list[str]] = field(default_factory=dict)
    names: list[str] = field(default_factory=list)
    position: int = 0


def record_history(runtime: Runtime, tree: Tree) -> History:
    """14 joins over 2025 in four unions with mixed groups and channels, then a completed
    transfer, one still in transit, a retirement and a withdrawal."""
    ledger, rng, h = runtime.ledger, random.Random(11), History()
    plan = [(tree.village, "courier", "online"), (tree.township, "food_delivery_rider", "ceremony"),
            (tree.township2, "truck_driver", "mobile_window"),
            (tree.industry, "ride_hailing_driver", "collective_registration"),
            (tree.village, "domestic_worker", "onsite_meeting"),
            (tree.township, "other", "union_office"), (tree.village, "courier", "via_platform")]
    for i in range(14):
        union, group, channel = plan[i % len(plan)]
        p = person(rng)
        where = self_employed("350206001001" if union == tree.township2 else "350203001001")
        res = ledger.join(join_request(p, union, group=group, channel=channel, situation=where,
                                       effective_on=date(2025, 1 + i % 10, 5)))
        h.members.setdefault(union, []).append(res.id)
        h.names.append(p.name)
    v = h.members[tree.village]
    ledger.transfer_out(v[0], destination_code=tree.township2, reason="换城市工作",
                        recorded_by=ACTOR, effective_on=date(2025, 11, 1))
    ledger.transfer_in(v[0], union_code=tree.township2, recorded_by=ACTOR,
                       effective_on=date(2025, 11, 10))
    ledger.transfer_out(v[1], destination_code=tree.township2, reason="换城市工作",
                        recorded_by=ACTOR, effective_on=date(2026, 1, 15))
    t = h.members[tree.township]
    ledger.retain(t[0], cause="retirement", recorded_by=ACTOR, effective_on=date(2026, 2, 1))
    h.position = ledger.withdraw(t[1], recorded_by=ACTOR, reason="本人申请",
                                 effective_on=date(2026, 3, 1)).position
    return h


def wait_for_read_side(client: TestClient, position: int) -> None:
    store = client.app.state.ctx.reads.store  # type: ignore[attr-defined]
    assert store.wait_for(position, timeout=20), "the read side did not catch up"


def sign_in(client: TestClient, runtime: Runtime, role: str, scope: str) -> str:
    """Signs in through the form (cookie) and returns the same token for API calls."""
    token = mint_token(runtime.keys["token_secret"], subject=f"{role}-page", role=role,
                       scope=scope, days=1)
    resp = client.post("/dashboard/signin", data={"token": token}, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    return token


class Numbers(HTMLParser):
    """KPI values (data-kpi) and table cells (data-table → row data-key → numbers)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.kpis: dict[str, int] = {}
        self.tables: dict[str, dict[str, list[int]]] = {}
        self._table: str | None = None
        self._row: list[int] | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a: dict[str, Any] = dict(attrs)
        if "data-kpi" in a:
            self.kpis[a["data-kpi"]] = int(a["data-n"])
        if tag == "table" and a.get("data-table"):
            self._table = a["data-table"]
            self.tables[self._table] = {}
        elif tag == "tr" and self._table and a.get("data-key"):
            self._row = self.tables[self._table][a["data-key"]] = []
        elif tag == "td" and self._row is not None and a.get("data-n"):
            self._row.append(int(a["data-n"]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        if tag in ("tr", "table"):
            self._row = None


def page_numbers(client: TestClient, path: str, **params: Any) -> Numbers:
    resp = client.get(path, params={k: v for k, v in params.items() if v is not None})
    assert resp.status_code == 200, resp.text[-500:]
    return Numbers(resp.text)

"""Helpers for the projection tests: a read side on the `runtime`, and the views' expected
contents computed from scratch by loading every aggregate through the ledger's repository."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

import pytest

from api.wiring import Runtime
from domain.history import membership_history
from domain.membership import Membership
from domain.personal import ERASED
from domain.union import Union
from domain.values import mask_name, mask_resident_id
from projections import ReadStore, Runner, open_read_side


@pytest.fixture
def read_side(runtime: Runtime) -> Iterator[tuple[ReadStore, Runner]]:
    """The store with no thread: `wait_for` and `catch_up` project in the caller's thread."""
    store, runner = open_read_side(runtime, start_runner=False)
    yield store, runner
    store.close()


class Replay:
    """Aggregates replayed from the event store; `refresh` reloads only those with new events."""

    def __init__(self) -> None:
        self.members: dict[str, Membership] = {}
        self.unions: dict[str, Union] = {}
        self.position = 0
        self.touched: set[str] = set()  # member ids and union codes changed by the refresh
        #: each member's flows: (union where it happened, effective date, flow kind)
        self.flows: dict[str, list[tuple[str, date, str]]] = {}

    def refresh(self, runtime: Runtime) -> Replay:
        ledger = runtime.ledger
        changed = {n.originator_id for n in ledger.recorder.select_notifications(
            start=self.position + 1, limit=10**9)
            if n.topic.startswith(("domain.membership:", "domain.union:"))}
        self.position = ledger.recorder.max_notification_id() or 0
        self.touched = set()
        for agg_id in changed:
            agg = ledger.repository.get(agg_id)
            if isinstance(agg, Membership):
                self.members[str(agg.id)] = agg
                self.touched.add(str(agg.id))
                self.flows[str(agg.id)] = member_flows(ledger.repository.event_store.get(agg.id))
            elif isinstance(agg, Union):
                self.unions[agg.code] = agg
                self.touched.add(agg.code)
        return self


FLOW = {"Joined": "joins", "TransferredIn": "transfers_in", "TransferredOut": "transfers_out",
        "Withdrew": "withdrawals", "Expelled": "withdrawals"}


def member_flows(events: Iterable[Any]) -> list[tuple[str, date, str]]:
    """From the aggregate's own history: a join or transfer in counts where the member is after
    it; a transfer out, withdrawal or expulsion where the member was before it."""
    out: list[tuple[str, date, str]] = []
    before: str | None = None
    for entry in membership_history(events):
        flow = FLOW.get(entry.type)
        where = entry.union_code if entry.type in ("Joined", "TransferredIn") else before
        if flow and where:
            out.append((where, entry.effective_on, flow))
            campaign = entry.details.get("campaign_id")
            if entry.type == "Joined" and campaign:
                out.append((where, entry.effective_on, "campaign:" + campaign))
        before = entry.union_code
    return out


def chain(unions: dict[str, Union], code: str | None) -> list[str]:
    out: list[str] = []
    while code is not None:
        out.append(code)
        code = unions[code].parent_code
    return out


def expected_directory_row(runtime: Runtime, m: Membership) -> dict[str, Any]:
    row = {
        "union_code": m.union_id, "destination_union_code": m.destination_union_id,
        "status": str(m.status), "since": m.since, "joined_on": m.joined_on,
        "worker_group": m.worker_group, "channel": m.channel, "delegated_to": m.delegated_to,
        "erased": m.erased, "version": m.version,
        **{k: m.employment.get(k) for k in ("relation", "employer_code", "using_unit_code",
                                             "work_region", "residence_region")},
    }
    details = None if m.erased else runtime.vault.open(str(m.id), m.personal)
    if details is None:
        row.update(masked_name=ERASED, masked_resident_id=ERASED, name_key=None)
    else:
        row.update(masked_name=mask_name(details.name),
                   masked_resident_id=mask_resident_id(details.resident_id),
                   name_key=runtime.identity.lookup_key("name", details.name))
    return row


def _table(store: ReadStore, sql: str) -> list[dict[str, Any]]:
    with store.db.read() as tx:
        return tx.dicts(sql)


def assert_views_match_aggregates(runtime: Runtime, store: ReadStore,
                                  replay: Replay | None = None) -> None:
    """Every view equals what the aggregates say, and subtree counts add up at every level.

    Whole tables are compared; the per-row query API is exercised on what changed."""
    replay = (replay or Replay()).refresh(runtime)
    members, unions = replay.members, replay.unions
    # union_tree: registry, and the closure table's ancestors of every union
    rows = {r["code"]: r for r in _table(store, "SELECT * FROM @unions")}
    assert {c: (r["parent_code"], r["name"], r["dissolved"]) for c, r in rows.items()} == {
        c: (u.parent_code, u.name, u.dissolved) for c, u in unions.items()}
    closure = {(r["ancestor"], r["descendant"], r["depth"])
               for r in _table(store, "SELECT * FROM @union_ancestors")}
    assert closure == {(a, c, d) for c in unions for d, a in enumerate(chain(unions, c))}
    for code in replay.touched & unions.keys():
        assert [a["code"] for a in store.ancestors(code)] == chain(unions, code)[1:]
    # member_directory
    directory = {r["member_id"]: r for r in _table(store, "SELECT * FROM @member_directory")}
    assert directory.keys() == members.keys()
    for mid, m in members.items():
        expected = expected_directory_row(runtime, m)
        row = store.member(mid) if mid in replay.touched else directory[mid]
        assert row is not None
        assert {k: row[k] for k in expected} == expected, mid
    # membership_counts: self and subtree cells from the members, at every union
    own: dict[str, Counter[tuple[str, str, str]]] = {c: Counter() for c in unions}
    sub: dict[str, Counter[tuple[str, str, str]]] = {c: Counter() for c in unions}
    for m in members.values():
        cell = (str(m.status), m.worker_group, m.channel)
        own[m.union_id][cell] += 1
        for code in chain(unions, m.union_id):
            sub[code][cell] += 1
    got: dict[tuple[str, str], dict[tuple[str, str, str], int]] = {}
    for r in _table(store, "SELECT * FROM @membership_counts"):
        got.setdefault((r["union_code"], r["scope"]), {})[
            (r["status"], r["worker_group"], r["channel"])] = r["n"]
    for code in unions:
        assert got.get((code, "self"), {}) == dict(+own[code]), code
        assert got.get((code, "subtree"), {}) == dict(+sub[code]), code
    # membership_periods: the open interval is the aggregate's current state, so counts as of
    # the last effective date equal the live counters
    open_rows = {r["member_id"]: r for r in _table(
        store, "SELECT * FROM @membership_periods WHERE valid_to IS NULL")}
    assert open_rows.keys() == members.keys()
    for mid, m in members.items():
        r = open_rows[mid]
        assert (r["union_code"], r["destination_union_code"], r["status"], r["since"],
                r["worker_group"], r["channel"], r["joined_on"]) == (
            m.union_id, m.destination_union_id, str(m.status), m.since, m.worker_group,
            m.channel, m.joined_on), mid
    today = runtime.ledger.today()
    for code in {a for c in replay.touched & unions.keys() for a in chain(unions, c)}:
        now, then = store.counts(code), store.counts(code, as_of=today)
        assert (now["self"]["cells"], now["subtree"]["cells"]) == (
            then["self"]["cells"], then["subtree"]["cells"]), code
    # transfer_inbox
    inbox = {(r["member_id"], r["destination_union_code"], r["from_union_code"])
             for r in _table(store, "SELECT * FROM @transfer_inbox")}
    assert inbox == {(mid, m.destination_union_id, m.union_id) for mid, m in members.items()
                     if str(m.status) == "in_transit"}
    for code in replay.touched & unions.keys():
        assert {r["member_id"] for r in store.inbox(code)} == {
            mid for mid, m in members.items() if m.destination_union_id == code
            and str(m.status) == "in_transit"}
    # membership_flows: each union's monthly counters are its whole subtree's flows (current
    # tree), its daily counters its own
    flows: Counter[tuple[str, str, str, str]] = Counter()
    for mid in members:
        for where, on, kind in replay.flows[mid]:
            flows[(where, "d", on.isoformat(), kind)] += 1
            for code in chain(unions, where):
                flows[(code, "m", on.strftime("%Y-%m"), kind)] += 1
    stored = {(r["union_code"], "m", r["period"], r["kind"]): r["n"] for r in _table(
        store, "SELECT * FROM @membership_flows")}
    stored |= {(r["union_code"], "d", r["period"], r["kind"]): r["n"] for r in _table(
        store, "SELECT * FROM @membership_flow_days")}
    assert stored == dict(+flows)

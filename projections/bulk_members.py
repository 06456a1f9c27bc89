"""Bulk-rebuild fold for the per-member views: member_directory, membership_periods and
membership_counts from ONE state per member (a slotted stand-in the domain's `apply` mutates).

Each person's sealed details are opened once, from the final token, at load time (one keystore
query per chunk; erased people have no key and are never decrypted). Counts are each member's
final cell summed up the final tree: what the live path reaches by moving members (and, on
Reparented, whole subtrees) one event at a time.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from operator import attrgetter, itemgetter
from typing import Any

from projections.base import Item, View
from projections.bulk_load import Part, copy_rows
from projections.bulk_open import Opener
from projections.db import Tx
from projections.member_directory import COLS, EMPLOYMENT, PERSONAL, PURGED, personal_fields
from projections.membership_periods import COLS as PERIOD_COLS
from projections.membership_periods import VALID_FROM, VALID_TO

log = logging.getLogger(__name__)
OPEN_CHUNK = 5000
COUNT_COLS = ("union_code", "scope", "status", "worker_group", "channel", "n")
_DECRYPTS = frozenset({"Membership.Joined", "Membership.DetailsCorrected"})
_NO_PERSONAL = (None,) * (len(PERSONAL) - 1)
_PURGED = tuple(PURGED[c] for c in PERSONAL[:-1])
_personal = itemgetter(*PERSONAL[:-1])
_cell = attrgetter("union_id", "status", "worker_group", "channel")


class State:
    """A membership as the events' `apply` sees it, plus what the directory and periods keep."""

    __slots__ = ("member_id", "status", "union_id", "destination_union_id", "worker_group",
                 "channel", "employment", "personal", "joined_on", "since", "delegated_to",
                 "erased", "campaign_id", "version", "position", "stamp", "sealed", "period")

    def __init__(self, member_id: str) -> None:
        none: Any = None
        self.member_id = member_id
        self.status = self.union_id = self.destination_union_id = self.worker_group = none
        self.channel = self.personal = self.joined_on = self.since = none
        self.delegated_to = self.campaign_id = self.version = self.position = none
        self.stamp = self.period = none
        self.employment: dict[str, Any] = {}
        self.erased = False
        #: None: never sealed; "": purged on erasure; else the token to open at load time
        self.sealed: str | None = None


class MembersFold:
    """Folds member events (and, for the counts, the union tree) for the views it is given."""

    def __init__(self, views: Sequence[View], opener: Opener | None = None) -> None:
        self.views = {v.name: v for v in views}
        self.opener = opener if "member_directory" in self.views else None
        self.kinds = frozenset().union(*(v.kinds for v in views))
        self.periods = "membership_periods" in self.views
        self.states: dict[str, State] = {}
        self.closed: list[tuple[Any, ...]] = []  # closed periods; each open one is on its State
        self.unions: dict[str, list[Any]] = {}  # code -> [agg_id, parent_code]
        self.by_id: dict[str, str] = {}
        self._strings: dict[Any, Any] = {}

    def fold(self, items: list[Item]) -> None:
        states, periods, closed, opener = self.states, self.periods, self.closed, self.opener
        same = self._strings.setdefault
        try:
            self._fold(items, states, periods, closed, opener, same)
        finally:
            if opener is not None:
                opener.flush()  # this page's tokens: opened while the next page is folded

    def _fold(self, items: list[Item], states: dict[str, State], periods: bool,
              closed: list[tuple[Any, ...]], opener: Opener | None, same: Any) -> None:
        for item in items:
            kind, ev = item.kind, item.event
            if kind not in self.kinds:
                continue
            if kind.startswith("Union."):
                self._union(kind, ev)
                continue
            mid = item.member_id
            s = states.get(mid)
            if s is None:
                s = states[mid] = State(mid)
            before = (s.union_id, s.destination_union_id, s.status, s.since, s.worker_group,
                      s.channel, s.joined_on)
            ev.apply(s)  # the domain's own transition, as in the live path
            s.version, s.position, s.stamp = ev.originator_version, item.position, ev.timestamp
            st: Any = s.status
            if st.__class__ is not str:  # the Status member's own str from here on: hashed,
                s.status = st._value_  # compared and written in C (a StrEnum hashes in Python)
            # one copy of each union code, group and channel that many members share (each
            # event brings its own copies). Not of employments: with each worker's own regions
            # they are nearly all distinct (834,223 among 1M members: ~1.5 s to look up, for
            # 17 % fewer dicts)
            u, d, g, c = s.union_id, s.destination_union_id, s.worker_group, s.channel
            s.union_id, s.destination_union_id = same(u, u), same(d, d)
            s.worker_group, s.channel = same(g, g), same(c, c)
            if kind == "Membership.Joined":
                s.campaign_id = ev.campaign_id
            if kind == "Membership.PersonalDataErased":
                s.sealed, s.personal = "", None
            elif kind in _DECRYPTS and ev.personal:
                s.sealed = s.personal = ev.personal
                if opener is not None:
                    opener.send(mid, ev.personal)
            if not periods:
                continue
            # membership_periods: a new interval when any of these changed (_Member.step);
            # the kinds it does not read change none of them
            after = (s.union_id, s.destination_union_id, s.status, s.since, s.worker_group,
                     s.channel, s.joined_on)
            if after == before:
                continue
            start, cur = ev.effective_on, s.period
            if cur is not None:
                start = max(start, cur[VALID_FROM])  # never close an interval before it opened
                cur[VALID_TO] = start
                closed.append(tuple(cur))
            s.period = [mid, cur[1] + 1 if cur else 1, *after, start, None, item.position]

    def _union(self, kind: str, ev: Any) -> None:
        if kind == "Union.Established":
            self.unions[ev.code] = [str(ev.originator_id), ev.parent_code]
            self.by_id[str(ev.originator_id)] = ev.code
        elif kind == "Union.Reparented":
            code = self.by_id.get(str(ev.originator_id))
            if code is not None:
                self.unions[code][1] = ev.parent_code

    def parts(self) -> list[Part]:
        """The directory with the counts, and the periods: two loads that may run side by side
        (they only read the folded states)."""
        out: list[Part] = []
        views = tuple(self.views[n] for n in ("member_directory", "membership_counts")
                      if n in self.views)
        if views:  # the directory's rows are wide, its details opened: weighs double
            out.append(Part(views, self._load_members, size=2 * len(views) * len(self.states)))
        if self.periods:
            out.append(Part((self.views["membership_periods"],), self._load_periods,
                            size=len(self.closed) + len(self.states)))
        return out

    def _load_periods(self, tx: Tx) -> None:
        copy_rows(tx, "membership_periods", PERIOD_COLS, itertools.chain(
            self.closed, (tuple(s.period) for s in self.states.values() if s.period)))

    def _load_members(self, tx: Tx) -> None:
        if "member_directory" in self.views:
            copy_rows(tx, "member_directory", COLS, self._directory(tx))
        if "membership_counts" in self.views:
            self._counts(tx)

    # -- member_directory --------------------------------------------------------------

    def _directory(self, tx: Tx) -> Iterator[tuple[Any, ...]]:
        """Every member's row; sealed details are opened a chunk at a time with one keystore
        query per chunk, the queries running on a thread ahead of the opening."""
        view: Any = self.views["member_directory"]
        vault, identity = view.vault, view.identity
        started = time.perf_counter()
        opened = self.opener.results() if self.opener is not None else {}
        if self.opener is not None:
            log.info("took %d members' opened details from the helper in %.2f s", len(opened),
                     time.perf_counter() - started)
        self.opener = None
        sealed: list[State] = []
        for s in self.states.values():
            if s.sealed:
                got = opened.get(s.member_id)
                if got is not None:  # from the last token sent for it: s.sealed
                    yield _row(tx, s, got)
                else:
                    sealed.append(s)
            else:
                yield _row(tx, s, _PURGED if s.sealed == "" else _NO_PERSONAL)
        chunks = [sealed[i : i + OPEN_CHUNK] for i in range(0, len(sealed), OPEN_CHUNK)]
        with ThreadPoolExecutor(1, thread_name_prefix="rebuild-keys") as pool:
            keys = [pool.submit(vault.keystore.get_many, [s.member_id for s in c])
                    for c in chunks]
            for chunk, wrapped in zip(chunks, keys, strict=True):
                pairs = [(s.member_id, s.sealed or "") for s in chunk]
                for s, details in zip(chunk, vault.open_with(pairs, wrapped.result()),
                                      strict=True):
                    p = personal_fields(identity, s.sealed or "", details)
                    yield _row(tx, s, _personal(p))

    # -- membership_counts -------------------------------------------------------------

    def _counts(self, tx: Tx) -> None:
        chain = self.views["membership_counts"].chain  # type: ignore[attr-defined]
        parents = {code: p for code, (_, p) in self.unions.items()}
        # each member's cell, then each union's cells summed at it and up its chain
        own: dict[str, dict[tuple[Any, ...], int]] = defaultdict(dict)
        for (union, *cell), n in Counter(map(_cell, self.states.values())).items():
            if union is not None:
                own[union][tuple(cell)] = n
        subtree: dict[str, dict[tuple[Any, ...], int]] = defaultdict(dict)
        for union, cells in own.items():
            for code in chain(parents, union):
                acc = subtree[code]
                for rest, n in cells.items():
                    acc[rest] = acc.get(rest, 0) + n
        copy_rows(tx, "mc_unions", ("code", "agg_id", "parent_code"),
                  ((c, a, p) for c, (a, p) in self.unions.items()))
        copy_rows(tx, "membership_counts", COUNT_COLS, itertools.chain(
            ((u, "self", *rest, n) for u, cells in own.items() for rest, n in cells.items()),
            ((u, "subtree", *rest, n) for u, cells in subtree.items()
             for rest, n in cells.items())))


def _row(tx: Tx, s: State, personal: tuple[Any, ...]) -> tuple[Any, ...]:
    return (s.member_id, s.union_id, s.destination_union_id, str(s.status), s.since, s.joined_on,
            s.worker_group, s.channel, *map(s.employment.get, EMPLOYMENT), s.delegated_to,
            s.campaign_id, *personal, s.personal, s.erased, s.version, s.position,
            tx.db.ts(s.stamp))

"""The bulk rebuild's side folds: membership_flows and campaign_progress folded and loaded by the
rebuild's helper process (projections.bulk_open) instead of the rebuilding one (PostgreSQL).

While it reads, decodes and folds, the rebuilding process is bound by its one core, and the
helper opening the directory's sealed details leaves about half of the other idle. These two
views need nothing from the per-member fold: the rebuilding process sends each of their events
as a compact tuple (the few attributes their folds read, `pack`), the helper runs the same folds
over them (`SideFolds`) and, once the staging schema exists, loads their parts into it while
the rebuilding process loads the directory. A helper that fails is replaced in process: the log
is read again for those views alone (`Side.end`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from projections.base import Item, View
from projections.bulk_counters import CampaignFold, FlowsFold
from projections.bulk_load import Part, load_parts
from projections.db import Db, Target

if TYPE_CHECKING:
    from projections.bulk_open import Opener

log = logging.getLogger(__name__)
#: views the helper folds and loads (their folds read only the attributes of `Event`)
SIDE: dict[str, Callable[[Any], Any]] = {
    "membership_flows": FlowsFold,
    "campaign_progress": CampaignFold,
}


class Event(NamedTuple):
    """What FlowFold and campaign_progress.fold read of an event; `on` is the effective date as
    an ordinal (a date pickles at a third of the speed)."""

    originator_id: str
    union_id: str | None
    from_union_id: str | None
    on: Any
    campaign_id: str | None
    worker_group: str | None
    code: str | None
    parent_code: str | None

    @property
    def effective_on(self) -> Any:
        on = self.on
        return date.fromordinal(on) if on.__class__ is int else on


Packed = tuple[Any, ...]  # position, kind, then Event's fields


def pack(items: list[Item]) -> list[Packed]:
    out: list[Packed] = []
    append = out.append
    for i in items:
        d = vars(i.event)
        on = d.get("effective_on")
        append((i.position, i.kind, i.member_id, d.get("union_id"), d.get("from_union_id"),
                on.toordinal() if on.__class__ is date else on, d.get("campaign_id"),
                d.get("worker_group"), d.get("code"), d.get("parent_code")))
    return out


def unpack(rows: list[Packed]) -> list[Item]:
    new = tuple.__new__
    return [Item(r[0], r[1], new(Event, r[2:]), r[2]) for r in rows]


def local_folds(views: Sequence[View]) -> list[tuple[frozenset[str], Any]]:
    return [(v.kinds, SIDE[v.name](v)) for v in views]


class SideFolds:
    """In the helper: the side views' folds, fed with packed events, loaded into the stage."""

    def __init__(self, runtime: Any, names: Sequence[str]) -> None:
        from projections.views import make_views, target_of

        self.db = Db(target_of(runtime.settings))
        self.folds = local_folds([v for v in make_views(self.db, runtime.vault, runtime.identity)
                                  if v.name in names])

    def fold(self, rows: list[Packed]) -> None:
        items = unpack(rows)
        for kinds, f in self.folds:
            f.fold([i for i in items if i.kind in kinds])

    def load(self, stage: str) -> list[str]:
        return load_parts(self.db.target, stage, [p for _, f in self.folds for p in f.parts()])

    def close(self) -> None:
        self.db.close()


class RemoteFold:
    """In the rebuilding process: the fold of the side views, sent to the helper."""

    def __init__(self, opener: Opener, views: Sequence[View]) -> None:
        self.opener = opener
        self.views = list(views)
        self.kinds = frozenset().union(*(v.kinds for v in views))

    def fold(self, items: list[Item]) -> None:
        self.opener.fold(pack(items))

    def parts(self) -> list[Part]:
        return []  # loaded by the helper (Side)


class Side:
    """bulk_load.Remote for the helper's parts; `reread(folds)` folds the log again here (up
    to the same position) should the helper fail."""

    def __init__(self, remote: RemoteFold, reread: Callable[[list[tuple[frozenset[str], Any]]],
                                                              None]) -> None:
        self.remote = remote
        self.reread = reread

    def begin(self, stage: str) -> None:
        self.remote.opener.begin(stage)

    def end(self, target: Target, stage: str) -> list[str]:
        opener = self.remote.opener
        started = time.perf_counter()
        try:
            thawed = opener.loaded()
            log.info("the helper loaded %s (waited %.2f s for it)",
                     ", ".join(v.name for v in self.remote.views), time.perf_counter() - started)
            return thawed
        except RuntimeError as e:
            log.warning("the helper did not load %s (%s): folding them here",
                        ", ".join(v.name for v in self.remote.views), e)
        opener.close()  # nothing more from it: its half-made tables are dropped next
        stage_db = Db(target, stage)
        try:
            with stage_db.tx() as tx:
                for v in self.remote.views:
                    v.drop(tx)
        finally:
            stage_db.close()
        folds = local_folds(self.remote.views)
        self.reread(folds)
        return load_parts(target, stage, [p for _, f in folds for p in f.parts()])

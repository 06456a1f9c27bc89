"""Per-event CPU of the bulk rebuild's parts in the rebuilding process, over real events of an
existing PostgreSQL ledger (e.g. the national one of scripts/gen_national.py --bench-keys).

Usage: .venv/bin/python scripts/bench_rebuild_parts.py --database-url URL [--events N]

Reads the first N notifications as the rebuild does, then times (best of --repeat, this
process's CPU): decoding them, the per-member fold, and writing the batches sent to the helper
process (the side views' packed events, the (member id, token) pairs) by pickle, by marshal's
current version and by marshal's version 2 (projections.bulk_open.pack_list's choice), while the
folds still hold the events' strings, as in a rebuild. Baseline: pickle, in the same run.
"""

from __future__ import annotations

import argparse
import gc
import marshal
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from uuid import UUID

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from api.settings import Settings  # noqa: E402
from api.wiring import build_runtime  # noqa: E402
from projections import open_read_side  # noqa: E402
from projections.base import MEMBERSHIP, Item, kind_of  # noqa: E402
from projections.bulk import MEMBERS  # noqa: E402
from projections.bulk_members import MembersFold  # noqa: E402
from projections.bulk_read import Decoder, pages  # noqa: E402
from projections.bulk_side import SIDE, pack  # noqa: E402

PAGE = 20_000


def best(fn: Callable[[], Any], repeat: int) -> float:
    out = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        fn()
        out = min(out, time.process_time() - started)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--database-url", required=True)
    ap.add_argument("--events", type=int, default=300_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_url=args.database_url, secret_key="a1" * 32,
                            master_key="b2" * 32, token_secret="c3" * 32,
                            data_dir=Path(tmp) / "data")
        rt = build_runtime(settings, create_table=False)
        try:
            _, runner = open_read_side(rt, start_runner=False)
            views = runner.views
            kinds = frozenset().union(*(v.kinds for v in views))
            rows = [r for p in pages(rt.ledger.recorder, kinds, args.events, PAGE, uuids=False)
                    for r in p if r[4] is not None]
            gc.disable()  # as in the rebuild (projections.bulk)
            items: list[Item] = []

            def decode() -> None:
                event = Decoder(rt.ledger.mapper, text_ids=True).event
                items[:] = [Item(pos, kind, event(topic, state, mid if kind.startswith(MEMBERSHIP)
                                                  else UUID(mid), version), mid)
                            for pos, _, version, topic, state, mid in rows
                            for kind in (kind_of(topic),)]

            t_decode = best(decode, args.repeat)
            members = [v for v in views if v.name in MEMBERS]
            folds: list[MembersFold] = []

            def fold() -> None:
                folds[:] = [MembersFold(members, None)]  # the events' strings held, as in a rebuild
                for i in range(0, len(items), PAGE):
                    folds[0].fold(items[i:i + PAGE])

            t_fold = best(fold, args.repeat)
            side = frozenset().union(*(v.kinds for v in views if v.name in SIDE))
            sitems = [i for i in items if i.kind in side]
            packed = [pack(sitems[i:i + PAGE]) for i in range(0, len(sitems), PAGE)]
            t_pack = best(lambda: [pack(sitems[i:i + PAGE])
                                   for i in range(0, len(sitems), PAGE)], args.repeat)
            tokens = [(i.member_id, i.event.personal) for i in items
                      if i.kind == "Membership.Joined" and i.event.personal]
            pairs = [tokens[i:i + PAGE] for i in range(0, len(tokens), PAGE)]
            n = len(rows)
            print(f"{n:,} events ({len(sitems):,} for the side views, {len(tokens):,} tokens)")
            print(f"decode                      {t_decode / n * 1e6:6.2f} µs/event")
            print(f"member fold                 {t_fold / n * 1e6:6.2f} µs/event")
            print(f"pack (side views)           {t_pack / max(len(sitems), 1) * 1e6:6.2f} µs/event")
            writers: dict[str, Callable[[Any], bytes]] = {
                "pickle (baseline)": lambda x: pickle.dumps(x, pickle.HIGHEST_PROTOCOL),
                f"marshal version {marshal.version}": marshal.dumps,
                "marshal version 2": lambda x: marshal.dumps(x, 2),
            }
            base: dict[str, float] = {}
            for what, batches, count in (("packed events", packed, len(sitems)),
                                         ("token pairs", pairs, len(tokens))):
                for name, write in writers.items():
                    t = best(lambda w=write, b=batches: [w(x) for x in b], args.repeat)
                    base.setdefault(what, t)
                    print(f"{what:<14} {name:<19} {t / max(count, 1) * 1e6:6.2f} µs each"
                          f"   ratio to pickle {t / base[what] if base[what] else 0:5.2f}")
            folds.clear()
        finally:
            rt.close()


if __name__ == "__main__":
    main()

"""Reading the whole log for a bulk rebuild: pages of raw notifications, decoded into the
domain's own event objects by the steps of the ledger's mapper, minus its per-event overheads.

`Decoder.event` gives what `mapper.to_domain_event` gives (same class, same attributes, v1
events upcast by the class's own `upcast_*`), so each view's fold still runs the event class's
own `apply`. On PostgreSQL the pages come from one lean query (tuples, binary bytea, the state
only of the kinds some view reads); elsewhere from the recorder's `select_notifications`.
"""

from __future__ import annotations

import json
import json.scanner
from collections.abc import Callable, Collection, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    InterfaceError,
    JSONTranscoder,
    OperationalError,
    StoredEvent,
    find_id_convertor,
    pass_through_convertor,
)
from eventsourcing.utils import resolve_topic, retry

from domain.ledger_base import DateAsISO

_DIGITS = bytes(0x31 if 0x30 <= i <= 0x39 else 0x30 for i in range(256))  # digit -> "1"
_NINETEEN = b"1" * 19
#: transcodings' decode -> the C function it calls with the same argument (both raise on
#: anything but a str: the mapper's path then reports it)
_C_DECODE: dict[Any, Callable[[Any], Any]] = {DatetimeAsISO.decode: datetime.fromisoformat,
                                              DateAsISO.decode: date.fromisoformat}
#: (position, originator_id (None: fetched as text only), originator_version, topic, state or
#: None: a kind no view reads, str(originator_id))
Row = tuple[int, Any, int, str, bytes | None, str]


class Decoder:
    """`mapper.to_domain_event` for a rebuild: whatever depends only on the topic is looked
    up once per topic, and the JSON is parsed by orjson, the transcoded values (dates and
    timestamps at known top-level keys) decoded after. A document with transcodings anywhere
    else goes to the transcoder's C scanner with its hook; anything unusual (orjson refuses
    it, a transcoding it does not know) takes the mapper's own path, errors included."""

    def __init__(self, mapper: Any, *, text_ids: bool = False) -> None:
        self.mapper = mapper
        #: an id given as text stays text (the bulk rebuild's membership events: bulk._read);
        #: else it is converted as the mapper would
        self.text_ids = text_ids
        tr = mapper.transcoder
        self._scan: Callable[[str, int], tuple[Any, int]] | None = None
        if isinstance(tr, JSONTranscoder):
            self._scan = json.scanner.make_scanner(tr.decoder)  # type: ignore[arg-type]
        self._unwrap = mapper.cipher.decrypt if mapper.cipher else None
        self._inflate = mapper.compressor.decompress if mapper.compressor else None
        self._topics: dict[str, tuple[type[Any], int, Callable[[Any], Any] | None]] = {}
        #: per topic: (key, transcoding name, its decode) of each transcoded top-level key
        self._plans: dict[str, list[tuple[str, Any, Callable[[Any], Any] | None]]] = {}
        self._names = getattr(tr, "names", {})

    def _topic(self, topic: str, originator_id: Any) -> tuple[type[Any], int, Any]:
        cls = resolve_topic(topic)
        convert: Any = None
        if not (self.text_ids and originator_id.__class__ is str):
            convert = find_id_convertor(cls, type(originator_id))  # type: ignore[arg-type]
            if convert is pass_through_convertor:
                convert = None
        info = self._topics[topic] = (cls, getattr(cls, "class_version", 1), convert)
        return info

    def event(self, topic: str, state: bytes, originator_id: Any, version: int) -> Any:
        info = self._topics.get(topic)
        if info is None:
            info = self._topic(topic, originator_id)
        cls, class_version, convert = info
        d: Any = None
        if self._scan is not None:
            try:
                raw = state if self._unwrap is None else self._unwrap(state)
                if self._inflate is not None:
                    raw = self._inflate(raw)
                d = self._fast(topic, raw)
                if d is None:
                    text = raw.decode("utf8")
                    d, end = self._scan(text, 0)
                    if end != len(text) or type(d) is not dict:
                        d = None
            except Exception:  # noqa: BLE001 - the mapper's path reports it properly
                d = None
        if d is None:
            return self._slow(topic, state, originator_id, version)
        d["originator_id"] = originator_id if convert is None else convert(originator_id)
        d["originator_version"] = version
        from_version = d.pop("class_version", 1)
        while from_version < class_version:
            getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(d)
            from_version += 1
        ev = object.__new__(cls)
        object.__setattr__(ev, "__dict__", d)
        return ev

    def _fast(self, topic: str, raw: bytes) -> Any:
        """orjson, then the transcodings of the top-level keys that held them before, when
        those are all the document has (else None: the transcoder's own path)."""
        if _NINETEEN in raw.translate(_DIGITS):  # 19 digits in a row (a C-speed test):
            return None  # maybe an integer beyond 64 bits, which orjson makes a float
        try:
            d = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return None
        if d.__class__ is not dict:
            return None
        n = raw.count(b'"_type_":')  # a key (quotes inside JSON strings are escaped)
        if not n:
            return d
        plan = self._plans.get(topic)
        if plan is None:  # the transcoded top-level keys of the topic's first document
            plan = self._plans[topic] = [
                (k, v["_type_"], self._decoder_of(v["_type_"])) for k, v in d.items()
                if v.__class__ is dict and "_type_" in v]
        if n != len(plan):
            return None  # a transcoding elsewhere (nested, or at another key)
        for k, name, decode in plan:
            v = d.get(k)
            if v.__class__ is not dict or len(v) != 2 or v.get("_type_") != name:
                return None
            data = v.get("_data_")
            if data.__class__ in (dict, list) or decode is None:
                return None
            d[k] = decode(data)
        return d

    def _decoder_of(self, name: Any) -> Callable[[Any], Any] | None:
        """The transcoding's decode (None: a name the transcoder does not know); the library's
        ISO datetime and the ledger's ISO date as the C functions their decode calls."""
        tr = self._names.get(name) if name.__class__ is str else None
        if tr is None:
            return None
        return _C_DECODE.get(type(tr).decode, tr.decode)  # type: ignore[no-any-return]

    def _slow(self, topic: str, state: bytes, originator_id: Any, version: int) -> Any:
        return self.mapper.to_domain_event(StoredEvent(
            originator_id=originator_id, originator_version=version, topic=topic, state=state))


#: `stop` for "no end" (notification ids are BIGINT)
STOP_NONE = 2**63 - 1


def lean_fetch(recorder: Any, kinds: Collection[str], *, uuids: bool = True
               ) -> Callable[[int, int, int], list[Row]]:
    """fetch(start, stop, limit): the notifications from `start` to `stop` (at most `limit`)
    as Rows, the state only of `kinds`: the rebuild's pages and the live runner's batches.
    `uuids=False`: on PostgreSQL the id only as text (a Row's originator_id is None)."""
    return _pg_fetch(recorder, kinds, uuids) or _generic_fetch(recorder, frozenset(kinds))


def pages(recorder: Any, kinds: Collection[str], top: int, page: int, *, uuids: bool = True
          ) -> Iterator[list[Row]]:
    """Every notification up to `top`, a page at a time; the next page is fetched on a thread
    meanwhile (waiting for the database releases the GIL)."""
    fetch = lean_fetch(recorder, kinds, uuids=uuids)
    gt = 0
    with ThreadPoolExecutor(1, thread_name_prefix="rebuild-read") as pool:
        ahead = pool.submit(fetch, 1, top, page)
        while gt < top:
            rows = ahead.result()
            if not rows:
                break
            gt = rows[-1][0]
            if gt < top:
                ahead = pool.submit(fetch, gt + 1, top, page)
            yield rows


def _pg_events(recorder: Any) -> tuple[Any, str]:
    """The library's PostgreSQL recorder's datastore and events table ((None, "") for any
    other recorder: those are read through the recorder's own methods)."""
    datastore: Any = getattr(recorder, "datastore", None)
    table = getattr(recorder, "events_table_name", None)
    if table is None or not hasattr(datastore, "get_connection") or not hasattr(
            datastore, "schema"):
        return None, ""
    return datastore, table


#: (originator_id, originator_version, topic, state, str(originator_id))
EarlierRow = tuple[Any, int, str, bytes, str]


class Earlier:
    """`View.history` from a ledger: {member id: version} → each member's events before that
    version, as (kind, decoded event), in order. One query per call on PostgreSQL. A member's
    earlier events are all committed, and behind every view's position when a batch holding
    its later ones is applied."""

    def __init__(self, ledger: Any) -> None:
        self.ledger = ledger
        self._decoder: Decoder | None = None
        self._fetch: Callable[[dict[str, int]], list[EarlierRow]] | None = None

    def __call__(self, first: dict[str, int]) -> dict[str, list[tuple[str, Any]]]:
        out: dict[str, list[tuple[str, Any]]] = {}
        if not first:
            return out
        if self._fetch is None:
            self._decoder = Decoder(self.ledger.mapper)
            self._fetch = (_pg_earlier(self.ledger.recorder)
                           or _generic_earlier(self.ledger.recorder))
        assert self._decoder is not None
        event = self._decoder.event
        for oid, version, topic, state, mid in self._fetch(first):
            out.setdefault(mid, []).append((topic.rpartition(":")[2],
                                            event(topic, state, oid, version)))
        return out


def _generic_earlier(recorder: Any) -> Callable[[dict[str, int]], list[EarlierRow]]:
    def fetch(first: dict[str, int]) -> list[EarlierRow]:
        out: list[EarlierRow] = []
        for mid, version in first.items():
            oid = UUID(mid)
            out.extend((e.originator_id, e.originator_version, e.topic, e.state, mid)
                       for e in recorder.select_events(oid, lte=version - 1))
        return out

    return fetch


def _pg_earlier(recorder: Any) -> Callable[[dict[str, int]], list[EarlierRow]] | None:
    datastore, table = _pg_events(recorder)
    if datastore is None:
        return None
    from psycopg import sql
    from psycopg.rows import tuple_row

    uuids = getattr(datastore, "originator_id_type", "uuid") == "uuid"
    statement = sql.SQL(
        "SELECT e.originator_id, e.originator_version, e.topic, e.state,"
        " e.originator_id::text FROM unnest(%s::{}[], %s::int[]) AS w(id, v)"
        " JOIN {}.{} e ON e.originator_id = w.id AND e.originator_version < w.v"
        " ORDER BY e.originator_id, e.originator_version").format(
        sql.SQL("uuid" if uuids else "text"), sql.Identifier(datastore.schema),
        sql.Identifier(table))

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the recorder's
    def fetch(first: dict[str, int]) -> list[EarlierRow]:
        ids = [UUID(m) for m in first] if uuids else list(first)
        with datastore.get_connection() as conn, conn.cursor(
                row_factory=tuple_row, binary=True) as cur:
            cur.execute(statement, (ids, list(first.values())), prepare=True)
            return cur.fetchall()  # type: ignore[no-any-return]

    return fetch  # type: ignore[no-any-return]


def _generic_fetch(recorder: Any, kinds: frozenset[str]) -> Callable[[int, int, int], list[Row]]:
    def fetch(start: int, stop: int, limit: int) -> list[Row]:
        return [(n.id, n.originator_id, n.originator_version, n.topic,
                 n.state if n.topic.rpartition(":")[2] in kinds else None, str(n.originator_id))
                for n in recorder.select_notifications(start=start, limit=limit, stop=stop)]

    return fetch


def _pg_fetch(recorder: Any, kinds: Collection[str], uuids: bool = True
              ) -> Callable[[int, int, int], list[Row]] | None:
    """The recorder's own query as plain tuples in binary (no hex bytea, no dicts, no
    Notification objects), leaving out the state of kinds no view reads; the server spells
    each id as text (cheaper than str() of the UUID here)."""
    datastore, table = _pg_events(recorder)
    if datastore is None:
        return None
    from psycopg import sql
    from psycopg.rows import tuple_row

    statement = sql.SQL(
        "SELECT notification_id, {}, originator_version, topic,"
        " CASE WHEN split_part(topic, ':', 2) = ANY(%s) THEN state END, originator_id::text"
        " FROM {}.{} WHERE notification_id >= %s AND notification_id <= %s"
        " ORDER BY notification_id LIMIT %s").format(
        sql.SQL("originator_id" if uuids else "NULL"), sql.Identifier(datastore.schema),
        sql.Identifier(table))
    wanted = sorted(kinds)

    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)  # as the recorder's
    def fetch(start: int, stop: int, limit: int) -> list[Row]:
        with datastore.get_connection() as conn, conn.cursor(
                row_factory=tuple_row, binary=True) as cur:
            cur.execute(statement, (wanted, start, stop, limit), prepare=True)
            return cur.fetchall()  # type: ignore[no-any-return]

    return fetch  # type: ignore[no-any-return]

"""The audit chain finds edited, deleted, inserted and swapped event records and bad digests.

Runs against a real event store on SQLite and on a real PostgreSQL server (never skipped).
"""

from __future__ import annotations

import json
import os
import secrets
import sqlite3
import stat
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from eventsourcing.application import Application
from eventsourcing.cryptography import AESCipher
from eventsourcing.domain import Aggregate, event
from eventsourcing.persistence import IntegrityError

from api.audit_chain import (
    extend_chain,
    generate_signing_key,
    load_signing_key,
    public_key_hex,
    seal,
    verify,
)

PG = {"host": "127.0.0.1", "port": 5432, "user": "postgres", "password": ""}
SEALED_AT = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)


class Card(Aggregate):
    @event("Issued")
    def __init__(self, holder: str) -> None:
        self.holder = holder
        self.stamps: list[str] = []

    @event("Stamped")
    def stamp(self, where: str) -> None:
        self.stamps.append(where)

    @event("Revoked")
    def revoke(self, reason: str) -> None:
        self.revoked = reason


class Ledger(Application):
    name = "ledger"


@dataclass
class Store:
    backend: str
    app: Ledger
    conn: Any  # raw sqlite3 / psycopg connection, as an attacker or auditor would open

    def run(self, statement: str, *params: Any) -> list[Any]:
        """Run SQL with {id} as the notification id column and %s placeholders."""
        statement = statement.format(id="rowid" if self.backend == "sqlite" else "notification_id",
                                     t=self.table)
        if self.backend == "sqlite":
            statement = statement.replace("%s", "?")
        cur = self.conn.execute(statement, params)
        rows = cur.fetchall() if cur.description else []
        self.conn.commit()
        return rows

    @property
    def table(self) -> str:
        return "stored_events" if self.backend == "sqlite" else "ledger_events"

    def ids(self) -> list[int]:
        return [r[0] for r in self.run("SELECT {id} FROM {t} ORDER BY {id}")]

    def state(self, nid: int) -> bytes:
        return bytes(self.run("SELECT state FROM {t} WHERE {id} = %s", nid)[0][0])


def _fill(app: Ledger) -> None:
    cards = [Card(f"holder {i}") for i in range(3)]
    for i, card in enumerate(cards):
        card.stamp(f"office {i}")
        card.stamp(f"meeting {i}")
    cards[2].revoke("left")
    app.save(*cards[:2])
    app.save(cards[2])
    # Two writers on one card: the loser's insert fails (on PostgreSQL it burns an id: a gap).
    first, second = app.repository.get(cards[0].id), app.repository.get(cards[0].id)
    first.stamp("window")
    app.save(first)
    second.stamp("ceremony")
    with pytest.raises(IntegrityError):
        app.save(second)
    late = Card("late")
    late.stamp("online")
    app.save(late)


def _env(extra: dict[str, str]) -> dict[str, str]:
    # Encrypted and compressed at rest: the chain covers stored bytes, no keys needed.
    return {"CIPHER_TOPIC": "eventsourcing.cryptography:AESCipher",
            "CIPHER_KEY": AESCipher.create_key(32),
            "COMPRESSOR_TOPIC": "eventsourcing.compressor:ZlibCompressor", **extra}


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        path = str(tmp_path / "ledger.sqlite")
        app = Ledger(env=_env({"PERSISTENCE_MODULE": "eventsourcing.sqlite",
                               "SQLITE_DBNAME": path}))
        conn: Any = sqlite3.connect(path)
        try:
            _fill(app)
            yield Store("sqlite", app, conn)
        finally:
            conn.close()
            app.close()
        return
    dbname = f"ul_test_{secrets.token_hex(6)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
        admin.execute(f'CREATE DATABASE "{dbname}"')
    try:
        app = Ledger(env=_env({
            "PERSISTENCE_MODULE": "eventsourcing.postgres", "POSTGRES_DBNAME": dbname,
            "POSTGRES_HOST": PG["host"], "POSTGRES_PORT": str(PG["port"]),
            "POSTGRES_USER": PG["user"], "POSTGRES_PASSWORD": PG["password"]}))
        conn = psycopg.connect(dbname=dbname, **PG)
        try:
            _fill(app)
            yield Store("postgres", app, conn)
        finally:
            conn.close()
            app.close()
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **PG) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


@pytest.fixture
def key_path(tmp_path: Path) -> Path:
    path = tmp_path / "keys" / "seal.pem"
    path.parent.mkdir()
    generate_signing_key(path)
    return path


def _sealed(store: Store, key_path: Path) -> tuple[Path, str]:
    digest_path = key_path.parent.parent / "digest.json"
    seal(store.conn, key_path, digest_path, sealed_at=SEALED_AT)
    return digest_path, public_key_hex(load_signing_key(key_path))


def test_a_new_signing_key_is_private_to_its_owner_and_never_overwritten(key_path: Path) -> None:
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    with pytest.raises(FileExistsError):
        generate_signing_key(key_path)


def test_an_untouched_ledger_verifies_ok_with_later_events_counted_as_unsealed(
    store: Store, key_path: Path
) -> None:
    digest_path, trusted = _sealed(store, key_path)
    digest = json.loads(digest_path.read_text())
    ids = store.ids()
    assert (digest["head_notification_id"], digest["record_count"]) == (ids[-1], len(ids))
    assert digest["sealed_at"] == "2026-05-01T08:00:00+00:00"
    store.app.save(Card("after the seal"))

    result = verify(store.conn, digest_path, trusted)

    assert (result.ok, result.problem, result.checked, result.unsealed) == (True, None, 13, 1)
    assert "13" in result.message_zh and "13" in result.message_en


def test_gaps_in_notification_ids_are_not_tampering_and_sealing_is_incremental(
    store: Store,
) -> None:
    if store.backend == "postgres":  # the failed insert burned an id
        assert store.ids()[-1] - store.ids()[0] + 1 > len(store.ids())
    first = extend_chain(store.conn, batch_size=4)
    store.app.save(Card("one more"))
    second = extend_chain(store.conn, batch_size=4)
    assert second.record_count == first.record_count + 1
    assert second.notification_id == store.ids()[-1]
    assert verify(store.conn, batch_size=4).ok


def test_changing_one_stored_event_is_caught_as_modified_at_its_notification_id(
    store: Store,
) -> None:
    extend_chain(store.conn)
    target = store.ids()[4]
    state = bytearray(store.state(target))
    state[-1] ^= 0x01
    store.run("UPDATE {t} SET state = %s WHERE {id} = %s", bytes(state), target)

    result = verify(store.conn)

    assert (result.ok, result.problem, result.position) == (False, "modified", target)
    assert str(target) in result.message_en and str(target) in result.message_zh


def test_changing_a_topic_is_caught_as_modified(store: Store) -> None:
    extend_chain(store.conn)
    target = store.ids()[2]
    store.run("UPDATE {t} SET topic = topic || 'x' WHERE {id} = %s", target)
    assert (verify(store.conn).problem, verify(store.conn).position) == ("modified", target)


def test_deleting_one_stored_event_is_caught_as_deleted_at_its_notification_id(
    store: Store,
) -> None:
    extend_chain(store.conn)
    target = store.ids()[3]
    store.run("DELETE FROM {t} WHERE {id} = %s", target)

    result = verify(store.conn)

    assert (result.ok, result.problem, result.position) == (False, "deleted", target)


def test_deleting_the_last_events_is_caught_as_deleted(store: Store) -> None:
    extend_chain(store.conn)
    last = store.ids()[-1]
    store.run("DELETE FROM {t} WHERE {id} = %s", last)
    assert (verify(store.conn).problem, verify(store.conn).position) == ("deleted", last)


def test_a_record_forged_into_a_gap_in_the_middle_is_caught_as_inserted(store: Store) -> None:
    ids = store.ids()
    if store.backend == "sqlite":  # SQLite burns no ids: make a gap before sealing
        store.run("DELETE FROM {t} WHERE {id} = %s", ids[5])
    gap = next(i for i in range(ids[0], ids[-1]) if i not in store.ids())
    extend_chain(store.conn)
    donor = store.run("SELECT topic, state FROM {t} WHERE {id} = %s", ids[1])[0]
    forged_id = uuid.uuid4().hex if store.backend == "sqlite" else uuid.uuid4()
    store.run("INSERT INTO {t} ({id}, originator_id, originator_version, topic, state) "
              "VALUES (%s, %s, %s, %s, %s)", gap, forged_id, 1, donor[0], bytes(donor[1]))

    result = verify(store.conn)

    assert (result.ok, result.problem, result.position) == (False, "inserted", gap)


def test_swapping_the_state_of_two_records_is_caught_at_the_first_and_names_the_other(
    store: Store,
) -> None:
    extend_chain(store.conn)
    ids = store.ids()
    a, b = ids[2], ids[7]
    state_a, state_b = store.state(a), store.state(b)
    store.run("UPDATE {t} SET state = %s WHERE {id} = %s", state_b, a)
    store.run("UPDATE {t} SET state = %s WHERE {id} = %s", state_a, b)

    result = verify(store.conn)

    assert (result.ok, result.problem, result.position) == (False, "reordered", a)
    assert f"position {b}" in result.message_en and str(b) in result.message_zh


def test_swapping_two_whole_records_says_the_content_matches_the_other_chain_entry(
    store: Store,
) -> None:
    extend_chain(store.conn)
    ids = store.ids()
    a, b = ids[1], ids[6]
    # Move a aside, b into a's place, then a into b's place (ids are unique).
    store.run("UPDATE {t} SET {id} = %s WHERE {id} = %s", 999_999, a)
    store.run("UPDATE {t} SET {id} = %s WHERE {id} = %s", a, b)
    store.run("UPDATE {t} SET {id} = %s WHERE {id} = %s", b, 999_999)

    result = verify(store.conn)

    assert (result.problem, result.position) == ("reordered", a)
    assert f"content matches the chain entry at position {b}" in result.message_en


def test_a_digest_signed_by_another_key_is_refused_as_untrusted(
    store: Store, key_path: Path, tmp_path: Path
) -> None:
    digest_path, _ = _sealed(store, key_path)
    other = generate_signing_key(tmp_path / "auditor.pem")

    result = verify(store.conn, digest_path, trusted_public_key=public_key_hex(other))

    assert (result.ok, result.problem) == (False, "untrusted_key")


def test_a_digest_edited_by_hand_is_refused_as_bad_signature(store: Store, key_path: Path) -> None:
    digest_path, trusted = _sealed(store, key_path)
    digest = json.loads(digest_path.read_text())
    digest["record_count"] -= 1
    digest_path.write_text(json.dumps(digest))

    result = verify(store.conn, digest_path, trusted)

    assert (result.ok, result.problem) == (False, "bad_signature")


def test_rewriting_a_record_and_recomputing_the_chain_table_is_caught_by_the_digest(
    store: Store, key_path: Path
) -> None:
    digest_path, trusted = _sealed(store, key_path)
    target = store.ids()[3]
    store.run("UPDATE {t} SET state = %s WHERE {id} = %s", store.state(store.ids()[0]), target)
    store.run("DELETE FROM ledger_chain")
    extend_chain(store.conn)
    assert verify(store.conn).ok  # without the digest the forgery is self-consistent

    result = verify(store.conn, digest_path, trusted)

    assert (result.ok, result.problem) == (False, "chain_mismatch")
    assert result.position == json.loads(digest_path.read_text())["head_notification_id"]


def test_editing_the_chain_table_is_caught_as_chain_mismatch(store: Store) -> None:
    extend_chain(store.conn)
    target = store.ids()[4]
    store.run("UPDATE ledger_chain SET chain_hash = %s WHERE notification_id = %s",
              bytes(32), target)
    assert (verify(store.conn).problem, verify(store.conn).position) == ("chain_mismatch", target)

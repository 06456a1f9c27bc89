"""No plaintext name or resident ID reaches any database table through the API: not the events,
not the idempotency records, not the access log, not the read side (raw bytes searched)."""

from __future__ import annotations

import glob
from urllib.parse import quote

import psycopg

from tests.api.conftest import join_body


def _raw_bytes(settings) -> bytes:
    if not settings.is_postgres:
        return b"".join(open(p, "rb").read()
                        for p in glob.glob(f"{settings.sqlite_path}*"))
    dump = []
    with psycopg.connect(settings.postgres_conninfo()) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='public'")]
        for t in tables:
            for (row,) in conn.execute(f'SELECT t::text FROM "{t}" t'):
                dump.append(row)
    return "\n".join(dump).encode()


def test_api_writes_and_reads_leave_no_plaintext_personal_data_at_rest(client, auth, tree,
                                                                       settings):
    body = join_body(tree, seed=77)
    name, rid = body["person"]["name"], body["person"]["resident_id"]
    off = auth("union_official", "township", personal_data=True)
    receipt = client.post("/memberships", json=body,
                          headers={**off, "Idempotency-Key": "at-rest-1"}).json()
    client.post("/memberships", json=body, headers={**off, "Idempotency-Key": "at-rest-1"})
    client.get(f"/memberships/{receipt['id']}", headers={**off, "X-Purpose": quote("核对")})
    client.post(f"/unions/{tree.township}/roster/search", headers=off,
                params={"min_position": receipt["position"]}, json={"name": name})
    client.post("/memberships/lookup", json={"resident_id": rid}, headers=off)
    raw = _raw_bytes(settings)
    assert receipt["id"].encode() in raw  # the search really reads the rows it should
    for secret in (name, rid):
        assert secret.encode() not in raw
        assert secret.encode().hex().encode() not in raw  # bytea shown as hex on PostgreSQL

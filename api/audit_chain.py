"""Tamper evidence: a SHA-256 hash chain over the stored event records, sealed by signed digests.

The chain covers the stored (possibly encrypted) bytes, so verifying needs no data keys.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from api import audit_chain_store as store
from api.audit_chain_store import GENESIS, ChainEntry, ChainHead, StoredRecord, hash_record

DIGEST_FIELDS = {"version", "head_notification_id", "record_count", "chain_hash", "sealed_at",
                 "public_key", "signature"}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    unsealed: int
    problem: str | None
    position: int | None
    message_zh: str
    message_en: str


def extend_chain(conn: Any, *, events_table: str | None = None,
                 chain_table: str = store.DEFAULT_CHAIN_TABLE, batch_size: int = store.BATCH_SIZE,
                 progress: Callable[[int], None] | None = None) -> ChainHead:
    """Chain every record after the last chained one (one transaction per batch)."""
    events_table = events_table or store.default_events_table(conn)
    store.create_chain_table(conn, chain_table)
    head = store.chain_head(conn, chain_table)
    after, prev = (head.notification_id, head.chain_hash) if head else (0, GENESIS)
    upto = store.max_record_id(conn, events_table)
    records = store.iter_records(conn, events_table, after=after, upto=upto, batch_size=batch_size)
    while batch := list(islice(records, batch_size)):
        entries, prev = store.chain_entries(prev, batch)
        store.append_chain(conn, chain_table, entries)
        after = batch[-1].notification_id
        if progress:
            progress(len(entries))
    return ChainHead(after, store.chain_count(conn, chain_table, after), prev)


def generate_signing_key(path: str | Path) -> Ed25519PrivateKey:
    """Write a new Ed25519 private key as PEM with 0600 permissions (never overwrites)."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(pem)
    return key


def load_signing_key(path: str | Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} does not hold an Ed25519 private key")
    return key


def public_key_hex(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    pub = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return pub.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def _signed_bytes(digest: dict[str, Any]) -> bytes:
    body = {k: v for k, v in digest.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def seal(conn: Any, signing_key_path: str | Path, out_path: str | Path, *, sealed_at: datetime,
         events_table: str | None = None, chain_table: str = store.DEFAULT_CHAIN_TABLE,
         batch_size: int = store.BATCH_SIZE,
         progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Extend the chain, then write a signed JSON digest of its head to out_path."""
    if sealed_at.tzinfo is None:
        raise ValueError("sealed_at must be timezone-aware")
    key = load_signing_key(signing_key_path)
    head = extend_chain(conn, events_table=events_table, chain_table=chain_table,
                        batch_size=batch_size, progress=progress)
    digest: dict[str, Any] = {
        "version": 1, "head_notification_id": head.notification_id,
        "record_count": head.record_count, "chain_hash": head.chain_hash.hex(),
        "sealed_at": sealed_at.astimezone(UTC).isoformat(timespec="seconds"),
        "public_key": public_key_hex(key)}
    digest["signature"] = key.sign(_signed_bytes(digest)).hex()
    tmp = Path(f"{out_path}.tmp")
    tmp.write_text(json.dumps(digest, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out_path)
    return digest


PublicKeyLike = Ed25519PublicKey | bytes | str  # key object, raw 32 bytes, or their hex


def _public_key(key: PublicKeyLike) -> Ed25519PublicKey:
    if isinstance(key, Ed25519PublicKey):
        return key
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(key) if isinstance(key, str) else key)


def read_digest(path: str | Path, trusted_public_key: PublicKeyLike | None = None
                ) -> tuple[dict[str, Any] | None, str | None]:
    """(digest, None) if validly signed (by the trusted key when given), else (None, code)."""
    # A missing file or a malformed trusted key raises: that is a usage error, not tampering.
    text = Path(path).read_text(encoding="utf-8")
    trusted = trusted_public_key and public_key_hex(_public_key(trusted_public_key))
    try:
        digest = json.loads(text)
        signer = _public_key(str(digest["public_key"]))
        if trusted and public_key_hex(signer) != trusted:
            return None, "untrusted_key"
        ok_shape = set(digest) == DIGEST_FIELDS and digest["version"] == 1 and all(
            type(digest[k]) is int for k in ("head_notification_id", "record_count"))
        signer.verify(bytes.fromhex(digest["signature"]), _signed_bytes(digest))
        bytes.fromhex(digest["chain_hash"])
    except (ValueError, KeyError, TypeError, AttributeError, InvalidSignature):
        return None, "bad_signature"
    return (digest, None) if ok_shape else (None, "bad_signature")


_MESSAGES: dict[str, tuple[str, str]] = {
    "ok": ("校验通过：{checked} 条已封存记录与哈希链一致{sealed_zh}；{unsealed} 条新记录尚未封存。",
           "OK: {checked} sealed records match the chain{sealed_en}; {unsealed} not sealed yet."),
    "modified": ("通知号 {pos} 的记录被篡改：其哈希与封存时不一致。",
                 "Record at notification id {pos} was modified: its hash differs from the seal."),
    "reordered": ("通知号 {pos} 的记录被篡改：{what_zh}（记录被调换）。",
                  "Record at notification id {pos} was modified: {what_en} (records swapped)."),
    "deleted": ("通知号 {pos} 的记录被删除：哈希链有此条目，存储中已无此记录。",
                "Record at notification id {pos} was deleted: chained, but no longer stored."),
    "inserted": ("通知号 {pos} 的记录系伪造插入：不在哈希链中，却位于链头（{head}）之前。",
                 "Record at notification id {pos} was inserted: unchained, before head {head}."),
    "chain_mismatch": ("通知号 {pos} 处哈希链不一致：{what_zh}。",
                       "Chain mismatch at notification id {pos}: {what_en}."),
    "bad_signature": ("摘要文件 {path} 签名无效：文件被改动或格式不正确。",
                      "Digest {path} is not validly signed: edited or malformed."),
    "untrusted_key": ("摘要文件 {path} 并非由受信任的密钥签署。",
                      "Digest {path} was not signed by the trusted key."),
}
_WHAT = {
    "link": ("链表条目不衔接（链表被改动，或此前某记录连同其链条目被删）",
             "the entry does not link (chain table edited, or a record and its entry removed)"),
    "digest": ("重算的链头哈希与签名摘要不符（记录与链表被一并改写或截断）",
               "the recomputed chain differs from the signed digest (records and chain rewritten)"),
    "matches": ("内容与通知号 {other} 处的链条目一致", "content matches the chain entry at "
                "position {other}"),
    "moved": ("其封存内容现位于通知号 {other}", "its sealed state is now at position {other}"),
}


def _result(code: str | None, pos: int | None, checked: int, unsealed: int = 0,
            what: str = "", **fmt: Any) -> VerifyResult:
    zh, en = _MESSAGES[code or "ok"]
    what_zh, what_en = _WHAT.get(what, ("", ""))
    fmt.update(pos=pos, checked=checked, unsealed=unsealed)
    fmt.update(what_zh=what_zh.format(**fmt), what_en=what_en.format(**fmt))
    zh, en = zh.format(**fmt), en.format(**fmt)
    return VerifyResult(code is None, checked, unsealed, code, pos, zh, en)


def _diagnose(conn: Any, events_table: str, chain_table: str, rec: StoredRecord,
              entry: ChainEntry, checked: int, batch_size: int) -> VerifyResult:
    """A record's hash differs: is its content sealed elsewhere (reordered) or just modified?"""
    content_hash = hash_record(GENESIS, rec)[0]
    ids = store.find_chain_ids_by_record_hash(conn, chain_table, content_hash)
    if others := [n for n in ids if n != rec.notification_id]:
        return _result("reordered", rec.notification_id, checked, what="matches", other=others[0])
    other = store.find_record_id(  # state swapped: does another record hold our sealed state?
        conn, events_table, lambda r: hash_record(GENESIS, rec._replace(state=r.state))[0]
        == entry.record_hash, skip=rec.notification_id, batch_size=batch_size)
    if other is not None:
        return _result("reordered", rec.notification_id, checked, what="moved", other=other)
    return _result("modified", rec.notification_id, checked)


def verify(conn: Any, digest_path: str | Path | None = None,
           trusted_public_key: PublicKeyLike | None = None, *, events_table: str | None = None,
           chain_table: str = store.DEFAULT_CHAIN_TABLE, batch_size: int = store.BATCH_SIZE
           ) -> VerifyResult:
    """Recompute the chain from position 0; report OK or the first disagreement (read-only)."""
    try:
        return _verify(conn, digest_path, trusted_public_key,
                       events_table or store.default_events_table(conn), chain_table, batch_size)
    finally:
        store.end_read(conn)


def _verify(conn: Any, digest_path: str | Path | None, trusted_public_key: PublicKeyLike | None,
            events_table: str, chain_table: str, batch_size: int) -> VerifyResult:
    sealed: tuple[int, bytes, int] | None = None
    if digest_path is not None:
        digest, code = read_digest(digest_path, trusted_public_key)
        if digest is None:
            return _result(code, None, 0, path=digest_path)
        sealed = (digest["head_notification_id"], bytes.fromhex(digest["chain_hash"]),
                  digest["record_count"])
    sealed_id = sealed[0] if sealed else None
    if sealed and sealed[0] <= 0:  # an empty store was sealed
        if sealed[1:] != (GENESIS, 0):
            return _result("chain_mismatch", sealed[0], 0, what="digest")
        sealed = None
    has_chain = store.chain_table_exists(conn, chain_table)
    head = has_chain and store.chain_head(conn, chain_table)
    head_id = head.notification_id if head else 0
    # never sealed: no chain table yet, every record counts as unsealed (not as tampering)
    chain = (store.iter_chain(conn, chain_table, upto=head_id, batch_size=batch_size)
             if has_chain else iter(()))
    records = store.iter_records(conn, events_table, batch_size=batch_size)
    prev, checked, unsealed = GENESIS, 0, 0
    rec, entry = next(records, None), next(chain, None)
    while rec is not None or entry is not None:
        if entry is None:  # after the chain head: not sealed yet, not tampering
            if sealed:
                return _result("chain_mismatch", sealed[0], checked, what="digest")
            unsealed += 1
            rec = next(records, None)
            continue
        if rec is None or entry.notification_id < rec.notification_id:
            return _result("deleted", entry.notification_id, checked)
        if rec.notification_id < entry.notification_id:
            return _result("inserted", rec.notification_id, checked, head=head_id)
        record_hash, chain_hash = hash_record(prev, rec)
        if record_hash != entry.record_hash:
            return _diagnose(conn, events_table, chain_table, rec, entry, checked, batch_size)
        if chain_hash != entry.chain_hash:
            return _result("chain_mismatch", rec.notification_id, checked, what="link")
        prev, checked = chain_hash, checked + 1
        if sealed and rec.notification_id >= sealed[0]:
            if (rec.notification_id, prev, checked) != sealed:
                return _result("chain_mismatch", sealed[0], checked, what="digest")
            sealed = None
        rec, entry = next(records, None), next(chain, None)
    if sealed:
        return _result("chain_mismatch", sealed[0], checked, what="digest")
    signed = sealed_id is not None
    return _result(None, None, checked, unsealed,
                   sealed_zh=f"，签名摘要（至通知号 {sealed_id}）有效" if signed else "",
                   sealed_en=f", signed digest up to id {sealed_id} valid" if signed else "")

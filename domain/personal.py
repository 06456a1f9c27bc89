"""Personal data: keyed-hash identities and per-person envelope encryption (PIPL art. 47 erasure).

Each membership has its own AES-256-GCM data key, stored only wrapped by the master key in a
KeyStore. Events carry sealed tokens; deleting the data key makes every copy unreadable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
from binascii import a2b_base64
from collections.abc import Iterable
from dataclasses import dataclass, fields
from typing import Protocol
from uuid import UUID

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from domain.frozen import quick_init

ERASED = "（已删除）"
_JSON = json.JSONEncoder(ensure_ascii=False, sort_keys=True)
_quote = json.encoder.encode_basestring  # the C string encoder json uses when not ensure_ascii


class _Nonces:
    """AES-GCM nonces (12 bytes) for seals, cut from os.urandom read 48 KiB at a time: one
    system call per ~4,000 seals instead of one per seal (a bulk import seals every row; a
    batch's data keys and the nonces that wrap them come from one read of their own, in
    `ensure_keys`). Each byte is handed out once. A nonce must be unpredictable and never
    repeat. A forked child drops the buffer it inherited, so parent and child never hand out
    the same bytes."""

    SIZE = 12 * 4096

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Empty, with a fresh lock (in a forked child the old one may be held for ever)."""
        self._lock = threading.Lock()
        self._buf, self._at = b"", 0

    def take(self, n: int = 12) -> bytes:
        with self._lock:
            at = self._at
            if at + n > len(self._buf):
                self._buf, at = os.urandom(self.SIZE), 0
            self._at = at + n
            return self._buf[at:at + n]


_NONCES = _Nonces()
os.register_at_fork(after_in_child=_NONCES.reset)


@quick_init
@dataclass(frozen=True)
class PersonalDetails:
    """The real-name fields of one person. Never stored or logged in the clear."""

    name: str
    resident_id: str
    phone: str | None = None
    address: str | None = None

    def to_json(self) -> bytes:
        # the same bytes as json.dumps(asdict(self), ensure_ascii=False, sort_keys=True),
        # written by hand with the json module's own string encoder (dataclasses.asdict
        # deep-copies, and the encoder's dict walk is slow per imported row)
        if not all(type(v) is str or v is None
                   for v in (self.name, self.resident_id, self.phone, self.address)):
            return _JSON.encode({"name": self.name, "resident_id": self.resident_id,
                                 "phone": self.phone, "address": self.address}).encode()
        q = _quote
        return (f'{{"address": {"null" if self.address is None else q(self.address)}, '
                f'"name": {"null" if self.name is None else q(self.name)}, '
                f'"phone": {"null" if self.phone is None else q(self.phone)}, '
                f'"resident_id": {"null" if self.resident_id is None else q(self.resident_id)}}}'
                ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> PersonalDetails:
        d = orjson.loads(raw)  # the same dict as json.loads; ~8x faster (rebuilds)
        if d.keys() == _FIELDS:  # as to_json writes it: the fields as they are (~1/3 faster
            obj = object.__new__(cls)  # than the frozen dataclass's __init__)
            object.__setattr__(obj, "__dict__", d)
            return obj
        return cls(**d)


_FIELDS = frozenset(f.name for f in fields(PersonalDetails))


#: resident IDs per generation of Identity's memo: an id hashed within the last 16,384 hashes
#: is not hashed again (an import has at most three batches of 2,000 in flight; a bulk caller
#: with bigger batches only hashes some ids twice)
_ID_GENERATION = 16_384


class Identity:
    """Derives stable, non-reversible ids from personal identifiers with the ledger's secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 16:
            raise ValueError("the ledger secret must have at least 16 bytes")
        self._secret = secret
        self._keyed = hmac.new(secret, digestmod=hashlib.sha256)  # copied: skips the key set-up
        # recent resident ID → (membership id, its text form: the data key's subject), in two
        # generations (the newer one, then the one before it): a bulk import asks for each
        # row's id on its reading thread a batch or two ahead, then again when it checks the
        # row; one dict cleared when full was often cleared by the reader between the two
        self._ids: dict[str, tuple[UUID, str]] = {}
        self._older: dict[str, tuple[UUID, str]] = {}

    def digest(self, kind: str, value: str) -> bytes:
        h = self._keyed.copy()
        h.update(f"{kind}\x00{value}".encode())
        return h.digest()

    def membership(self, resident_id: str) -> tuple[UUID, str]:
        """The membership's aggregate id (HMAC of the resident ID, never the bare number) and
        `str()` of it, the subject its data key is stored under (memoised: ~1 µs a str)."""
        ref = self._ids.get(resident_id)
        if ref is None:
            ref = self._older.get(resident_id)
            if ref is not None:
                return ref
            mid = UUID(bytes=self.digest("membership", resident_id)[:16], version=4)
            ref = (mid, str(mid))
            if len(self._ids) >= _ID_GENERATION:
                self._older, self._ids = self._ids, {}
            self._ids[resident_id] = ref
        return ref

    def membership_id(self, resident_id: str) -> UUID:
        """The membership's aggregate id: HMAC of the resident ID, never the bare number."""
        return self.membership(resident_id)[0]

    def lookup_key(self, kind: str, value: str) -> str:
        """A searchable keyed hash (e.g. of a name) for read models; hex."""
        return self.digest(kind, value.strip()).hex()[:32]


class KeyStore(Protocol):
    """Where wrapped data keys live: a mutable table, so that erasure can delete them."""

    def get(self, subject: str) -> bytes | None: ...

    def get_many(self, subjects: Iterable[str]) -> dict[str, bytes]: ...

    def put_many(self, items: dict[str, bytes]) -> set[str] | None:
        """Stores keys for subjects that have none; returns the subjects this call stored
        (None: not known, the caller re-reads)."""
        ...

    def delete(self, subject: str) -> bool: ...


class InMemoryKeyStore:
    """KeyStore for unit tests and the in-memory ledger."""

    def __init__(self) -> None:
        self._keys: dict[str, bytes] = {}
        self._lock = threading.Lock()

    def get(self, subject: str) -> bytes | None:
        return self._keys.get(subject)

    def get_many(self, subjects: Iterable[str]) -> dict[str, bytes]:
        return {s: self._keys[s] for s in subjects if s in self._keys}

    def put_many(self, items: dict[str, bytes]) -> set[str] | None:
        with self._lock:
            stored = {s for s in items if s not in self._keys}
            for subject in stored:
                self._keys[subject] = items[subject]
        return stored

    def delete(self, subject: str) -> bool:
        with self._lock:
            return self._keys.pop(subject, None) is not None


def _opened(key: bytes, sealed: bytes, aad: bytes) -> PersonalDetails | None:
    """The details sealed under `key` (a token, base64-decoded: the nonce, then the
    ciphertext), or None when it was sealed under another key: one that was erased (a person
    who rejoins after erasure gets a fresh key, and their older events stay unreadable, as
    erasure promised)."""
    try:
        plain = AESGCM(key).decrypt(sealed[:12], sealed[12:], aad)
    except InvalidTag:
        return None
    return PersonalDetails.from_json(plain)


class PersonalDataVault:
    """Seals and opens PersonalDetails with a data key per subject (membership id)."""

    def __init__(self, master_key: bytes, keystore: KeyStore) -> None:
        if len(master_key) != 32:
            raise ValueError("the master key must be 32 bytes (AES-256)")
        self._master = AESGCM(master_key)
        self.keystore = keystore
        self._cache: dict[str, bytes] = {}

    def _unwrap(self, subject: str, wrapped: bytes) -> bytes:
        return self._master.decrypt(wrapped[:12], wrapped[12:], subject.encode())

    def ensure_keys(self, subjects: Iterable[str]) -> None:
        """Creates data keys for subjects that have none (batched for bulk joins).

        Inserts a key for every subject not in the cache at once (an existing key is never
        overwritten); when the store says which it stored, those are known in the clear and
        only the others (people who already had a key) are read back: one round trip for a
        batch of new people instead of a read, then an insert."""
        wanted = list(dict.fromkeys(s for s in subjects if s not in self._cache))
        if not wanted:
            return
        # each subject's key (= AESGCM.generate_key(256): 32 random bytes) and the nonce that
        # wraps it (12), cut from one read of os.urandom for the batch: two calls of the
        # shared nonce buffer (and its lock, which the sealing thread takes too) less per key
        rand = os.urandom(44 * len(wanted))
        encrypt = self._master.encrypt
        fresh: dict[str, bytes] = {}
        wrapped: dict[str, bytes] = {}
        for i, subject in enumerate(wanted):
            at = 44 * i
            key, nonce = rand[at:at + 32], rand[at + 32:at + 44]
            fresh[subject] = key
            # wrapped: the nonce, then the key under the master key (the subject as AAD)
            wrapped[subject] = nonce + encrypt(nonce, key, subject.encode())
        stored = self.keystore.put_many(wrapped)
        cache = self._cache
        for subject in stored or ():
            cache[subject] = fresh[subject]
        if stored is not None and len(stored) == len(wanted):
            return  # all new (an import's batch): nothing to read back
        # a subject that already had a key (or another writer won) keeps the stored one
        others = [s for s in wanted if s not in (stored or ())]
        found = self.keystore.get_many(others) if others else {}
        for subject, w in found.items():
            cache[subject] = self._unwrap(subject, w)

    def _key(self, subject: str) -> bytes | None:
        key = self._cache.get(subject)
        if key is None:
            wrapped = self.keystore.get(subject)
            if wrapped is None:
                return None
            key = self._unwrap(subject, wrapped)
            self._cache[subject] = key
        return key

    def seal(self, subject: str, details: PersonalDetails) -> str:
        key = self._key(subject)
        if key is None:
            self.ensure_keys([subject])
            key = self._cache[subject]
        nonce = _NONCES.take()
        sealed = nonce + AESGCM(key).encrypt(nonce, details.to_json(), subject.encode())
        return base64.b64encode(sealed).decode()

    def open(self, subject: str, token: str | None) -> PersonalDetails | None:
        """The details, or None when the person's key was erased (or there is no token)."""
        if not token:
            return None
        key = self._key(subject)
        if key is None:
            return None
        return _opened(key, a2b_base64(token), subject.encode())

    def open_many(self, pairs: list[tuple[str, str]]) -> list[PersonalDetails | None]:
        """`open` for many (subject, token) pairs with one keystore query; caches no keys
        (a bulk rebuild opens each person once, and the cache would hold them all)."""
        return self.open_with(pairs, self.keystore.get_many([s for s, _ in pairs]))

    def open_with(self, pairs: list[tuple[str, str]],
                  wrapped: dict[str, bytes]) -> list[PersonalDetails | None]:
        """`open_many` given the wrapped keys `keystore.get_many` returned for the subjects
        (a caller may fetch the next chunk's keys while this one is opened)."""
        get, open_wrapped = wrapped.get, self.open_wrapped
        return [open_wrapped(subject, token, get(subject)) for subject, token in pairs]

    def open_wrapped(self, subject: str, token: str | None,
                     wrapped: bytes | None) -> PersonalDetails | None:
        """`open` with the subject's wrapped key already read from the key store (None: the
        key was erased); caches nothing."""
        if not token or wrapped is None:
            return None
        aad = subject.encode()
        try:
            key = self._master.decrypt(wrapped[:12], wrapped[12:], aad)  # = self._unwrap
        except InvalidTag:
            return None
        return _opened(key, a2b_base64(token), aad)

    def erase(self, subject: str) -> bool:
        """Destroys the subject's data key: every sealed copy becomes unreadable."""
        self._cache.pop(subject, None)
        return self.keystore.delete(subject)

    def forget_cache(self, subject: str) -> None:
        self._cache.pop(subject, None)

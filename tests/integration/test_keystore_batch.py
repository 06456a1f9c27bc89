"""Data keys made for a batch (bulk joins) on SQLite and PostgreSQL: one multi-row insert, keys
this call stored are used without a read-back, and a key another writer stored first wins."""

from __future__ import annotations

from uuid import uuid4

from domain.personal import PersonalDataVault, PersonalDetails

DETAILS = PersonalDetails(name="王芳", resident_id="35020319900101123X", phone="13800138000")


class ReadTooEarly:
    """A key store whose first get_many answers as if another writer had not committed yet."""

    def __init__(self, inner):
        self.inner, self.first = inner, True

    def get_many(self, subjects):
        if self.first:
            self.first = False
            return {}
        return self.inner.get_many(subjects)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_a_batch_gets_a_key_per_subject_and_a_key_stored_first_by_another_writer_wins(runtime):
    store = runtime.vault.keystore
    master = bytes(range(32))
    subjects = [str(uuid4()) for _ in range(1203)]  # more than one insert statement
    ours = PersonalDataVault(master, store)
    ours.ensure_keys(subjects)
    assert set(store.get_many(subjects)) == set(subjects)
    token = ours.seal(subjects[0], DETAILS)
    assert PersonalDataVault(master, store).open(subjects[0], token) == DETAILS  # from the store

    late = PersonalDataVault(master, ReadTooEarly(store))  # loses the race for subjects[1]
    late.ensure_keys([subjects[1]])
    assert late.open(subjects[1], ours.seal(subjects[1], DETAILS)) == DETAILS
    assert store.put_many({subjects[2]: b"x" * 60}) in (set(), None)  # never overwrites


def test_a_batch_with_some_subjects_keyed_already_stores_only_the_others(runtime):
    """The store's fast path (a plain insert of a batch of new subjects) gives way whole when
    one subject has a key already: the others are stored, the existing key is kept."""
    store = runtime.vault.keystore
    subjects = [str(uuid4()) for _ in range(5)]
    assert store.put_many({s: bytes([i]) * 60 for i, s in enumerate(subjects[:2])}) in (
        set(subjects[:2]), None)
    stored = store.put_many({s: b"n" * 60 for s in subjects})
    assert stored in (set(subjects[2:]), None)
    keys = store.get_many(subjects)
    assert keys[subjects[0]] == bytes([0]) * 60 and keys[subjects[1]] == bytes([1]) * 60
    assert all(keys[s] == b"n" * 60 for s in subjects[2:])
    assert store.put_many({subjects[4]: b"z" * 60}) in (set(), None)
    assert store.get_many([subjects[4]])[subjects[4]] == b"n" * 60

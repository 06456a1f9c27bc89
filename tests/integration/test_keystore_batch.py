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

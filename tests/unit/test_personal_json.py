"""PersonalDetails.to_json is the sealed plaintext: its bytes must never change."""

import json
from dataclasses import asdict, fields

import pytest

from domain.personal import Identity, PersonalDetails


@pytest.mark.parametrize("details", [
    PersonalDetails("张三", "11010519491231002X", "13800138000"),
    PersonalDetails("Ann \"A\" \\ B", "11010519491231002X", None, "厦门市思明区 1 号"),
    PersonalDetails("ctl \x00\x01\x1f\x7f nl\n tab\t ls\u2028 ps\u2029 😀 /", "", "", ""),
    PersonalDetails(None, None, None, None),  # type: ignore[arg-type]
])
def test_to_json_is_the_sorted_asdict_dump(details):
    assert details.to_json() == json.dumps(asdict(details), ensure_ascii=False,
                                           sort_keys=True).encode()
    assert PersonalDetails.from_json(details.to_json()) == details


def test_from_json_gives_a_frozen_equal_details_and_fills_missing_fields():
    import dataclasses

    d = PersonalDetails.from_json(PersonalDetails("张三", "11010519491231002X").to_json())
    assert d == PersonalDetails("张三", "11010519491231002X") and hash(d) == hash(
        PersonalDetails("张三", "11010519491231002X"))
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.name = "李四"  # type: ignore[misc]
    older = PersonalDetails.from_json('{"name": "李四", "resident_id": "X"}'.encode())
    assert older == PersonalDetails("李四", "X", None, None)
    with pytest.raises(TypeError):
        PersonalDetails.from_json(b'{"name": "a", "resident_id": "b", "nickname": "c"}')


def test_data_keys_are_fresh_32_byte_keys():
    from domain.personal import InMemoryKeyStore, PersonalDataVault

    vault = PersonalDataVault(b"m" * 32, InMemoryKeyStore())
    subjects = [f"s{i}" for i in range(5000)]  # more than one buffer of random bytes
    vault.ensure_keys(subjects)
    keys = [vault._cache[s] for s in subjects]
    assert {len(k) for k in keys} == {32} and len(set(keys)) == len(keys)
    sealed = vault.seal("s1", PersonalDetails("张三", "11010519491231002X"))
    assert vault.open("s1", sealed) == PersonalDetails("张三", "11010519491231002X")


def test_to_json_names_every_field():
    d = PersonalDetails("a", "b", "c", "d")
    assert set(json.loads(d.to_json())) == {f.name for f in fields(PersonalDetails)}


def test_membership_id_memo_gives_the_hmac():
    a, b = Identity(b"k" * 32), Identity(b"k" * 32)
    rid = "11010519491231002X"
    assert a.membership_id(rid) == a.membership_id(rid) == b.membership_id(rid)
    for i in range(40_000):  # past both of the memo's generations: still right
        a.membership_id(f"{i:018d}")
    assert a.membership_id(rid) == Identity(b"k" * 32).membership_id(rid)
    assert a.membership_id(rid) != Identity(b"j" * 32).membership_id(rid)


def test_an_id_asked_again_after_a_generation_of_others_is_not_hashed_again(monkeypatch):
    """An import asks for a row's id on its reading thread, then up to two batches later when
    it checks the row: the memo must still hold it after a generation's worth of others."""
    from domain import personal

    ident = Identity(b"k" * 32)
    hashed: list[str] = []
    digest = ident.digest
    monkeypatch.setattr(ident, "digest", lambda kind, v: hashed.append(v) or digest(kind, v))
    n = personal._ID_GENERATION
    first = [ident.membership_id(f"{i:018d}") for i in range(n)]
    for i in range(n - 1):  # all but one of a second generation's worth
        ident.membership_id(f"x{i:017d}")
    hashed.clear()
    assert [ident.membership_id(f"{i:018d}") for i in range(n)] == first
    assert hashed == []
    for i in range(n + 1):  # two generations since: hashed again, the same ids
        ident.membership_id(f"z{i:017d}")
    hashed.clear()
    assert [ident.membership_id(f"{i:018d}") for i in range(3)] == first[:3]
    assert len(hashed) == 3


def test_nonces_never_repeat_across_buffers_and_a_forked_child_drops_the_parents():
    import os

    from domain import personal

    pool = personal._Nonces()
    seen = [pool.take() for _ in range(2 * personal._Nonces.SIZE // 12 + 5)]
    assert all(len(n) == 12 for n in seen) and len(set(seen)) == len(seen)

    personal._NONCES.take()  # the process-wide pool now holds a buffer
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its first nonce must not be the parent's next one
        os.write(w, personal._NONCES.take())
        os._exit(0)
    os.waitpid(pid, 0)
    child = os.read(r, 12)
    assert child != personal._NONCES.take()
    assert personal._NONCES._buf == b"" or child not in personal._NONCES._buf


def test_a_sealed_token_opens_and_two_seals_differ():
    from domain.personal import InMemoryKeyStore, PersonalDataVault

    vault = PersonalDataVault(b"m" * 32, InMemoryKeyStore())
    d = PersonalDetails("张三", "11010519491231002X", "13800138000")
    a, b = vault.seal("s1", d), vault.seal("s1", d)
    assert a != b and vault.open("s1", a) == vault.open("s1", b) == d

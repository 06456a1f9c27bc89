"""The bulk join path (`prepare_join_rows` / `save_join_rows`): it builds new members' stored
events without the aggregate machinery, so they must be byte for byte what the library's save
of the aggregates writes, rejoins and refusals included; and a batch is still all or nothing."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from domain.application import Ledger
from domain.enums import EmploymentRelation
from domain.errors import ConflictError
from domain.joining import Situation
from domain.membership import Membership
from domain.personal import Identity, InMemoryKeyStore, PersonalDataVault, PersonalDetails
from tests.builders import build_tree, join_request, person
from tests.unit.memledger import TODAY, position

STAMP = datetime(2026, 11, 28, 9, 30, 15, 123456, tzinfo=UTC)
TRICKY = 'quote " back \\ nl \n tab \t ctl \x01 \x1f del \x7f ls \u2028 ps \u2029 😀 工会'


def ledger(env: dict[str, str] | None = None) -> Ledger:
    led = Ledger({"PERSISTENCE_MODULE": "eventsourcing.popo", **(env or {})},
                 identity=Identity(b"s" * 32),
                 vault=PersonalDataVault(b"m" * 32, InMemoryKeyStore()), today=lambda: TODAY)
    # sealing is random (fresh nonces and data keys): a token both ledgers compute alike
    led.vault.seal = lambda subject, d: f"sealed:{subject}:{d.name}:{d.phone}:{d.address}"
    return led


@pytest.fixture(autouse=True)
def fixed_timestamp(monkeypatch):
    monkeypatch.setattr(Membership.Joined, "create_timestamp", staticmethod(lambda: STAMP))


def setup(led: Ledger) -> tuple[Any, list[Any]]:
    """The tree, a campaign over the township in November, and two people who joined and
    withdrew (they rejoin in the batch)."""
    tree = build_tree(led)
    led.launch_campaign(campaign_id="XM-2026-11", name="入会集中行动", organiser_code=tree.county,
                        region_code="350203", period_from="2026-11-01", period_to="2026-11-30",
                        targets={"courier": 3}, recorded_by="official-1")
    gone = []
    for seed in (501, 502):
        details = person(random.Random(seed))
        mid = led.join(join_request(details, tree.township, effective_on="2026-03-01")).id
        led.withdraw(mid, recorded_by="official-1", effective_on="2026-05-01")
        gone.append(details)
    return tree, gone


def requests(tree: Any, gone: list[PersonalDetails]) -> list[Any]:
    rng = random.Random(11)
    contract = Situation(EmploymentRelation.LABOUR_CONTRACT, employer_code=tree.platform)
    both = Situation(EmploymentRelation.PLATFORM_SELF_EMPLOYED, work_region="350203001001",
                     residence_region="350206001003")
    p = [person(rng) for _ in range(12)]
    reqs = [
        join_request(p[0], tree.township),  # effective today: inside the campaign
        join_request(replace(p[1], phone=None), tree.village, effective_on="2026-03-02"),
        join_request(replace(p[2], address="厦门市思明区某路1号"), tree.township,
                     effective_on="2026-11-05", group="food_delivery_rider"),
        join_request(p[3], tree.platform_union, situation=contract, channel="ceremony"),
        join_request(p[4], tree.township2, situation=both, effective_on="2026-11-20"),
        join_request(gone[0], tree.village, effective_on="2026-11-02"),  # rejoins
        join_request(p[5], tree.township, effective_on="2027-01-01"),  # refused: future
        join_request(p[0], tree.village),  # refused: twice in the batch
        replace(join_request(p[6], tree.county, situation=contract),
                override_by=tree.city, override_reason=TRICKY),  # basis holds free text
        replace(join_request(p[7], tree.township), recorded_by=TRICKY),
        replace(join_request(p[8], tree.township, effective_on="2026-11-03"),
                campaign_id="XM-2026-11"),
        join_request(gone[1], tree.township),  # rejoins
        join_request(gone[1], tree.township),  # refused: already a member again
        join_request(p[9], tree.county),  # refused: joining path
        join_request(replace(p[10], resident_id=p[10].resident_id[:-1] + "0"
                             if p[10].resident_id[-1] != "0" else p[10].resident_id[:-1] + "1"),
                     tree.township),  # refused: check character
    ]
    return reqs


def recorded(led: Ledger, since: int) -> list[tuple[Any, ...]]:
    return [(n.originator_id, n.originator_version, n.topic, n.state)
            for n in led.recorder.select_notifications(since + 1, 10_000)]


def errors_of(errors: list[tuple[int, Any]]) -> list[tuple[int, str, str | None]]:
    return [(i, e.code, e.rule) for i, e in errors]


def both_paths(env: dict[str, str] | None = None):
    old, new = ledger(env), ledger(env)
    tree, gone = setup(old)
    tree2, gone2 = setup(new)
    assert tree == tree2 and gone == gone2
    start_old, start_new = position(old), position(new)
    reqs = requests(tree, gone)
    ready, errors_old = old.prepare_join_batch(reqs)
    old.save_join_batch(ready)
    rows, errors_new = new.prepare_join_rows(reqs)
    last = new.save_join_rows(rows)
    assert last == position(new)
    return (old, recorded(old, start_old), errors_old), (new, recorded(new, start_new),
                                                         errors_new), rows


def test_the_bulk_path_stores_the_same_events_as_the_aggregates_save_byte_for_byte():
    (_, old_rows, old_errors), (new, new_rows, new_errors), rows = both_paths()
    assert rows.aggregates is None and len(rows.rejoined.aggregates) == 2  # the direct path
    assert errors_of(new_errors) == errors_of(old_errors)
    assert [i for i, _ in new_errors] == [6, 7, 12, 13, 14]
    assert len(new_rows) == len(old_rows) == 10
    assert new_rows == old_rows  # ids, versions, topics and state bytes, in row order
    states = [new.mapper.to_domain_event(n) for n in
              new.recorder.select_notifications(position(new) - 9, 10)]
    by_campaign = [getattr(e, "campaign_id", None) for e in states]
    assert by_campaign.count("XM-2026-11") >= 3 and None in by_campaign
    assert {e.originator_version for e in states} == {1, 3}  # new members and two rejoins
    assert any(TRICKY in e.basis for e in states)
    assert any(e.recorded_by == TRICKY for e in states)


def test_the_bulk_path_matches_under_a_cipher_too():
    env = {"CIPHER_TOPIC": "eventsourcing.cipher:AESCipher",
           "CIPHER_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="}
    (old, old_rows, _), (new, new_rows, _), rows = both_paths(env)
    assert rows.aggregates is None
    plain = [(i, v, t, new.mapper.cipher.decrypt(s)) for i, v, t, s in new_rows]
    assert plain == [(i, v, t, old.mapper.cipher.decrypt(s)) for i, v, t, s in old_rows]
    assert all(b"sealed:" not in s for *_, s in new_rows)  # encrypted at rest


def test_with_an_aggregate_cache_the_library_save_is_used_and_stores_the_same():
    (_, old_rows, old_errors), (new, new_rows, new_errors), rows = both_paths(
        {"AGGREGATE_CACHE_MAXSIZE": "100"})
    assert rows.aggregates is not None and len(rows.aggregates) == 10
    assert new_rows == old_rows and errors_of(new_errors) == errors_of(old_errors)
    assert new.repository.get(rows.ids[0]).version == 1  # served (and cached) alike


def test_a_batch_that_conflicts_records_nothing():
    led = ledger()
    tree, _ = setup(led)
    rng = random.Random(77)
    people = [person(rng) for _ in range(5)]
    rows, errors = led.prepare_join_rows([join_request(p, tree.township) for p in people])
    assert not errors and len(rows) == 5
    led.join(join_request(people[3], tree.village))  # someone else records one of them first
    before = position(led)
    with pytest.raises(ConflictError):
        led.save_join_rows(rows)
    assert position(led) == before  # none of the batch, not even the rows before the clash
    assert led.join_many([join_request(p, tree.township) for p in people])[1][0][1].code \
        == "already_member"


def test_a_rejoin_that_reaches_the_snapshot_interval_is_snapshotted():
    led = ledger()
    tree, _ = setup(led)
    details = person(random.Random(9))
    mid = led.join(join_request(details, tree.township, effective_on="2026-01-01")).id
    led.correct_details(mid, recorded_by="official-1", reason="更正", worker_group="courier",
                        effective_on="2026-01-01")
    for _ in range(24):  # versions 3..50: withdraw, rejoin, ... the last rejoin is version 50
        led.withdraw(mid, recorded_by="official-1", effective_on="2026-01-02")
        if led.get_membership(mid).version == 49:
            break
        led.join(join_request(details, tree.township, effective_on="2026-01-02"))
    assert led.get_membership(mid).version == 49
    rows, errors = led.prepare_join_rows([join_request(details, tree.township,
                                                       effective_on="2026-01-03")])
    assert not errors
    led.save_join_rows(rows)
    snaps = list(led.snapshots.get(mid)) if led.snapshots else []
    assert [s.originator_version for s in snaps][-1:] == [50]


def test_effective_dates_are_memoised_per_today_and_field_and_refusals_never():
    from datetime import date

    from domain.errors import ValidationError

    today = [date(2026, 11, 28)]
    led = Ledger({"PERSISTENCE_MODULE": "eventsourcing.popo"}, identity=Identity(b"s" * 32),
                 vault=PersonalDataVault(b"m" * 32, InMemoryKeyStore()), today=lambda: today[0])
    assert led.effective("2026-11-28") == date(2026, 11, 28)
    today[0] = date(2026, 11, 27)  # the same text, a day later than the new today
    with pytest.raises(ValidationError) as e:
        led.effective("2026-11-28")
    assert e.value.code == "date.future"
    for _ in range(2):  # a refusal is given again, never remembered as a date
        with pytest.raises(ValidationError) as e:
            led.effective("2026-02-30", field="joined_on")
        assert (e.value.code, e.value.field) == ("date.format", "joined_on")
    with pytest.raises(ValidationError) as e:
        led.effective("1949-09-30", field="a")
    assert e.value.field == "a"
    with pytest.raises(ValidationError) as e:  # the same text for another field names it
        led.effective("1949-09-30", field="b")
    assert e.value.field == "b"
    assert led.effective(" 2026-01-05 ") == date(2026, 1, 5)

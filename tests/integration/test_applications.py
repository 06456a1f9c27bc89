"""Online applications (art. 8) on SQLite and PostgreSQL: submit, queue, approve, reject."""

from __future__ import annotations

import random
from dataclasses import replace
from uuid import UUID

import pytest

from domain.errors import (
    AlreadyMemberError,
    InvalidTransitionError,
    NotFoundError,
    RuleViolationError,
    ValidationError,
)
from domain.values import generate_credit_code
from tests.builders import build_tree, join_request, person, self_employed

WORKER = {"given_by": "worker", "consented_at": "2026-11-20T09:30:00+08:00",
          "consent_text": "本人自愿加入工会，同意工会处理本人信息用于会员管理"}


@pytest.fixture
def tree(runtime):
    return build_tree(runtime.ledger)


def submit(runtime, union, details, consent=None, **kw):
    return runtime.ledger.submit_application(
        details=details, union_code=union, worker_group="food_delivery_rider",
        situation=kw.pop("situation", self_employed()), consent=consent or WORKER,
        recorded_by="applicant", submitted_on=kw.pop("submitted_on", "2026-11-20"), **kw)


def application_no(ledger, result) -> str:
    return ledger.repository.get(UUID(result.id)).application_no


def events_since(runtime, before):
    return [n.topic.rsplit(".", 1)[-1]
            for n in runtime.ledger.recorder.select_notifications(before + 1, 1000)]


def top(runtime):
    return runtime.ledger.recorder.max_notification_id() or 0


def test_a_worker_applies_online_and_approval_records_membership_and_application_together(
        runtime, tree):
    ledger = runtime.ledger
    details = person(random.Random(1))
    res = submit(runtime, tree.township, details)
    no = application_no(ledger, res)
    assert no.startswith("RH") and len(no) == 18
    assert ledger.application_status(no)["status"] == "submitted"
    [queued] = ledger.application_queue(tree.township)
    assert (queued["application_no"], queued["age_days"], queued["name_masked"]) == (
        no, 8, details.name[0] + "*" * (len(details.name) - 1))

    before = top(runtime)
    ledger.approve_application(no, recorded_by="official-1")
    assert events_since(runtime, before) == ["Joined", "Approved", "Decided"]  # one save
    m = ledger.find_membership(details.resident_id)
    assert (m.union_id, m.channel, m.worker_group) == (tree.township, "online",
                                                       "food_delivery_rider")
    status = ledger.application_status(no)
    assert (status["status"], status["decided_on"]) == ("approved", "2026-11-28")
    assert ledger.application_queue(tree.township) == []


def test_a_platform_submits_with_the_workers_consent_and_the_member_joins_via_platform(
        runtime, tree):
    details = person(random.Random(2))
    consent = WORKER | {"given_by": "platform", "platform_employer_code": tree.platform}
    on_platform = replace(self_employed(), employer_code=tree.platform)
    res = submit(runtime, tree.platform_union, details, consent=consent, situation=on_platform)
    no = application_no(runtime.ledger, res)
    runtime.ledger.approve_application(no, recorded_by="official-2")
    m = runtime.ledger.find_membership(details.resident_id)
    assert (m.union_id, m.channel) == (tree.platform_union, "via_platform")


def test_an_application_from_a_member_is_answered_already_a_member_naming_the_union(
        runtime, tree):
    details = person(random.Random(3))
    runtime.ledger.join(join_request(details, tree.village))
    before = top(runtime)
    with pytest.raises(AlreadyMemberError) as info:
        submit(runtime, tree.township, details)
    assert info.value.details["union_code"] == tree.village and top(runtime) == before


def test_an_application_to_a_union_the_joining_path_does_not_allow_is_refused(runtime, tree):
    with pytest.raises(RuleViolationError) as info:
        submit(runtime, tree.township2, person(random.Random(4)))
    assert info.value.code == "join.path_not_allowed"


def test_a_rejection_needs_a_reason_shows_it_to_the_applicant_and_ends_the_application(
        runtime, tree):
    ledger = runtime.ledger
    res = submit(runtime, tree.township, person(random.Random(5)))
    no = application_no(ledger, res)
    with pytest.raises(ValidationError) as info:
        ledger.reject_application(no, reason=" ", recorded_by="official-1")
    assert info.value.code == "reason.required"
    ledger.reject_application(no, reason="工作地不在本街道", recorded_by="official-1")
    status = ledger.application_status(no)
    assert (status["status"], status["reason"]) == ("rejected", "工作地不在本街道")
    with pytest.raises(InvalidTransitionError) as info:
        ledger.approve_application(no, recorded_by="official-1")
    assert info.value.code == "application.cannot_approve"


def test_one_application_at_a_time_per_worker_and_a_new_one_after_the_decision(runtime, tree):
    ledger = runtime.ledger
    details = person(random.Random(21))
    first = application_no(ledger, submit(runtime, tree.township, details))
    before = top(runtime)
    with pytest.raises(RuleViolationError) as info:  # even to another union, or by a platform
        submit(runtime, tree.village, details)
    assert (info.value.code, info.value.field) == ("application.pending", "resident_id")
    # the earlier number is the applicant's own status key: not shown to whoever asks
    assert first not in info.value.message_zh + str(info.value.details)
    assert top(runtime) == before  # nothing recorded
    ledger.reject_application(first, reason="材料不全", recorded_by="official-1")
    second = application_no(ledger, submit(runtime, tree.township, details))
    assert ledger.application_status(second)["status"] == "submitted"
    ledger.approve_application(second, recorded_by="official-1")
    assert ledger.find_membership(details.resident_id).union_id == tree.township


def test_two_simultaneous_applications_for_one_worker_record_exactly_one(runtime, tree):
    import threading

    from domain.errors import ConflictError, LedgerError

    details = person(random.Random(22))
    go, outcomes = threading.Barrier(6), []

    def attempt() -> None:
        go.wait()
        try:
            outcomes.append(submit(runtime, tree.township, details).id)
        except (ConflictError, RuleViolationError) as e:
            outcomes.append(e.code)
        except LedgerError as e:  # pragma: no cover - shown in the assertion below
            outcomes.append(repr(e))

    threads = [threading.Thread(target=attempt) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    recorded = [o for o in outcomes if o not in ("concurrent_change", "application.pending")]
    assert len(recorded) == 1 and len(outcomes) == 6, outcomes


BAD_CONSENTS = [
    ({"consent_text": ""}, "consent.text_required"),
    ({"given_by": "union"}, "consent.given_by"),
    ({"given_by": "platform"}, "consent.platform_required"),
    ({"consented_at": "2027-01-01"}, "consent.consented_at_future"),
    ({"consented_at": "yesterday"}, "consent.consented_at_format"),
]


def test_an_application_without_a_valid_consent_record_is_refused(runtime, tree):
    before = top(runtime)
    for change, code in BAD_CONSENTS:  # one database for all cases keeps the suite fast
        with pytest.raises(ValidationError) as info:
            submit(runtime, tree.township, person(random.Random(6)), consent=WORKER | change)
        assert (info.value.code, info.value.field.startswith("consent.")) == (code, True)
    assert top(runtime) == before


def test_only_a_platform_enterprise_may_submit_for_a_worker(runtime, tree):
    other = generate_credit_code(random.Random(7), region_code="350203")
    runtime.ledger.register_employer(code=other, name="某餐饮公司", kind="other",
                                     region_code="350203", recorded_by="builder")
    consent = WORKER | {"given_by": "platform", "platform_employer_code": other}
    with pytest.raises(RuleViolationError) as info:
        submit(runtime, tree.township, person(random.Random(8)), consent=consent)
    assert info.value.code == "consent.not_platform"


def test_the_applicants_status_view_carries_no_personal_data(runtime, tree):
    details = person(random.Random(9))
    res = submit(runtime, tree.township, details)
    status = runtime.ledger.application_status(application_no(runtime.ledger, res))
    text = repr(status)
    assert details.name not in text and details.resident_id not in text
    assert details.phone not in text


def test_an_approval_beaten_by_a_join_elsewhere_is_refused_and_the_application_stays_pending(
        runtime, tree):
    ledger = runtime.ledger
    details = person(random.Random(10))
    res = submit(runtime, tree.township, details)
    no = application_no(ledger, res)
    ledger.join(join_request(details, tree.village, channel="mobile_window"))
    before = top(runtime)
    with pytest.raises(AlreadyMemberError):
        ledger.approve_application(no, recorded_by="official-1")
    assert top(runtime) == before and ledger.application_status(no)["status"] == "submitted"


def test_an_unknown_application_number_is_not_found(runtime, tree):
    with pytest.raises(NotFoundError) as info:
        runtime.ledger.application_status("RH0000000000000000")
    assert info.value.code == "application.not_found"


def test_the_projected_review_queue_matches_the_replayed_one_and_drops_decided_applications(
        runtime, tree):
    from projections import open_read_side
    from projections.applications import pending_applications

    ledger = runtime.ledger
    nos = [application_no(ledger, submit(runtime, tree.township, person(random.Random(s)),
                                         submitted_on=on))
           for s, on in ((21, "2026-11-02"), (22, "2026-11-01"), (23, "2026-11-03"))]
    submit(runtime, tree.platform_union, person(random.Random(24)), consent=WORKER | {
        "given_by": "platform", "platform_employer_code": tree.platform},
        situation=replace(self_employed(), employer_code=tree.platform))
    ledger.approve_application(nos[2], recorded_by="official-1")
    store, runner = open_read_side(runtime, start_runner=False)
    runner.catch_up()
    projected = pending_applications(store.db, tree.township, ledger.today())
    assert projected == ledger.application_queue(tree.township)
    assert [r["application_no"] for r in projected] == [nos[1], nos[0]]  # oldest first

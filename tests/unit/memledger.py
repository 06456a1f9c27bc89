"""An in-memory Ledger and refusal helpers for the pure-domain rule and membership tests."""

from __future__ import annotations

import os
import random
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from domain.application import Ledger
from domain.errors import LedgerError
from domain.personal import Identity, InMemoryKeyStore, PersonalDataVault
from tests.builders import union_code

TODAY = date(2026, 11, 28)


def memory_ledger(secret: bytes = b"x" * 32) -> Ledger:
    return Ledger(
        {"PERSISTENCE_MODULE": "eventsourcing.popo"},
        identity=Identity(secret),
        vault=PersonalDataVault(os.urandom(32), InMemoryKeyStore()),
        today=lambda: TODAY,
    )


def position(ledger: Ledger) -> int:
    return ledger.recorder.max_notification_id() or 0


def new_events(ledger: Ledger, since: int) -> list[str]:
    """Class names of the events recorded after notification `since`, in order."""
    return [
        n.topic.rsplit(".", 1)[-1]
        for n in ledger.recorder.select_notifications(since + 1, 10**6)
    ]


def refused(
    ledger: Ledger, error: type[LedgerError], command: Callable[..., Any], *args: Any,
    **kwargs: Any,
) -> LedgerError:
    """Runs a command that must be refused; asserts nothing was recorded; returns the error."""
    before = position(ledger)
    with pytest.raises(error) as info:
        command(*args, **kwargs)
    assert position(ledger) == before, "a refused command recorded events"
    e = info.value
    assert e.message_zh and e.message_en and e.code
    return e


def establish(ledger: Ledger, parent: str, kind: str, level: str, region: str, *,
              seed: int = 0, employer: str | None = None, name: str = "测试工会") -> str:
    """Establishes a union under `parent` (approved by it) and returns its code."""
    code = union_code(random.Random(f"{seed}{kind}{region}"), region,
                      grassroots=kind == "enterprise")
    ledger.establish_union(code=code, name=name, kind=kind, level=level, region_code=region,
                           parent_code=parent, approved_by=parent, recorded_by="builder",
                           employer_code=employer, effective_on=date(2021, 1, 1))
    return code

"""The read side as the API sees it: the projections' ReadStore, with the ledger as fallback.

Scope checks and single-union reads fall back to the ledger's aggregates when the store has not
seen a union yet (or is absent); lists, rosters and counts need the store.
"""

from __future__ import annotations

from typing import Any

from domain.application import Ledger
from domain.errors import LedgerError, NotFoundError, ValidationError
from domain.union import Union


class ReadSideUnavailableError(LedgerError):
    """The projections are not running, or have not reached the asked position (→ 503)."""

    code = "read_side.unavailable"


def union_dict(u: Union) -> dict[str, Any]:
    return {
        "code": u.code, "name": u.name, "kind": u.kind, "level": u.level,
        "parent_code": u.parent_code, "region_code": u.region_code,
        "employer_code": u.employer_code, "approved_by": u.approved_by,
        "established_on": u.established_on, "dissolved": u.dissolved, "version": u.version,
    }


class ReadSide:
    def __init__(self, ledger: Ledger, store: Any = None, runner: Any = None) -> None:
        self.ledger = ledger
        self.store = store
        self.runner = runner

    def need_store(self) -> Any:
        if self.store is None:
            raise ReadSideUnavailableError(
                "查询服务（读模型）未启动", message_en="the read side is not running",
                code="read_side.unavailable")
        return self.store

    def position(self) -> int:
        return int(self.ledger.recorder.max_notification_id() or 0)

    def wait(self, min_position: int | None) -> None:
        """Read-your-writes: bounded wait until the read side has `min_position`."""
        if not min_position or self.store is None:
            return
        if min_position > self.position():
            raise ValidationError("min_position 超过台账当前位置",
                                  message_en="min_position is beyond the ledger's position",
                                  code="min_position.future", field="min_position")
        if not self.store.wait_for(min_position, timeout=2.0):
            raise ReadSideUnavailableError(
                "查询服务尚未同步到该位置，请稍后重试",
                message_en="the read side has not reached min_position yet; retry",
                code="read_side.behind", field="min_position")

    def union(self, code: str) -> dict[str, Any]:
        if self.store is not None:
            row = self.store.union(code)
            if row is not None:
                return dict(row)
        return union_dict(self.ledger.get_union(code, field="code"))

    def ancestor_codes(self, code: str) -> list[str]:
        """For scope checks: the store's closure table when it is current, else the ledger's
        aggregates (authoritative), so a just-moved union is never judged by its old parent."""
        if (self.store is not None and self.store.position() >= self.position()
                and self.store.union(code) is not None):
            return [a["code"] for a in self.store.ancestors(code)]
        try:
            return [u.code for u in self.ledger.ancestors(code)]
        except (NotFoundError, ValidationError):
            return []

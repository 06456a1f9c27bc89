"""The one error hierarchy of the ledger: a stable machine code, the field, the rule, zh/en text.

Every refusal the domain makes is a LedgerError; the API maps the subclass to an HTTP status.
"""

from __future__ import annotations

from typing import Any


class LedgerError(Exception):
    """Base of every refusal. `code` is stable for programs; `message_zh` is for people."""

    code = "ledger_error"

    def __init__(
        self,
        message_zh: str,
        *,
        message_en: str = "",
        code: str | None = None,
        field: str | None = None,
        rule: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message_zh)
        self.message_zh = message_zh
        self.message_en = message_en or message_zh
        if code is not None:
            self.code = code
        self.field = field
        self.rule = rule
        self.details = details or {}

    def as_dict(self, lang: str = "zh") -> dict[str, Any]:
        return {
            "code": self.code,
            "field": self.field,
            "rule": self.rule,
            "message": self.message_en if lang == "en" else self.message_zh,
            **({"details": self.details} if self.details else {}),
        }


class ValidationError(LedgerError):
    """Malformed input: a field breaks its format rule (→ 422)."""

    code = "invalid"


class NotFoundError(LedgerError):
    """The named member, union or employer does not exist (→ 404)."""

    code = "not_found"


class RuleViolationError(LedgerError):
    """Well-formed input that a policy rule refuses (→ 422 or 409 by subclass)."""

    code = "rule_violation"


class AlreadyMemberError(RuleViolationError):
    """R1: one person, one membership (→ 409)."""

    code = "already_member"


class InvalidTransitionError(RuleViolationError):
    """The membership's current status does not allow this command (→ 409)."""

    code = "invalid_transition"


class ConflictError(LedgerError):
    """A concurrent command changed the aggregate first (→ 409); reload and retry."""

    code = "concurrent_change"

    @classmethod
    def lost_race(cls) -> ConflictError:
        """The error for a save the event store refused (another writer recorded first)."""
        return cls("该记录刚被其他操作修改，本次操作未生效，请刷新后重试",
                   message_en="a concurrent change won; nothing was recorded, reload and retry",
                   code="concurrent_change")


class PermissionDeniedError(LedgerError):
    """The actor may not do this (→ 403)."""

    code = "forbidden"

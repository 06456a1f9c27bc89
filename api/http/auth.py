"""Bearer tokens (HMAC-SHA256 over a JSON payload), roles, and the union-subtree scope guard.

A token carries subject, role, scope (a union code; national admin = root), an optional bound
employer, the personal_data permission and an expiry. The guard answers every "may they?".
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from domain.errors import NotFoundError, PermissionDeniedError

ROLES = ("national_admin", "union_official", "auditor", "platform_integrator")
PREFIX = "ul1"


class AuthenticationError(PermissionDeniedError):
    """No token, a bad signature or an expired token (→ 401)."""

    code = "unauthenticated"


@dataclass(frozen=True)
class Principal:
    subject: str
    role: str
    scope: str | None
    employer: str | None = None
    personal_data: bool = False
    expires: int = 0


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def mint_token(
    secret: bytes, *, subject: str, role: str, scope: str | None, employer: str | None = None,
    personal_data: bool = False, days: float = 30, now: float | None = None,
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if role == "platform_integrator" and not employer:
        raise ValueError("a platform_integrator token must be bound to an employer code")
    payload = {
        "sub": subject, "role": role, "scope": scope, "emp": employer,
        "pd": bool(personal_data), "exp": int((now or time.time()) + days * 86400),
    }
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    sig = _b64(hmac.new(secret, f"{PREFIX}.{body}".encode(), hashlib.sha256).digest())
    return f"{PREFIX}.{body}.{sig}"


def _unauthenticated(zh: str, en: str) -> AuthenticationError:
    return AuthenticationError(zh, message_en=en, code="unauthenticated", field="Authorization")


def verify_token(secret: bytes, token: str, now: float | None = None) -> Principal:
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise _unauthenticated("令牌格式错误", "malformed bearer token")
    expected = hmac.new(secret, f"{PREFIX}.{parts[1]}".encode(), hashlib.sha256).digest()
    try:
        given = _unb64(parts[2])
        payload: dict[str, Any] = json.loads(_unb64(parts[1])) if hmac.compare_digest(
            expected, given) else {}
    except (ValueError, UnicodeDecodeError):
        payload = {}
    if not payload or payload.get("role") not in ROLES:
        raise _unauthenticated("令牌无效", "invalid bearer token")
    if int(payload.get("exp", 0)) < (now or time.time()):
        raise _unauthenticated("令牌已过期", "the bearer token has expired")
    return Principal(
        subject=str(payload["sub"]), role=payload["role"], scope=payload.get("scope"),
        employer=payload.get("emp"), personal_data=bool(payload.get("pd")),
        expires=int(payload["exp"]),
    )


def forbidden(zh: str = "无权执行此操作",
              en: str = "not allowed for this token") -> PermissionDeniedError:
    return PermissionDeniedError(zh, message_en=en, code="forbidden")


def member_not_found() -> NotFoundError:
    return NotFoundError("会员不存在", message_en="member_id: not found",
                         code="membership.not_found", field="member_id")


@dataclass
class Guard:
    """Per-request authorisation: role checks and subtree scope (ancestors from the read side)."""

    principal: Principal
    ancestors: Callable[[str], list[str]]
    _cache: dict[str, bool] = field(default_factory=dict)

    @property
    def role(self) -> str:
        return self.principal.role

    def require_role(self, *roles: str) -> None:
        if self.role not in roles:
            raise forbidden()

    def in_scope(self, union_code: str | None) -> bool:
        if not union_code:
            return False
        if self.role == "national_admin":
            return True
        if self.role not in ("union_official", "auditor") or not self.principal.scope:
            return False
        if union_code not in self._cache:
            scope = self.principal.scope
            self._cache[union_code] = union_code == scope or scope in self.ancestors(union_code)
        return self._cache[union_code]

    def require_union_read(self, code: str) -> None:
        self.require_role("national_admin", "union_official", "auditor")
        if not self.in_scope(code):
            raise forbidden("该工会不在您的管辖范围内", "this union is outside your scope")

    def require_union_write(self, code: str) -> None:
        self.require_role("national_admin", "union_official")
        if not self.in_scope(code):
            raise forbidden("该工会不在您的管辖范围内", "this union is outside your scope")

    def member_visible(self, *union_codes: str | None) -> None:
        """A membership outside the scope answers 404 so that its existence does not leak."""
        self.require_role("national_admin", "union_official", "auditor")
        if not any(self.in_scope(c) for c in union_codes):
            raise member_not_found()

    def member_writable(self, *union_codes: str | None) -> None:
        self.member_visible(*union_codes)
        self.require_role("national_admin", "union_official")

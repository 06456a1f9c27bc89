"""Typed FastAPI dependencies: the per-app context, the caller's guard, and common headers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Header, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.http.access_log import AccessLog
from api.http.auth import AuthenticationError, Guard, verify_token
from api.http.idempotency import IdempotencyStore
from api.http.import_jobs import ImportJobs
from api.http.reads import ReadSide
from api.wiring import Runtime
from domain.errors import ValidationError


@dataclass
class Context:
    """What every handler may use; built once in the app's lifespan."""

    runtime: Runtime
    reads: ReadSide
    idempotency: IdempotencyStore
    access_log: AccessLog
    metrics: Any
    import_jobs: ImportJobs


def _context(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]


Ctx = Annotated[Context, Depends(_context)]
_bearer = HTTPBearer(auto_error=False, description="`union-ledger token create` mints one")


def _guard(ctx: Ctx, creds: Annotated[HTTPAuthorizationCredentials | None,
                                      Depends(_bearer)]) -> Guard:
    if creds is None or creds.scheme.lower() != "bearer":
        raise AuthenticationError("缺少访问令牌（Authorization: Bearer …）",
                                  message_en="missing bearer token", code="unauthenticated",
                                  field="Authorization")
    principal = verify_token(ctx.runtime.keys["token_secret"], creds.credentials)
    return Guard(principal, ctx.reads.ancestor_codes)


Caller = Annotated[Guard, Depends(_guard)]
IdempotencyKey = Annotated[str | None, Header(
    alias="Idempotency-Key", description="retry-safe writes: the same key returns the first "
    "response and records nothing new", max_length=200)]
Purpose = Annotated[str | None, Header(
    alias="X-Purpose",
    description="why personal data is read, percent-encoded UTF-8 (kept in the access log)",
    max_length=200)]
MinPosition = Annotated[int | None, Query(
    ge=0, le=2**62, description="wait (bounded) until the read side has this ledger position")]
IfMatchHeader = Annotated[str | None, Header(
    alias="If-Match", description='the membership version the change is based on, e.g. "3"',
    max_length=40)]

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,12})"?\s*$')


def if_match_version(value: str | None) -> int | None:
    if value is None or value.strip() == "*":
        return None
    m = _ETAG.match(value)
    if not m:
        raise ValidationError('If-Match 须为版本号，例如 "3"',
                              message_en='If-Match must be "<version>"',
                              code="if_match.invalid", field="If-Match")
    return int(m.group(1))

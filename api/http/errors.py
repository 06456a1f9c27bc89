"""RFC 9457 problem details: every refusal is application/problem+json with code, field and rule.

Messages are Chinese unless the request says `Accept-Language: en`; a 500 never shows internals.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.http.auth import AuthenticationError
from api.http.reads import ReadSideUnavailableError
from domain.errors import (
    AlreadyMemberError,
    ConflictError,
    InvalidTransitionError,
    LedgerError,
    NotFoundError,
    PermissionDeniedError,
    RuleViolationError,
    ValidationError,
)

log = logging.getLogger("union_ledger.api")
PROBLEM = "application/problem+json"


class ProblemResponse(BaseModel):
    """RFC 9457 problem details, with the ledger's stable code, the field and the rule."""

    type: str
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
    rule: str | None = None
    details: dict[str, Any] | None = None


def _doc(description: str) -> dict[str, Any]:
    return {"description": description, "model": ProblemResponse, "content": {PROBLEM: {}}}


#: documented on every route so clients (and schemathesis) know the problem shapes
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _doc("the body is not decodable (not UTF-8 JSON)"),
    401: _doc("no, invalid or expired bearer token"),
    403: _doc("the token's role or scope does not allow this"),
    404: _doc("not found, or outside the caller's scope"),
    409: _doc("conflicts with the current state (already a member, wrong status, duplicate)"),
    412: _doc("If-Match names a stale version"),
    422: _doc("invalid input or a policy rule refuses it"),
    503: _doc("the read side has not reached min_position yet; retry"),
}

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 409: "Conflict", 412: "Precondition Failed",
          422: "Unprocessable Content", 500: "Internal Server Error", 503: "Service Unavailable"}


def status_for(err: LedgerError) -> int:
    if isinstance(err, AuthenticationError):
        return 401
    if isinstance(err, ReadSideUnavailableError):
        return 503
    if isinstance(err, PermissionDeniedError):
        return 403
    if isinstance(err, NotFoundError):
        return 404
    if isinstance(err, ConflictError):
        return 412 if err.code == "version_mismatch" else 409
    if isinstance(err, AlreadyMemberError | InvalidTransitionError):
        return 409
    if isinstance(err, RuleViolationError):
        duplicate = err.code.endswith(".exists") or "already" in err.code
        return 409 if duplicate else 422
    if isinstance(err, ValidationError):
        return 422
    return 422


def english(request: Request) -> bool:
    return request.headers.get("accept-language", "").strip().lower().startswith("en")


def problem(status: int, code: str, detail: str, *, field: str | None = None,
            rule: str | None = None, details: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"urn:union-ledger:problem:{code}", "title": TITLES.get(status, "Error"),
        "status": status, "detail": detail, "code": code, "field": field, "rule": rule,
    }
    if details:
        body["details"] = details
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def ledger_problem(request: Request, err: LedgerError) -> JSONResponse:
    status = status_for(err)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem(status, err.code, err.message_en if english(request) else err.message_zh,
                   field=err.field, rule=err.rule, details=err.details or None, headers=headers)


def _field(loc: Any) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    return ".".join(parts) or "body"


# pydantic's error types in Chinese, for the people reading the message; `type` stays in code
_ZH_TYPES = {
    "missing": "缺少必填字段",
    "string_type": "应为文本",
    "string_too_short": "内容过短",
    "string_too_long": "内容过长",
    "string_pattern_mismatch": "格式不符",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "bool_parsing": "应为布尔值",
    "date_from_datetime_parsing": "应为日期（YYYY-MM-DD）",
    "date_parsing": "应为日期（YYYY-MM-DD）",
    "date_type": "应为日期（YYYY-MM-DD）",
    "datetime_parsing": "应为带时区的时间（ISO 8601）",
    "datetime_from_date_parsing": "应为带时区的时间（ISO 8601）",
    "enum": "取值不在可选范围内",
    "literal_error": "取值不在可选范围内",
    "extra_forbidden": "不允许的字段",
    "model_attributes_type": "应为对象",
    "dict_type": "应为对象",
    "list_type": "应为列表",
    "greater_than_equal": "数值过小",
    "less_than_equal": "数值过大",
    "json_invalid": "JSON 格式错误",
    "uuid_parsing": "应为 UUID",
}


def install(app: FastAPI) -> None:
    @app.exception_handler(LedgerError)
    def _ledger(request: Request, exc: LedgerError) -> JSONResponse:
        return ledger_problem(request, exc)

    @app.exception_handler(RequestValidationError)
    def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": ("body",), "msg": "invalid"}
        field = _field(first.get("loc", ()))
        zh_msg = _ZH_TYPES.get(str(first.get("type", "")), "格式或取值无效")
        zh = f"请求字段 {field} 无效：{zh_msg}"
        en = f"{field}: {first.get('msg', 'invalid')}"
        # input values are not echoed back: they may hold personal data
        fields = sorted({_field(e.get("loc", ())) for e in errors})
        return problem(422, "request.invalid", en if english(request) else zh, field=field,
                       details={"fields": fields, "type": first.get("type")})

    @app.exception_handler(StarletteHTTPException)
    def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {400: "body.undecodable", 404: "route.not_found",
                405: "method.not_allowed"}.get(exc.status_code, "http")
        headers = dict(exc.headers) if exc.headers else None
        return problem(exc.status_code, code, str(exc.detail), headers=headers)

    @app.exception_handler(Exception)
    def _crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        zh, en = "服务器内部错误", "internal server error"
        return problem(500, "internal", en if english(request) else zh)

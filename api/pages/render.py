"""Jinja2 rendering for the dashboard pages: filters (thousands separators, Chinese labels),
the page route class that turns refusals into HTML error pages, and the as-of parameter."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, FileSystemLoader, select_autoescape

from api.http.auth import AuthenticationError
from api.http.errors import status_for
from domain.enums import CHANNEL_ZH, LEVEL_ZH, STATUS_ZH, UNION_KIND_ZH, WORKER_GROUP_ZH
from domain.errors import LedgerError, ValidationError

HERE = Path(__file__).parent
SIGNIN = "/dashboard/signin"


def thousands(value: Any) -> str:
    """12345 → "12,345"; anything not a number is shown as is (or "—" when missing)."""
    if value is None:
        return "—"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    return f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"


def label(value: Any, vocab: str) -> str:
    tables: dict[str, dict[Any, str]] = {
        "status": STATUS_ZH, "group": WORKER_GROUP_ZH, "channel": CHANNEL_ZH,
        "level": LEVEL_ZH, "kind": UNION_KIND_ZH,
    }
    return tables[vocab].get(value, str(value)) if value is not None else "—"


def make_env() -> Environment:
    env = Environment(loader=FileSystemLoader(HERE / "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["n"] = thousands
    env.filters["zh"] = label
    return env


_ENV: Environment | None = None


def env() -> Environment:
    global _ENV
    if _ENV is None:
        _ENV = make_env()
    return _ENV


def page(request: Request, template: str, http_status: int = 200, **context: Any) -> HTMLResponse:
    context.setdefault("principal", getattr(request.state, "principal", None))
    context.setdefault("scope_name", getattr(request.state, "scope_name", None))
    html = env().get_template(template).render(request=request, **context)
    return HTMLResponse(html, status_code=http_status)


def url(path: str, **params: Any) -> str:
    """`path?k=v` without the empty parameters (so the as-of date carries over when set)."""
    q = {k: str(v) for k, v in params.items() if v not in (None, "")}
    return f"{path}?{urlencode(q)}" if q else path


def parse_as_of(value: str | None) -> date | None:
    """The date picker's value: empty means today; anything but YYYY-MM-DD is refused."""
    if value is None or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise ValidationError("日期格式应为 YYYY-MM-DD", message_en="as_of must be YYYY-MM-DD",
                              code="as_of.invalid", field="as_of") from None


def _error_page(request: Request, status: int, zh: str, code: str) -> HTMLResponse:
    return page(request, "error.html", http_status=status, status_code=status, message=zh,
                code=code)


class PageRoute(APIRoute):
    """Routes whose refusals are pages: no token → the sign-in page, others → an error page
    with the API's status (403 outside scope, 404 unknown union, 422 bad input)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def run(request: Request) -> Response:
            try:
                return await handler(request)
            except AuthenticationError:
                target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                return RedirectResponse(f"{SIGNIN}?next={quote(target)}", status_code=303)
            except LedgerError as err:
                return _error_page(request, status_for(err), err.message_zh, err.code)
            except RequestValidationError as err:
                fields = sorted({".".join(str(p) for p in e.get("loc", ())[1:])
                                 for e in err.errors()})
                return _error_page(request, 422, f"参数无效：{'、'.join(fields)}",
                                   "request.invalid")

        return run


def report_page(request: Request, report: Any, template: str, active: str,
                keep: dict[str, Any] | None = None, **context: Any) -> HTMLResponse:
    """A page about one union: navigation, the as-of picker (keeping `keep` parameters) and the
    breadcrumbs come from the report."""
    return page(request, template, report=report, union=report.union, nav=report.nav(),
                active=active, as_of=report.as_of and report.as_of.isoformat(),
                today=report.today.isoformat(), asof_form=request.url.path,
                keep={k: v for k, v in (keep or {}).items() if v not in (None, "")},
                crumbs=report.crumbs(), **context)

"""Dashboard sign-in: a pasted bearer token (or a demo token button) becomes an httponly cookie;
every page reads it back into the same Guard the JSON API uses, so scope rules are identical."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.http.auth import AuthenticationError, Guard, Principal, forbidden, verify_token
from api.http.deps import Context, Ctx
from api.pages.render import SIGNIN, PageRoute, page

COOKIE = "ul_dashboard"
ROLE_ZH = {"national_admin": "全国管理员", "union_official": "工会工作人员", "auditor": "审计员",
           "platform_integrator": "平台对接方"}
PAGE_ROLES = ("national_admin", "union_official", "auditor")

router = APIRouter(prefix="/dashboard", route_class=PageRoute, include_in_schema=False)


@dataclass
class Viewer:
    """The signed-in reader of a page: the app context and their guard."""

    ctx: Context
    guard: Guard

    @property
    def home(self) -> str:
        return self.guard.principal.scope or ""

    def union(self, code: str) -> dict[str, Any]:
        """The union if the viewer may read it (403 outside scope, 404 unknown)."""
        row = self.ctx.reads.union(code)
        self.guard.require_union_read(row["code"])
        return row


def _viewer(request: Request, ctx: Ctx) -> Viewer:
    token = request.cookies.get(COOKIE)
    if not token:
        raise AuthenticationError("请先登录", message_en="sign in first", field="token")
    principal = verify_token(ctx.runtime.keys["token_secret"], token)
    if principal.role not in PAGE_ROLES or not principal.scope:
        raise forbidden("该令牌无权查看统计报表", "this token may not view the dashboard")
    request.state.principal = principal
    request.state.role_zh = ROLE_ZH.get(principal.role, principal.role)
    request.state.scope_name = ctx.reads.union(principal.scope).get("name")
    return Viewer(ctx, Guard(principal, ctx.reads.ancestor_codes))


Reader = Annotated[Viewer, Depends(_viewer)]


def _safe_next(target: str | None) -> str:
    # only our own pages: a crafted link must not bounce a fresh session to another site
    if target and target.startswith("/dashboard") and not target.startswith("//"):
        return target
    return "/dashboard"


def demo_cast(request: Request, ctx: Context) -> list[dict[str, Any]]:
    """The demo tokens `serve --demo` put on app.state, with their role and scope spelled out."""
    tokens: dict[str, str] = getattr(request.app.state, "demo_tokens", None) or {}
    out = []
    for name, token in tokens.items():
        p: Principal = verify_token(ctx.runtime.keys["token_secret"], token)
        if p.role not in PAGE_ROLES or not p.scope:
            continue
        scope = ctx.reads.union(p.scope).get("name", p.scope)
        out.append({"name": name, "token": token, "role_zh": ROLE_ZH[p.role], "scope": scope})
    return out


def _signin_page(request: Request, ctx: Context, nxt: str | None, error: str | None = None,
                 status: int = 200) -> HTMLResponse:
    return page(request, "signin.html", http_status=status, demo=demo_cast(request, ctx),
                next=_safe_next(nxt), error=error, principal=None)


@router.get("/signin", response_class=HTMLResponse)
def signin_form(request: Request, ctx: Ctx, next: str | None = None) -> HTMLResponse:
    return _signin_page(request, ctx, next)


@router.post("/signin")
def signin(request: Request, ctx: Ctx, token: Annotated[str, Form(max_length=4000)] = "",
           next: Annotated[str | None, Form(max_length=2000)] = None) -> Response:
    token = token.strip()
    try:
        principal = verify_token(ctx.runtime.keys["token_secret"], token)
    except AuthenticationError as err:
        return _signin_page(request, ctx, next, err.message_zh, status=401)
    if principal.role not in PAGE_ROLES or not principal.scope:
        return _signin_page(request, ctx, next, "该令牌无权查看统计报表", status=403)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    max_age = max(0, principal.expires - int(time.time()))
    resp.set_cookie(COOKIE, token, max_age=max_age, httponly=True, samesite="strict",
                    secure=request.url.scheme == "https", path="/dashboard")
    return resp


@router.post("/signout")
def signout() -> Response:
    resp = RedirectResponse(SIGNIN, status_code=303)
    resp.delete_cookie(COOKIE, path="/dashboard")
    return resp


@router.get("")
def home(viewer: Reader) -> Response:
    return RedirectResponse(f"/dashboard/unions/{viewer.home}", status_code=303)

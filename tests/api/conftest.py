"""HTTP test fixtures: the app over the `runtime` fixture (SQLite and PostgreSQL), a union tree,
and bearer tokens for every role."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.http.app import create_app
from api.http.auth import mint_token
from api.wiring import Runtime
from tests.builders import Tree, build_tree, person


@pytest.fixture
def tree(runtime: Runtime) -> Tree:
    return build_tree(runtime.ledger)


@pytest.fixture
def client(runtime: Runtime, tree: Tree) -> Iterator[TestClient]:
    app = create_app(runtime.settings, runtime=runtime)
    with TestClient(app) as c:
        reads = app.state.ctx.reads
        reads.wait(reads.position())  # the tree was written before the app started
        yield c


Auth = Callable[..., dict[str, str]]


@pytest.fixture
def auth(runtime: Runtime, tree: Tree) -> Auth:
    """auth(role, scope_attr_or_code, personal_data=False, employer=None) → headers."""

    def make(role: str, scope: str | None = None, *, personal_data: bool = False,
             employer: str | None = None, subject: str | None = None,
             days: float = 1) -> dict[str, str]:
        code = getattr(tree, scope) if scope and hasattr(tree, scope) else scope
        if role == "national_admin" and code is None:
            code = tree.acftu
        token = mint_token(runtime.keys["token_secret"], subject=subject or f"{role}-{scope}",
                           role=role, scope=code, employer=employer,
                           personal_data=personal_data, days=days)
        return {"Authorization": f"Bearer {token}"}

    return make


def join_body(tree: Tree, seed: int = 1, union: str | None = None, **over: Any) -> dict[str, Any]:
    p = person(random.Random(seed))
    body: dict[str, Any] = {
        "person": {"name": p.name, "resident_id": p.resident_id, "phone": p.phone},
        "union_code": union or tree.township, "worker_group": "courier", "channel": "online",
        "situation": {"relation": "platform_self_employed", "work_region": "350203001001"},
        "effective_on": "2025-03-01",
    }
    body.update(over)
    return body


def assert_problem(resp: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    body = resp.json()
    assert {"type", "title", "status", "detail", "code", "field", "rule"} <= set(body)
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code, body
    return body

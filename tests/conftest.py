"""Shared fixtures: `settings` runs each test on embedded SQLite and on a fresh PostgreSQL database.

PostgreSQL is required: if it is not reachable the PostgreSQL half fails, it is never skipped.
"""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
import pytest

from api.settings import Settings
from api.wiring import Runtime, build_runtime

PG_ADMIN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
_pg_checked = False


def _ensure_postgres() -> None:
    global _pg_checked
    if _pg_checked:
        return
    try:
        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except psycopg.OperationalError:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "start"], check=False
        )
        psycopg.connect(PG_ADMIN, connect_timeout=10).close()  # fails the test if still down
    _pg_checked = True


def create_pg_database() -> str:
    _ensure_postgres()
    name = f"ul_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name


def drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def pg_settings(dbname: str, **overrides: object) -> Settings:
    return Settings(
        database_url=f"postgresql://postgres@127.0.0.1:5432/{dbname}",
        secret_key="a1" * 32, master_key="b2" * 32, token_secret="c3" * 32,
        postgres_pool_size=3, **overrides,  # type: ignore[arg-type]
    )


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Settings]:
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data")
        return
    name = create_pg_database()
    try:
        yield pg_settings(name, data_dir=tmp_path / "data")
    finally:
        drop_pg_database(name)


@pytest.fixture
def pg_only_settings(tmp_path: Path) -> Iterator[Settings]:
    """A fresh PostgreSQL database: a module whose tests mean PostgreSQL alone overrides
    `settings` with it (and marks itself `postgres`), so it neither skips nor runs on SQLite."""
    name = create_pg_database()
    try:
        yield pg_settings(name, data_dir=tmp_path / "data")
    finally:
        drop_pg_database(name)


TODAY = date(2026, 11, 28)


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = build_runtime(settings, today=lambda: TODAY)
    try:
        yield rt
    finally:
        rt.close()

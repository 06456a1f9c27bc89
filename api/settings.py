"""Settings from the environment (prefix UNION_LEDGER_) or CLI flags, validated by pydantic.

Embedded SQLite in a data directory by default; PostgreSQL when a database URL is given.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path
from urllib.parse import unquote, urlparse

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(ValueError):
    """Configuration that cannot work; the message says which setting and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="UNION_LEDGER_", extra="ignore")

    data_dir: Path = Field(default=Path("data"), description="embedded mode: where files live")
    database_url: str | None = Field(default=None, description="postgresql://user@host:port/db")
    secret_key: str | None = Field(default=None, description="hex; keyed hash of resident IDs")
    master_key: str | None = Field(default=None, description="hex, 32 bytes; wraps data keys")
    token_secret: str | None = Field(default=None, description="hex; signs API bearer tokens")
    cipher_key: str | None = Field(default=None, description="optional app-wide AES at rest")
    transfer_overdue_days: int = Field(default=30, ge=1, le=3650)
    postgres_pool_size: int = Field(default=5, ge=1, le=100)
    seal_digest: Path | None = Field(
        default=None, description="the digest file `union-ledger seal` writes: audit reports"
        " (HTTP and CLI without --digest) show whether its seal covers their records")
    seal_public_key: str | None = Field(
        default=None, description="hex Ed25519 public key the seal digest must be signed with")

    @field_validator("database_url")
    @classmethod
    def _check_url(cls, v: str | None) -> str | None:
        if v and not v.startswith(("postgresql://", "postgres://")):
            raise ValueError("database_url must start with postgresql://")
        return v or None

    @property
    def is_postgres(self) -> bool:
        return self.database_url is not None

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "ledger.sqlite"

    @property
    def keystore_path(self) -> Path:
        """Wrapped data keys, apart from the ledger file: no shared write lock with the
        projection writer, and the keys can be kept on other storage than the history."""
        return self.data_dir / "keys.sqlite"

    def postgres_params(self) -> dict[str, str]:
        assert self.database_url
        u = urlparse(self.database_url)
        return {
            "dbname": (u.path or "/").lstrip("/") or "postgres",
            "host": u.hostname or "127.0.0.1",
            "port": str(u.port or 5432),
            "user": unquote(u.username or "postgres"),
            "password": unquote(u.password or ""),
        }

    def postgres_conninfo(self) -> str:
        p = self.postgres_params()
        return " ".join(f"{k}={v!r}" if v else f"{k}=''" for k, v in p.items())

    def keys(self) -> dict[str, bytes]:
        """The secrets, from settings; in embedded mode generated once into the data dir."""
        given = {
            "secret_key": self.secret_key,
            "master_key": self.master_key,
            "token_secret": self.token_secret,
        }
        if self.is_postgres:
            missing = [k for k, v in given.items() if not v]
            if missing:
                names = ", ".join(f"UNION_LEDGER_{k.upper()}" for k in missing)
                raise SettingsError(
                    f"PostgreSQL 模式须配置密钥：{names}（union-ledger keys 可生成）/ "
                    f"PostgreSQL mode requires {names}"
                )
            return {k: bytes.fromhex(v) for k, v in given.items() if v}
        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "keys.json"
        if path.exists():
            stored = json.loads(path.read_text())
        else:
            stored = {k: secrets.token_hex(32) for k in given}
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                json.dump(stored, f)
        return {k: bytes.fromhex(v or stored[k]) for k, v in given.items()}


def generate_keys() -> dict[str, str]:
    return {f"UNION_LEDGER_{k.upper()}": secrets.token_hex(32)
            for k in ("secret_key", "master_key", "token_secret")}

"""Builds the ledger from Settings: storage environment, key store, identity and vault.

The one place that knows which database is in use; everything else receives objects.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from psycopg_pool import ConnectionPool

from api.keystore import PostgresKeyStore, SqliteKeyStore
from api.settings import Settings
from domain.application import Ledger
from domain.personal import Identity, PersonalDataVault
from domain.ports import MemberIndex


def ledger_env(settings: Settings, *, create_table: bool = True) -> dict[str, str]:
    env: dict[str, str] = {}
    if settings.is_postgres:
        p = settings.postgres_params()
        env.update(
            PERSISTENCE_MODULE="eventsourcing.postgres",
            POSTGRES_DBNAME=p["dbname"], POSTGRES_HOST=p["host"], POSTGRES_PORT=p["port"],
            POSTGRES_USER=p["user"], POSTGRES_PASSWORD=p["password"],
            POSTGRES_POOL_SIZE=str(settings.postgres_pool_size), POSTGRES_MAX_OVERFLOW="10",
        )
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        env.update(
            PERSISTENCE_MODULE="eventsourcing.sqlite",
            SQLITE_DBNAME=str(settings.sqlite_path), SQLITE_LOCK_TIMEOUT="30",
        )
    env["CREATE_TABLE"] = "y" if create_table else "n"
    if settings.cipher_key:
        env["CIPHER_TOPIC"] = "eventsourcing.cipher:AESCipher"
        env["CIPHER_KEY"] = settings.cipher_key
    return env


@dataclass
class Runtime:
    """Everything a process needs: the ledger and the shared connections, closed together."""

    settings: Settings
    ledger: Ledger
    identity: Identity
    vault: PersonalDataVault
    keys: dict[str, bytes]
    pool: ConnectionPool | None = None
    closers: list[Callable[[], Any]] = field(default_factory=list)

    def close(self) -> None:
        for c in reversed(self.closers):
            c()
        self.closers.clear()


def build_runtime(
    settings: Settings,
    *,
    today: Callable[[], date] = date.today,
    member_index: MemberIndex | None = None,
    create_table: bool = True,
) -> Runtime:
    keys = settings.keys()
    closers: list[Callable[[], Any]] = []
    pool: ConnectionPool | None = None
    if settings.is_postgres:
        pool = ConnectionPool(
            settings.postgres_conninfo(), min_size=1, max_size=settings.postgres_pool_size + 4,
            open=True, kwargs={"autocommit": True},
        )
        keystore: Any = PostgresKeyStore(pool)
        closers.append(pool.close)
    else:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        keystore = SqliteKeyStore(settings.keystore_path)
        closers.append(keystore.close)
    identity = Identity(keys["secret_key"])
    vault = PersonalDataVault(keys["master_key"], keystore)
    ledger = Ledger(
        ledger_env(settings, create_table=create_table), identity=identity, vault=vault,
        today=today, member_index=member_index,
    )
    closers.append(ledger.close)
    return Runtime(settings, ledger, identity, vault, keys, pool, closers)


def build_read_side(runtime: Runtime, *, start_runner: bool, external_runner: bool = False
                    ) -> tuple[Any, Any]:
    """The projections' (ReadStore, Runner) on this runtime's database, closed with it; the
    store also becomes the ledger's MemberIndex, so R8 reads held members from the projection."""
    from projections import open_read_side

    store, runner = open_read_side(runtime, start_runner=start_runner,
                                   external_runner=external_runner)
    runtime.ledger.member_index = store
    return store, runner

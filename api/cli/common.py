"""Options shared by every command: --data-dir and --database-url (also from the environment)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.settings import Settings, SettingsError

console = Console()
err_console = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option("--data-dir", envvar="UNION_LEDGER_DATA_DIR", help="embedded mode data folder"),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option("--database-url", envvar="UNION_LEDGER_DATABASE_URL",
                 help="postgresql://user@host:port/db"),
]


def load_settings(data_dir: Path | None, database_url: str | None) -> Settings:
    overrides: dict[str, object] = {}
    if data_dir is not None:
        overrides["data_dir"] = data_dir
    if database_url:
        overrides["database_url"] = database_url
    try:
        s = Settings(**overrides)  # type: ignore[arg-type]
        s.keys()
    except (SettingsError, ValueError) as e:
        err_console.print(f"[red]配置错误 / configuration error:[/red] {e}")
        raise typer.Exit(2) from None
    return s

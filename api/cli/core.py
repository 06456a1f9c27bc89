"""`union-ledger init` and `union-ledger keys`: set up storage and generate secrets."""

from __future__ import annotations

import json

from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console, load_settings
from api.settings import generate_keys
from api.wiring import build_runtime


@app.command()
def init(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Create the tables (run once before starting workers with CREATE_TABLE off)."""
    settings = load_settings(data_dir, database_url)
    rt = build_runtime(settings, create_table=True)
    rt.close()
    where = settings.database_url or str(settings.sqlite_path)
    console.print(f"[green]已初始化[/green] {where}")


@app.command()
def keys() -> None:
    """Print new secrets for PostgreSQL mode (set them as environment variables)."""
    console.print_json(json.dumps(generate_keys()))

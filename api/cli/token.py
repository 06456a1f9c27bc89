"""`union-ledger token create`: mint a signed API bearer token for a role and union scope."""

from __future__ import annotations

from typing import Annotated

import typer

from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, err_console, load_settings
from api.http.auth import ROLES, mint_token

token_app = typer.Typer(help="API bearer tokens", no_args_is_help=True)
app.add_typer(token_app, name="token")


@token_app.command("create")
def create(
    role: Annotated[str, typer.Option("--role", help=" | ".join(ROLES))],
    scope: Annotated[str | None, typer.Option("--scope", help="union code (admin: root)")] = None,
    employer: Annotated[str | None, typer.Option("--employer",
                                                 help="platform_integrator: employer code")] = None,
    personal_data: Annotated[bool, typer.Option("--personal-data",
                                                help="may read unmasked personal data")] = False,
    days: Annotated[float, typer.Option("--days", min=0.01, max=3650)] = 30,
    subject: Annotated[str | None, typer.Option("--subject", help="who (default: role)")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Print a token (HMAC-SHA256 with the ledger's token secret)."""
    settings = load_settings(data_dir, database_url)
    if role in ("union_official", "auditor") and not scope:
        err_console.print("[red]--scope is required for this role[/red]")
        raise typer.Exit(2)
    try:
        token = mint_token(settings.keys()["token_secret"], subject=subject or role, role=role,
                           scope=scope, employer=employer, personal_data=personal_data,
                           days=days)
    except ValueError as e:
        err_console.print(f"[red]{e}[/red]")
        raise typer.Exit(2) from None
    typer.echo(token)

"""The `union-ledger` command line (typer + rich). Each command group lives in its own module."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="union-ledger",
    help="新就业形态劳动者会员实名台账 · union-ledger",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)

# command modules register themselves on `app` when imported (one line each, keep sorted)
from api.cli import audit, core  # noqa: E402,F401,I001 (one line per command module)
from api.cli import audit_history  # noqa: E402,F401
from api.cli import campaign  # noqa: E402,F401
from api.cli import demo_cmd  # noqa: E402,F401
from api.cli import importer  # noqa: E402,F401
from api.cli import member, member_show  # noqa: E402,F401
from api.cli import project  # noqa: E402,F401
from api.cli import serve, token  # noqa: E402,F401
from api.cli import union_cmd  # noqa: E402,F401


def main() -> None:
    app()

"""Opening the ledger for one CLI command, and printing refusals the same way everywhere.

A LedgerError becomes its Chinese message, code and field on stderr with exit code 1, never
a traceback.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from api.cli.common import err_console, load_settings
from api.wiring import Runtime, build_runtime
from domain.errors import LedgerError

Actor = Annotated[
    str | None,
    typer.Option("--actor", envvar="UNION_LEDGER_ACTOR",
                 help="经办人（记入每个事件）；默认 cli:<登录用户名>"),
]


def actor_or_default(actor: str | None) -> str:
    return actor or f"cli:{getpass.getuser()}"


def print_refusal(e: LedgerError) -> None:
    err_console.print(f"[red]错误：{escape(e.message_zh)}[/red]")
    parts = [f"code={e.code}"] + [f"{k}={v}" for k, v in (("field", e.field), ("rule", e.rule))
                                  if v]
    err_console.print(escape("  ".join(parts)), highlight=False)


@contextmanager
def ledger_session(data_dir: Path | None, database_url: str | None) -> Iterator[Runtime]:
    """The runtime for one command; refusals print and exit 1, and nothing is half-stored."""
    settings = load_settings(data_dir, database_url)
    rt = build_runtime(settings)
    try:
        yield rt
    except LedgerError as e:
        print_refusal(e)
        raise typer.Exit(1) from None
    finally:
        rt.close()

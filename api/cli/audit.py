"""`union-ledger keygen | seal | verify`: tamper evidence over the stored event records.

The Ed25519 signing key lives outside the database; auditors keep the digests elsewhere too.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
from rich.progress import Progress

from api.audit_chain import generate_signing_key, public_key_hex, seal, verify
from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console, err_console, load_settings
from api.settings import Settings

KeyPath = Annotated[Path, typer.Option("--key", help="Ed25519 签名私钥（PEM），勿放入数据库目录")]


@contextmanager
def raw_connection(settings: Settings) -> Iterator[Any]:
    if settings.is_postgres:
        with psycopg.connect(settings.postgres_conninfo()) as conn:
            yield conn
    else:
        conn = sqlite3.connect(settings.sqlite_path)
        try:
            yield conn
        finally:
            conn.close()


@app.command()
def keygen(key: KeyPath) -> None:
    """Create a new Ed25519 signing key file (0600) for `seal`."""
    try:
        k = generate_signing_key(key)
    except FileExistsError:
        err_console.print(f"[red]密钥文件已存在，不会覆盖[/red] {key}")
        raise typer.Exit(2) from None
    console.print(f"公钥 / public key: [bold]{public_key_hex(k)}[/bold]")


@app.command("seal")
def seal_cmd(
    key: KeyPath,
    out: Annotated[Path, typer.Option("--out", help="摘要文件输出路径")] = Path("digest.json"),
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Extend the hash chain over every stored event and write a signed digest of its head."""
    settings = load_settings(data_dir, database_url)
    if not key.exists():
        err_console.print(f"[red]签名密钥不存在[/red] {key}（先运行 union-ledger keygen --key …）")
        raise typer.Exit(2)
    with raw_connection(settings) as conn, Progress(console=console) as bar:
        task = bar.add_task("封存 / sealing", total=None)
        digest = seal(conn, key, out, sealed_at=datetime.now(UTC),
                      progress=lambda n: bar.advance(task, n))
    console.print(
        f"[green]已封存[/green] {digest['record_count']} 条记录，链头位置 "
        f"{digest['head_notification_id']}，摘要 {digest['chain_hash'][:16]}… → {out}"
    )


@app.command("verify")
def verify_cmd(
    digest: Annotated[Path | None, typer.Option("--digest", help="seal 写出的摘要文件")] = None,
    public_key: Annotated[str | None, typer.Option("--public-key", help="可信公钥（hex）")] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Recompute the chain; print OK or the first position where records and chain disagree."""
    settings = load_settings(data_dir, database_url)
    if digest is not None and not digest.exists():
        err_console.print(f"[red]摘要文件不存在[/red] {digest}")
        raise typer.Exit(2)
    try:
        with raw_connection(settings) as conn:
            result = verify(conn, digest, trusted_public_key=public_key)
    except ValueError as e:
        err_console.print(f"[red]参数错误[/red] {e}")
        raise typer.Exit(2) from None
    if result.ok:
        console.print(f"[green]OK[/green] 已核验 {result.checked} 条记录；"
                      f"未封存 {result.unsealed} 条")
        return
    console.print(f"[red]篡改 / TAMPERED[/red] ({result.problem}) 位置 {result.position}: "
                  f"{result.message_zh}")
    raise typer.Exit(1)

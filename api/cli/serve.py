"""`union-ledger serve`: the HTTP API under uvicorn; in embedded mode the projection runner runs
in-process, and `--demo` loads demo data into an empty ledger and prints ready-made tokens."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from api.cli import app
from api.cli.common import DatabaseUrl, DataDir, console, load_settings
from api.http.auth import mint_token
from api.wiring import Runtime, build_runtime
from domain.employer import Employer
from domain.union import Union


def _established(runtime: Runtime) -> tuple[list[Any], list[Any]]:
    """Every Union.Established and Employer.Registered event, read by topic in pages."""
    from eventsourcing.utils import get_topic

    ledger = runtime.ledger
    topics = [get_topic(Union.Established), get_topic(Employer.Registered)]
    unions: list[Any] = []
    employers: list[Any] = []
    start = 1
    while True:
        page = ledger.recorder.select_notifications(start, 1000, topics=topics)
        if not page:
            break
        for n in page:
            ev = ledger.mapper.to_domain_event(n)
            (unions if isinstance(ev, Union.Established) else employers).append(ev)
        start = page[-1].id + 1
    return unions, employers


def demo_tokens(runtime: Runtime, days: float = 30) -> dict[str, str]:
    """Tokens for the demo's cast: national admin, a province and a township official, an
    auditor and a platform integrator (bound to a platform enterprise)."""
    unions, employers = _established(runtime)
    by_level: dict[str, str] = {}
    for u in unions:
        by_level.setdefault(u.level, u.code)
    root = next((u.code for u in unions if u.parent_code is None), None)
    platform = next((e.code for e in employers if str(e.kind).startswith("platform")),
                    employers[0].code if employers else None)
    secret = runtime.keys["token_secret"]
    cast: dict[str, dict[str, Any]] = {
        "national_admin": dict(role="national_admin", scope=root),
        "province_official": dict(role="union_official", scope=by_level.get("province")),
        "township_official": dict(role="union_official", scope=by_level.get("township")),
        "auditor": dict(role="auditor", scope=root),
        "platform_integrator": dict(role="platform_integrator", scope=None, employer=platform),
    }
    out = {}
    for name, claims in cast.items():
        if claims.get("scope") or claims.get("employer"):
            out[name] = mint_token(secret, subject=f"demo-{name}", days=days, **claims)
    return out


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    demo: Annotated[bool, typer.Option("--demo", help="load demo data into an empty ledger")]
    = False,
    demo_members: Annotated[int, typer.Option("--demo-members", min=50, max=2_000_000,
                                              help="workers in the demo")] = 10_000,
) -> None:
    """Serve the JSON API (OpenAPI at /docs)."""
    import uvicorn

    from api.http.app import create_app, open_projections

    settings = load_settings(data_dir, database_url)
    runtime = build_runtime(settings)
    read_side: tuple[Any, Any] = (None, None)
    try:
        if demo and not runtime.ledger.recorder.max_notification_id():
            from api.demo import load_demo

            console.print("载入演示数据 / loading demo data …")
            summary = load_demo(runtime.ledger, members=demo_members)
            console.print(f"[green]演示数据已载入[/green]: {summary.members} members")
        # embedded mode runs the projections in this process; PostgreSQL runs them apart
        read_side = open_projections(runtime, start_runner=not settings.is_postgres)
        application = create_app(settings, runtime=runtime, read_side=read_side)
        application.state.demo_tokens = demo_tokens(runtime) if demo else {}  # sign-in page
        console.print(f"[bold]统计报表 / dashboard[/bold] http://{host}:{port}/dashboard")
        console.print(f"[bold]union-ledger API[/bold] http://{host}:{port}/docs")
        if demo:
            for name, token in demo_tokens(runtime).items():
                console.print(f"{name}: {token}", soft_wrap=True)
        uvicorn.run(application, host=host, port=port, log_level="info")
    finally:
        if read_side[1] is not None:
            read_side[1].stop()
        runtime.close()

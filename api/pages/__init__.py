"""The zh-CN reporting dashboard: server-rendered pages on the API's FastAPI app.

`register(app)` adds the pages and their static files (plotly.js comes from the plotly wheel).
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import FileResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).parent / "static"


def plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).parent / "package_data" / "plotly.min.js"


def register(app: FastAPI) -> None:
    """Mounts the dashboard on `app`: /dashboard/… pages and /static/… assets."""
    from api.pages import drilldown, export, overview, platforms, session

    js = plotly_js()

    # registered before the mount so that this one file is served from the plotly package
    @app.get("/static/plotly.min.js", include_in_schema=False)
    def _plotly() -> FileResponse:
        return FileResponse(js, media_type="text/javascript",
                            headers={"Cache-Control": "public, max-age=86400"})

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/dashboard", status_code=307)

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (session, overview, drilldown, platforms, export):
        app.include_router(module.router)

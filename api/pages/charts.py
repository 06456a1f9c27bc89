"""Plotly figure specs (plain dicts) for the dashboard; the browser draws them with the
plotly.js bundled in the plotly wheel, so nothing is fetched from a CDN."""

from __future__ import annotations

from typing import Any

FONT = "WenQuanYi Micro Hei, Noto Sans CJK SC, PingFang SC, Microsoft YaHei, sans-serif"
PALETTE = ["#c0392b", "#2e86c1", "#d68910", "#239b56", "#7d3c98", "#717d7e", "#1abc9c"]
FLOW_LABELS = {"joins": "入会", "transfers_in": "转入", "transfers_out": "转出",
               "withdrawals": "退会（含开除）"}


def _layout(height: int = 300, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "height": height, "margin": {"l": 60, "r": 20, "t": 10, "b": 50},
        "font": {"family": FONT, "size": 13}, "separators": ".,",
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "rgba(0,0,0,0)",
        "yaxis": {"tickformat": ",d", "gridcolor": "#e5e8ec", "rangemode": "tozero"},
        "xaxis": {"automargin": True}, "legend": {"orientation": "h", "y": -0.2},
    }
    layout.update(extra)
    return layout


def bars(labels: list[str], values: list[int], *, horizontal: bool = False,
         color: str = PALETTE[0], height: int = 300) -> dict[str, Any]:
    if horizontal:
        trace = {"type": "bar", "orientation": "h", "y": labels[::-1], "x": values[::-1],
                 "marker": {"color": color}, "hovertemplate": "%{y}: %{x:,}<extra></extra>",
                 "text": [f"{v:,}" for v in values[::-1]], "textposition": "auto"}
        layout = _layout(height, xaxis={"tickformat": ",d", "gridcolor": "#e5e8ec"},
                         yaxis={"automargin": True}, margin={"l": 10, "r": 20, "t": 10, "b": 30})
    else:
        trace = {"type": "bar", "x": labels, "y": values, "marker": {"color": color},
                 "hovertemplate": "%{x}: %{y:,}<extra></extra>",
                 "text": [f"{v:,}" for v in values], "textposition": "auto"}
        layout = _layout(height)
    return {"data": [trace], "layout": layout}


def donut(labels: list[str], values: list[int]) -> dict[str, Any]:
    trace = {"type": "pie", "hole": 0.5, "labels": labels, "values": values, "sort": False,
             "marker": {"colors": PALETTE}, "textinfo": "percent", "textposition": "inside",
             "hovertemplate": "%{label}: %{value:,}（%{percent}）<extra></extra>"}
    # small slices would print overlapping labels: names go in the legend, tiny text is hidden
    return {"data": [trace], "layout": _layout(
        300, showlegend=True, uniformtext={"minsize": 11, "mode": "hide"},
        legend={"orientation": "v", "x": 1, "y": 0.5},
        margin={"l": 10, "r": 10, "t": 10, "b": 10})}


def trend(rows: list[dict[str, Any]]) -> dict[str, Any]:
    months = [r["month"] for r in rows]
    data = []
    for i, (key, name) in enumerate(FLOW_LABELS.items()):
        data.append({"type": "scatter", "mode": "lines+markers", "name": name, "x": months,
                     "y": [r[key] for r in rows], "line": {"color": PALETTE[i], "width": 2},
                     "hovertemplate": f"%{{x}} {name}: %{{y:,}}<extra></extra>"})
    return {"data": data, "layout": _layout(320, hovermode="x unified",
                                            xaxis={"type": "category", "tickangle": -45})}


def stacked(labels: list[str], series: dict[str, list[int]], height: int = 360
            ) -> dict[str, Any]:
    # a handful of children would otherwise be drawn as slabs the width of the page
    narrow = {"width": 0.4} if len(labels) <= 3 else {}
    data = [{"type": "bar", "name": name, "x": labels, "y": values, **narrow,
             "marker": {"color": PALETTE[i % len(PALETTE)]},
             "hovertemplate": f"%{{x}} {name}: %{{y:,}}<extra></extra>"}
            for i, (name, values) in enumerate(series.items())]
    return {"data": data, "layout": _layout(height, barmode="stack",
                                            xaxis={"automargin": True, "tickangle": -30})}

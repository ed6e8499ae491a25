"""Plots of country series (plotly, rendered in the browser from a vendored plotly.js; no CDN). Each figure names
its source data set and version in its caption."""

from __future__ import annotations

from typing import Any

import plotly.graph_objects as go

from palermo.stats.countries import INDICATOR_NAMES, country_name, series, sources

LAYOUT = {"margin": {"l": 60, "r": 20, "t": 50, "b": 80}, "height": 360, "template": "plotly_white",
          "legend": {"orientation": "h", "y": -0.25}}


def _caption(keys: set[str]) -> str:
    return "Source: " + "; ".join(f"{sources()[k].title} ({sources()[k].version})" for k in sorted(keys))


def _figure(title: str, traces: list[go.Scatter], keys: set[str], **layout: Any) -> dict[str, Any] | None:
    if not traces:
        return None
    fig = go.Figure(traces)
    fig.update_layout(title=title, **LAYOUT, **layout)
    fig.add_annotation(text=_caption(keys), xref="paper", yref="paper", x=0, y=-0.42, showarrow=False,
                       font={"size": 10}, xanchor="left")
    out: dict[str, Any] = fig.to_plotly_json()
    return out


def victims_trend(code: str) -> dict[str, Any] | None:
    """Detected victims per year: all, and by sex and age where reported."""
    traces, keys = [], set()
    for sex, age, label in (("all", "all", "all victims"), ("female", "adults", "women"), ("male", "adults", "men"),
                            ("female", "children", "girls"), ("male", "children", "boys")):
        points = [p for p in series(code, "detected_victims", sex, age) if p.value is not None]
        if points:
            keys |= {p.source for p in points}
            traces.append(go.Scatter(x=[p.year for p in points], y=[p.value for p in points], mode="lines+markers",
                                     name=label))
    return _figure(f"Detected victims, {country_name(code)}", traces, keys, yaxis_title="people")


def justice_series(code: str) -> dict[str, Any] | None:
    """Persons prosecuted and convicted per year (counts below 5 are not shown, as the source publishes them)."""
    traces, keys = [], set()
    for indicator in ("prosecuted", "convicted", "formal_contact"):
        points = [p for p in series(code, indicator) if p.value is not None]
        if points:
            keys |= {p.source for p in points}
            traces.append(go.Scatter(x=[p.year for p in points], y=[p.value for p in points], mode="lines+markers",
                                     name=INDICATOR_NAMES[indicator]))
    return _figure(f"Prosecutions and convictions, {country_name(code)}", traces, keys, yaxis_title="people")


def tier_history(code: str) -> dict[str, Any] | None:
    """The US TIP Report tier by report year (1 best, 3 worst; 2.5 = Tier 2 Watch List)."""
    points = series(code, "tip_tier")
    if not points:
        return None
    trace = go.Scatter(x=[p.year for p in points], y=[p.value for p in points], mode="lines+markers",
                       line={"shape": "hv"}, name="tier", text=[p.text for p in points])
    return _figure(f"US TIP Report tier, {country_name(code)}", [trace], {p.source for p in points},
                   yaxis={"autorange": "reversed", "tickvals": [1, 2, 2.5, 3],
                          "ticktext": ["Tier 1", "Tier 2", "Watch List", "Tier 3"]})


def country_figures(code: str) -> dict[str, dict[str, Any]]:
    """Every figure the country profile shows, by id (figures without data are left out)."""
    figures = {"victims": victims_trend(code), "justice": justice_series(code), "tiers": tier_history(code)}
    return {k: v for k, v in figures.items() if v is not None}


def law_ranking(scores: list[tuple[str, str, float]]) -> dict[str, Any] | None:
    """Ranked bars: the law engine's harmonisation score of every profiled jurisdiction (0-100)."""
    if not scores:
        return None
    ranked = sorted(scores, key=lambda s: s[2])
    fig = go.Figure(go.Bar(x=[s[2] for s in ranked], y=[s[1] for s in ranked], orientation="h",
                           text=[f"{s[2]:g}" for s in ranked], customdata=[s[0] for s in ranked]))
    fig.update_layout(title="National law against the Protocol and UNTOC (law engine, % of mandatory checks met; "
                            "partial = ½)", **{**LAYOUT, "height": 40 + 28 * len(ranked)}, xaxis_range=[0, 100])
    fig.add_annotation(text="Source: Palermo law profiles (each fact cited; see the gap reports)", xref="paper",
                       yref="paper", x=0, y=-0.12, showarrow=False, font={"size": 10}, xanchor="left")
    out: dict[str, Any] = fig.to_plotly_json()
    return out


def report_html(title: str, sections: list[tuple[str, str]], figures: dict[str, dict[str, Any]]) -> str:
    """A self-contained printable HTML report (plotly.js inlined, works offline)."""
    import json

    from plotly.offline import get_plotlyjs

    body = "".join(f"<h2>{heading}</h2>{html}" for heading, html in sections)
    divs = "".join(f'<div id="fig-{k}" style="min-height:360px"></div>' for k in figures)
    script = "".join(f'Plotly.newPlot("fig-{k}", {json.dumps(f["data"])}, {json.dumps(f["layout"])}, '
                     '{"displaylogo": false, "toImageButtonOptions": {"format": "svg"}});' for k, f in figures.items())
    return (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            "<style>body{font-family:sans-serif;max-width:60rem;margin:2rem auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:.3rem .5rem;text-align:left}@media print{.modebar{display:none}}"
            f"</style><script>{get_plotlyjs()}</script></head><body><h1>{title}</h1>{body}<h2>Figures</h2>{divs}"
            f"<script>{script}</script></body></html>")


def flows(release: Any, top: int = 40) -> dict[str, Any] | None:
    """Citizenship → country of exploitation as a Sankey diagram, from a protected release (never exact counts):
    the largest flows, leaving out unknown and suppressed cells."""
    if tuple(release.by) != ("citizenship", "CountryOfExploitation"):
        raise ValueError("flows need a release by citizenship, CountryOfExploitation")
    cells = sorted((c for c in release.cells if c.count and "unknown" not in c.key), key=lambda c: -c.count)[:top]
    if not cells:
        return None
    origins = sorted({c.key[0] for c in cells})
    places = sorted({c.key[1] for c in cells})
    labels = [f"{o} (citizens)" for o in origins] + [f"{p} (exploited in)" for p in places]
    fig = go.Figure(go.Sankey(node={"label": labels, "pad": 12},
                              link={"source": [origins.index(c.key[0]) for c in cells],
                                    "target": [len(origins) + places.index(c.key[1]) for c in cells],
                                    "value": [c.count for c in cells]}))
    protection = f"k = {release.k}" if release.k else f"epsilon = {release.epsilon:g}"
    fig.update_layout(title="Victims by citizenship and country of exploitation", **{**LAYOUT, "height": 640})
    fig.add_annotation(text=f"Source: dataset {release.dataset} ({release.version}), release {release.id}, "
                            f"{release.kind} ({protection}); the {len(cells)} largest flows",
                       xref="paper", yref="paper", x=0, y=-0.08, showarrow=False, font={"size": 10}, xanchor="left")
    out: dict[str, Any] = fig.to_plotly_json()
    return out

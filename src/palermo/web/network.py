"""Pages of a case's link analysis: the interactive link chart (cytoscape.js, vendored; expand neighbours, filter
by kind and period, highlight a group or a path, export PNG, SVG and GraphML) with the case's brokers, and the
routes by country as a flow diagram (plotly, served from the installed package). The chart's data comes from the
JSON routes here, under the page's session; the same service answers the API."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from palermo.api.deps import Svc
from palermo.model import file_name
from palermo.services.network import KINDS, ChartAsk, day
from palermo.web import i18n
from palermo.web.session import SignedIn, viewer
from palermo.web.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(viewer)])
Kinds = Annotated[list[str] | None, Query()]


def _ask(start: str | None, end: str | None, kind: list[str] | None, undated: str | None,
         resolved: str | None) -> ChartAsk:
    """The chart's filters as the page sends them (empty fields mean no filter)."""
    return ChartAsk(start=day(start, "start"), end=day(end, "end"), kinds=[k for k in kind or [] if k],
                    undated=undated != "0", resolved=(resolved or "").strip() or None)


@router.get("/cases/{ref}/chart", response_class=HTMLResponse)
def chart_page(request: Request, ref: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """The link chart of a case and its brokers."""
    case = svc.cases.get(session.actor, ref)
    return render(request, "network_chart.html", case=case, kinds=KINDS,
                  brokers=svc.network.brokers(session.actor, ref, top=10))


@router.get("/cases/{ref}/chart/data")
def chart_data(ref: str, session: SignedIn, svc: Svc, start: str | None = None, end: str | None = None,
               kind: Kinds = None, undated: str | None = None, resolved: str | None = None) -> dict[str, Any]:
    """The chart's elements with communities (the page's data)."""
    return svc.network.drawing(session.actor, ref, _ask(start, end, kind, undated, resolved))


@router.get("/cases/{ref}/chart/neighbours")
def chart_neighbours(ref: str, session: SignedIn, svc: Svc, entity: str) -> dict[str, Any]:
    """An entity's neighbours, to expand the chart around it."""
    return svc.network.neighbours(session.actor, ref, entity)


@router.get("/cases/{ref}/chart/path")
def chart_path(ref: str, session: SignedIn, svc: Svc, source: Annotated[str, Query(alias="from")],
               target: Annotated[str, Query(alias="to")], hops: int | None = None) -> dict[str, Any]:
    """The paths between two entities, to highlight on the chart."""
    return svc.network.path(session.actor, ref, source, target, hops=hops)


@router.get("/cases/{ref}/chart/graphml")
def chart_graphml(ref: str, session: SignedIn, svc: Svc, start: str | None = None, end: str | None = None,
                  kind: Kinds = None, undated: str | None = None, resolved: str | None = None) -> Response:
    """The chart as shown (same filters) as a GraphML file."""
    body = svc.network.graphml(session.actor, ref, _ask(start, end, kind, undated, resolved))
    name = file_name(ref, 80)
    return Response(body, media_type="application/graphml+xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}-chart.graphml"'})


@router.get("/cases/{ref}/routes", response_class=HTMLResponse)
def routes_page(request: Request, ref: str, session: SignedIn, svc: Svc) -> HTMLResponse:
    """Routes of a case by country as a flow diagram and a table."""
    case = svc.cases.get(session.actor, ref)
    _ = i18n.translations(i18n.choose(request)).gettext  # the same words as the page's table (network_routes.html)
    found = svc.network.routes(session.actor, ref, title=_("Routes by country"),
                               stage_names={"origin": _("origin"), "transit": _("transit"),
                                            "destination": _("destination")})
    figures = {"routes": found["figure"]} if found["figure"] else {}
    return render(request, "network_routes.html", case=case, routes=found["routes"],
                  figures_json=json.dumps(figures))

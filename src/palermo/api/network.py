"""/api/cases/{ref}/graph, /api/cases/{ref}/routes: the case's link chart (elements for a graph library, with
communities), an entity's neighbours, the paths between two entities, communities, brokers, GraphML, and the
routes by country. Thin routes over the network service; whoever may read the case may ask."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from palermo.api.deps import ApiCaller, Svc
from palermo.model import file_name
from palermo.services.network import KINDS, ChartAsk

router = APIRouter(prefix="/api/cases/{ref}", tags=["network"])

Start = Annotated[date | None, Query(description="keep ties and trips/events from this day on")]
End = Annotated[date | None, Query(description="keep ties and trips/events up to this day")]
Kinds = Annotated[list[str] | None, Query(description="kinds of node to keep: " + ", ".join(KINDS))]
Undated = Annotated[bool, Query(description="keep ties without a date when a period is given")]
Resolved = Annotated[str | None, Query(description="entity-resolution dataset whose identities fold records of one "
                                                   "person, company, account or address into one node")]


@router.get("/graph")
def graph(ref: str, caller: ApiCaller, svc: Svc, start: Start = None, end: End = None, kind: Kinds = None,
          undated: Undated = True, resolved: Resolved = None) -> dict[str, Any]:
    """The case's link chart: nodes (people, organisations, accounts, phones, addresses, trips, events) and ties,
    each node with its community; protected persons by pseudonym."""
    return svc.network.drawing(caller, ref, ChartAsk(start=start, end=end, kinds=kind or (), undated=undated,
                                                     resolved=resolved))


@router.get("/graph/neighbours")
def neighbours(ref: str, caller: ApiCaller, svc: Svc, entity: Annotated[str, Query(min_length=1, max_length=300)],
               radius: Annotated[int, Query(ge=1, le=4)] = 1) -> dict[str, Any]:
    """An entity's ego network: everyone within ``radius`` ties of it and the ties among them."""
    return svc.network.neighbours(caller, ref, entity, radius=radius)


@router.get("/graph/path")
def path(ref: str, caller: ApiCaller, svc: Svc,
         source: Annotated[str, Query(alias="from", min_length=1, max_length=300)],
         target: Annotated[str, Query(alias="to", min_length=1, max_length=300)],
         hops: Annotated[int | None, Query(ge=1, le=8)] = None) -> dict[str, Any]:
    """The shortest chain of ties between two entities, and all chains of at most ``hops`` ties (all shortest
    ones when not given)."""
    return svc.network.path(caller, ref, source, target, hops=hops)


@router.get("/graph/communities")
def communities(ref: str, caller: ApiCaller, svc: Svc,
                resolution: Annotated[float, Query(gt=0, le=10)] = 1.0) -> list[dict[str, Any]]:
    """Groups more tied to each other than to the rest (Leiden), largest first."""
    return svc.network.communities(caller, ref, resolution=resolution)


@router.get("/graph/brokers")
def brokers(ref: str, caller: ApiCaller, svc: Svc, top: Annotated[int, Query(ge=1, le=500)] = 10) -> list[dict[str, Any]]:
    """Who sits on the paths between others (betweenness) and whose removal splits the network."""
    return svc.network.brokers(caller, ref, top=top)


@router.get("/graph/graphml")
def export_graphml(ref: str, caller: ApiCaller, svc: Svc, start: Start = None, end: End = None,
                   kind: Kinds = None, undated: Undated = True, resolved: Resolved = None) -> Response:
    """The chart as a GraphML file (Gephi, yEd, networkx), with each node's community."""
    body = svc.network.graphml(caller, ref, ChartAsk(start=start, end=end, kinds=kind or (), undated=undated,
                                                     resolved=resolved))
    return Response(body, media_type="application/graphml+xml",
                    headers={"Content-Disposition": f'attachment; filename="{safe(ref)}-graph.graphml"'})


@router.get("/routes")
def routes(ref: str, caller: ApiCaller, svc: Svc) -> dict[str, Any]:
    """Routes by country (origin, transit, destination) from trips and victims'/suspects' records, the counted
    flows and a Sankey figure (plotly JSON)."""
    return svc.network.routes(caller, ref)


def safe(ref: str) -> str:
    """A case reference as a file name."""
    return file_name(ref, 80)

"""A link chart written out: GraphML for other tools (Gephi, yEd, networkx, i2-style importers) and the elements
the case page's chart draws (cytoscape.js JSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from xml.etree import ElementTree as ET

from palermo.analytics.graph import Edge, LinkGraph, Node

NS = "http://graphml.graphdrawing.org/xmlns"
NODE_KEYS = (("label", "string"), ("kind", "string"), ("schema", "string"), ("roles", "string"),
             ("start", "string"), ("end", "string"), ("countries", "string"), ("members", "string"), ("community", "int"))
EDGE_KEYS = (("kind", "string"), ("label", "string"), ("count", "int"), ("amount", "double"),
             ("currency", "string"), ("start", "string"), ("end", "string"), ("via", "string"))


def node_data(node: Node, community: int | None = None) -> dict[str, Any]:
    """What the chart and the GraphML file say about a node (a protected person only by pseudonym; ``members``: the
    records folded into it by entity resolution)."""
    return {"id": node.id, "label": node.caption, "kind": node.kind, "schema": node.schema,
            "roles": " ".join(node.roles), "start": node.start or "", "end": node.end or "",
            "countries": " ".join(node.countries), "members": " ".join(node.members),
            "community": -1 if community is None else community}


def edge_data(edge: Edge) -> dict[str, Any]:
    """What the chart and the GraphML file say about a tie (its ID the same in every answer: ends and kind)."""
    return {"id": f"{edge.source}>{edge.target}>{edge.kind}", "source": edge.source, "target": edge.target, "kind": edge.kind, "label": edge.label,
            "count": edge.count, "amount": edge.amount, "currency": edge.currency or "", "start": edge.start or "",
            "end": edge.end or "", "via": " ".join(edge.via)}


def elements(graph: LinkGraph, groups: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
    """The chart as cytoscape.js elements: nodes first, then edges."""
    groups = groups or {}
    return ([{"group": "nodes", "data": node_data(n, groups.get(n.id))} for n in graph.nodes.values()]
            + [{"group": "edges", "data": edge_data(e)} for e in graph.edges])


def graphml(graph: LinkGraph, groups: Mapping[str, int] | None = None) -> bytes:
    """The chart as a GraphML document (undirected; payments keep their direction in source and target)."""
    ET.register_namespace("", NS)
    root = ET.Element(f"{{{NS}}}graphml")
    for scope, keys in (("node", NODE_KEYS), ("edge", EDGE_KEYS)):
        for name, kind in keys:
            ET.SubElement(root, f"{{{NS}}}key", {"id": f"{scope[0]}_{name}", "for": scope, "attr.name": name,
                                                 "attr.type": kind})
    body = ET.SubElement(root, f"{{{NS}}}graph", {"id": "G", "edgedefault": "undirected"})
    for item in elements(graph, groups):
        data = dict(item["data"])
        if item["group"] == "nodes":
            element = ET.SubElement(body, f"{{{NS}}}node", {"id": data.pop("id")})
            prefix = "n"
        else:
            element = ET.SubElement(body, f"{{{NS}}}edge", {"id": data.pop("id"), "source": data.pop("source"),
                                                             "target": data.pop("target")})
            prefix = "e"
        for name, value in data.items():
            ET.SubElement(element, f"{{{NS}}}data", {"key": f"{prefix}_{name}"}).text = str(value)
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))

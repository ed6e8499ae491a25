"""The money-flow drawing of an alert, laid out on the server as SVG: the accounts on an ellipse with the alert's
account first, cash deposits on the left and withdrawals on the right, each label beside its node, and on every
arrow how much was paid, in which currency, in how many payments and when."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from palermo.finance.desk import CASH, AlertDetail, Flow

WIDTH = 1100
NODE = 14
"""Radius of an account's circle."""
MAX_NODES = 24
CASH_IN, CASH_OUT = "cash-in", "cash-out"


@dataclass(frozen=True)
class Node:
    """An account (or cash) on the drawing, with its label beside it."""

    key: str
    x: float
    y: float
    kind: str
    """"subject" (the alert's account), "account" or "cash"."""
    label: str
    sublabel: str
    anchor: str
    lx: float
    ly: float


@dataclass(frozen=True)
class Arrow:
    """A flow drawn as a curved arrow, with its amount and dates written at its middle."""

    path: str
    width: float
    lines: tuple[str, str]
    lx: float
    ly: float
    title: str


def when(first: datetime, last: datetime) -> str:
    """A date, or a span of dates, as a person writes it (2 Oct 2025; 27 Sep – 2 Oct 2025)."""
    if first.date() == last.date():
        return f"{first.day} {first:%b %Y}"
    if first.year == last.year:
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{first.day} {first:%b %Y} – {last.day} {last:%b %Y}"


def _amount(flow: Flow) -> str:
    paid = f"{flow.amount:,.2f} {flow.currency}"
    return paid if flow.count == 1 else f"{paid} in {flow.count} payments"


def _end(flow_side: str, incoming: bool) -> str:
    if flow_side != CASH:
        return flow_side
    return CASH_IN if incoming else CASH_OUT


def drawing(detail: AlertDetail) -> dict[str, object]:
    """Nodes and arrows of the alert's money flows, ready for the page's SVG. An account that takes part in most
    flows (a collection or a distribution account) is drawn in the middle, the others around it."""
    ends = [(_end(f.source, True), _end(f.target, False), f) for f in detail.flows]
    accounts = sorted(({k for a, b, _ in ends for k in (a, b)} | set(detail.alert.accounts)) - {CASH_IN, CASH_OUT},
                      key=lambda a: (a != detail.alert.subject, a))[:MAX_NODES]
    many = len(accounts) > 12
    height = 760 if many else 640 if len(accounts) > 1 else 300
    cx, cy = WIDTH / 2, height / 2
    rx, ry = WIDTH / 2 - 210, height / 2 - 80
    names = {str(p["account"]): str(p["name"]) for p in detail.parties if p.get("name")}
    subject = detail.alert.subject
    hub = subject in accounts and len(accounts) >= 4 and \
        sum(subject in (a, b) for a, b, _ in ends) >= 0.6 * len(ends)
    ring = along_the_money([a for a in accounts if not (hub and a == subject)], [(a, b) for a, b, _ in ends])
    nodes: dict[str, Node] = {}
    if hub or len(ring) == 1:
        middle = subject if hub else ring.pop()
        nodes[middle] = _node(middle, cx, cy, 0.0, detail, names.get(middle, ""), centre=True, alone=not ring)
    for i, account in enumerate(ring):
        angle = -math.pi / 2 + 2 * math.pi * i / len(ring)
        nodes[account] = _node(account, cx + rx * math.cos(angle), cy + ry * math.sin(angle), angle, detail,
                               "" if many else names.get(account, ""))
    for key, x, label in ((CASH_IN, 70.0, "Cash paid in"), (CASH_OUT, WIDTH - 70.0, "Cash taken out")):
        if any(key in (a, b) for a, b, _ in ends):
            nodes[key] = Node(key=key, x=x, y=cy, kind="cash", label=label, sublabel="", anchor="middle",
                              lx=x, ly=cy + NODE + 18)
    drawn = [(a, b, f) for a, b, f in ends if a in nodes and b in nodes and a != b]
    heaviest = max((float(f.amount) for _, _, f in drawn), default=1.0) or 1.0
    arrows, seen = [], dict[tuple[str, str], int]()
    centre = subject if hub else None
    for a, b, flow in drawn:
        nth = seen[(a, b)] = seen.get((a, b), -1) + 1  # several currencies between the same two: bent apart
        at = 0.62 if a == centre else 0.38 if b == centre else 0.5  # on a spoke, toward the outer account
        arrows.append(_arrow(nodes[a], nodes[b], flow, nth, heaviest, at))
    return {"width": WIDTH, "height": height, "nodes": list(nodes.values()), "arrows": arrows,
            "left_out": sum(1 for a, b, _ in ends if a not in nodes or b not in nodes)}


def along_the_money(accounts: list[str], pays: list[tuple[str, str]]) -> list[str]:
    """The accounts in the order the money went, from the first: each next one is an account the last one paid (else
    one that paid it), so a cycle or a chain goes round the ring without its arrows crossing."""
    if not accounts:
        return []
    left, order = set(accounts[1:]), [accounts[0]]
    while left:
        last = order[-1]
        onward = [b for a, b in pays if a == last and b in left] or [a for a, b in pays if b == last and a in left]
        after = onward[0] if onward else next(a for a in accounts if a in left)
        order.append(after)
        left.discard(after)
    return order


def _node(account: str, x: float, y: float, angle: float, detail: AlertDetail, sublabel: str, *,
          centre: bool = False, alone: bool = False) -> Node:
    """An account's node with its label outside the ring: beside it on the sides, above or below at the top and
    bottom (the middle node: to its right, or above when it is the only account)."""
    cos, sin = math.cos(angle), math.sin(angle)
    gap = NODE + 6
    if centre and alone:  # cash on both sides: above, clear of the arrows
        anchor, lx, ly = "middle", x, y - gap - 6 - (15 if sublabel else 0)
    elif centre or cos > 0.35:
        anchor, lx, ly = "start", x + gap, y - 2
    elif cos < -0.35:
        anchor, lx, ly = "end", x - gap, y - 2
    elif sin < 0:  # the lines' boxes reach about 4 px below the baseline
        anchor, lx, ly = "middle", x, y - gap - 6 - (15 if sublabel else 0)
    else:
        anchor, lx, ly = "middle", x, y + gap + 12
    return Node(key=account, x=round(x, 1), y=round(y, 1), kind="subject" if account == detail.alert.subject
                else "account", label=account, sublabel=sublabel, anchor=anchor, lx=round(lx, 1), ly=round(ly, 1))


def _arrow(start: Node, end: Node, flow: Flow, nth: int, heaviest: float, at: float) -> Arrow:
    (x1, y1), (x2, y2) = (start.x, start.y), (end.x, end.y)
    dx, dy = x2 - x1, y2 - y1
    bend = 0.1 + 0.1 * nth  # A->B and B->A bend to opposite sides, so they never lie on one another
    qx, qy = (x1 + x2) / 2 - dy * bend, (y1 + y2) / 2 + dx * bend
    sx, sy = _towards(x1, y1, qx, qy, NODE + 1)
    ex, ey = _towards(x2, y2, qx, qy, NODE + 5)  # stop short of the circle, so the arrowhead shows
    u = 1 - at
    mx, my = u * u * sx + 2 * u * at * qx + at * at * ex, u * u * sy + 2 * u * at * qy + at * at * ey
    lines = (_amount(flow), when(flow.first, flow.last))
    return Arrow(path=f"M{sx:.1f},{sy:.1f} Q{qx:.1f},{qy:.1f} {ex:.1f},{ey:.1f}",
                 width=round(1.5 + 3.5 * float(flow.amount) / heaviest, 1), lines=lines, lx=round(mx, 1),
                 ly=round(my, 1), title=f"{flow.source} → {flow.target}: {lines[0]}, {lines[1]}")


def _towards(x: float, y: float, tx: float, ty: float, distance: float) -> tuple[float, float]:
    """The point ``distance`` from (x, y) on the way to (tx, ty)."""
    d = math.hypot(tx - x, ty - y) or 1.0
    return x + (tx - x) / d * distance, y + (ty - y) / d * distance

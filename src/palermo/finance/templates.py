"""Rule templates: each kind of red flag as parameters plus the SQL that finds it, in DuckDB and Spark alike.

Every template yields common table expressions ending in ``ev(subject, grp, tx_id, account, metric)``: one row
per transaction (or account) that is evidence for an alert on ``subject``; rows sharing ``grp`` form one alert.
Tables: ``transactions(tx_id, ts, source, target, amount, currency, channel, category, location, memo)`` and
``parties(account, holder, name, kind, phone, email, address, country, id_number, birth_date)``. A cash deposit
has no ``source``; a cash withdrawal no ``target``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from palermo.finance.dialect import Dialect, lit, lit_list

Ids = list[str]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


@dataclass(frozen=True)
class Template:
    """A kind of rule: its parameter model and the SQL builder; ``members`` when every account an alert names takes
    part in the pattern itself (a cycle's accounts), not merely as a counterparty (a fan-in's payers)."""

    name: str
    params: type[Params]
    build: Callable[[Any, Dialect], str]
    summary: str
    members: bool = False


TEMPLATES: dict[str, Template] = {}


def template(name: str, params: type[Params], *, members: bool = False
             ) -> Callable[[Callable[[Any, Dialect], str]], Callable[[Any, Dialect], str]]:
    """Register a SQL builder as the template for rules of kind ``name``; its docstring explains the kind."""
    def register(build: Callable[[Any, Dialect], str]) -> Callable[[Any, Dialect], str]:
        TEMPLATES[name] = Template(name, params, build, (build.__doc__ or "").strip(), members)
        return build
    return register


def phased(select: str, ts: str, days: int, dialect: Dialect) -> str:
    """``select`` (holding ``{b}``) once per window phase, so short patterns never straddle a window edge."""
    return "\nUNION ALL\n".join(select.replace("{b}", dialect.bucket(ts, days, p)) for p in (0, 1))


def _in(column: str, values: Ids | None, negate: bool = False) -> str:
    if not values:
        return "TRUE"
    if negate:
        return f"COALESCE({column}, '') NOT IN {lit_list(values)}"
    return f"{column} IN {lit_list(values)}"


# --------------------------------------------------------------------------- behavioural red flags


class FrequentParams(Params):
    side: Literal["payer", "payee"] = Field(description="whose account the red flag is about")
    channels: Ids | None = None
    categories: Ids | None = None
    memo_patterns: Ids | None = Field(default=None, description="case-insensitive LIKE patterns on the memo")
    cash_only: bool = False
    hours: tuple[int, int] | None = Field(default=None, description="[from, to): only at these hours of the day")
    below: Decimal | None = Field(default=None, gt=0, description="only amounts below this")
    min_count: int = Field(ge=1)
    per_day_min: int | None = Field(default=None, ge=2, description="count only days with at least this many")
    window_days: int = Field(ge=1, le=366)

    @model_validator(mode="after")
    def _hours(self) -> FrequentParams:
        if self.hours is not None and not all(0 <= h <= 24 for h in self.hours):
            raise ValueError("hours must lie between 0 and 24")
        return self


@template("frequent", FrequentParams)
def frequent(p: FrequentParams, d: Dialect) -> str:
    """At least ``min_count`` matching payments made (payer) or received (payee) by one account within a window.

    With ``per_day_min``, only days with several matching payments count, and ``min_count`` is a number of days.
    """
    me, other = ("source", "target") if p.side == "payer" else ("target", "source")
    where = [f"{me} IS NOT NULL", _in("channel", p.channels), _in("category", p.categories)]
    if p.memo_patterns:
        where.append("(" + " OR ".join(f"memo ILIKE {lit(m)}" for m in p.memo_patterns) + ")")
    if p.cash_only:
        where.append(f"channel = 'cash' AND {other} IS NULL")
    if p.hours:
        start, end = p.hours
        join = "OR" if start > end else "AND"
        where.append(f"(HOUR(ts) >= {start} {join} HOUR(ts) < {end})")
    if p.below is not None:
        where.append(f"amount < {lit(p.below)}")
    hits = f"SELECT tx_id, {me} AS acct, {other} AS other, ts, CAST(ts AS DATE) AS day, {{b}} AS b " \
           f"FROM transactions WHERE {' AND '.join(where)}"
    if p.per_day_min:
        counted = f"""
d AS (SELECT acct, b, day FROM h GROUP BY acct, b, day HAVING COUNT(*) >= {p.per_day_min}),
g AS (SELECT acct, b, COUNT(*) AS n FROM d GROUP BY acct, b HAVING COUNT(*) >= {p.min_count}),
hg AS (SELECT h.* FROM h JOIN d ON d.acct = h.acct AND d.b = h.b AND d.day = h.day)"""
    else:
        counted = f"""
g AS (SELECT acct, b, COUNT(*) AS n FROM h GROUP BY acct, b HAVING COUNT(*) >= {p.min_count}),
hg AS (SELECT * FROM h)"""
    return f"""h AS ({phased(hits, 'ts', p.window_days, d)}),{counted},
ev AS (SELECT hg.acct AS subject, CAST(hg.b AS STRING) AS grp, hg.tx_id, hg.other AS account,
              CAST(g.n AS DOUBLE) AS metric
       FROM hg JOIN g ON g.acct = hg.acct AND g.b = hg.b)"""


class FunnelParams(Params):
    threshold: Decimal = Field(gt=0, description="the cash reporting threshold; deposits below it count")
    min_deposits: int = Field(ge=2)
    window_days: int = Field(ge=1, le=60)


@template("funnel", FunnelParams)
def funnel(p: FunnelParams, d: Dialect) -> str:
    """Several cash deposits below the reporting threshold into one account, then cash taken out of it
    in a place where none of those deposits was made, within the window."""
    deposits = "SELECT tx_id, target AS acct, location, ts, amount, {b} AS b FROM transactions " \
               f"WHERE channel = 'cash' AND source IS NULL AND target IS NOT NULL AND amount < {lit(p.threshold)}"
    return f"""dep AS ({phased(deposits, 'ts', p.window_days, d)}),
g AS (SELECT acct, b, MIN(ts) AS first_ts, SUM(amount) AS total FROM dep GROUP BY acct, b
      HAVING COUNT(*) >= {p.min_deposits}),
wd AS (SELECT w.tx_id, w.source AS acct, w.location, g.b FROM transactions w JOIN g ON w.source = g.acct
       WHERE w.channel = 'cash' AND w.target IS NULL AND w.location IS NOT NULL
         AND w.ts > g.first_ts AND w.ts <= g.first_ts + INTERVAL '{p.window_days}' DAY),
places AS (SELECT DISTINCT acct, b, location FROM dep WHERE location IS NOT NULL),
far AS (SELECT wd.* FROM wd LEFT JOIN places pl ON pl.acct = wd.acct AND pl.b = wd.b AND pl.location = wd.location
        WHERE pl.acct IS NULL),
hit AS (SELECT DISTINCT acct, b FROM far),
ev AS (SELECT dep.acct AS subject, CAST(dep.b AS STRING) AS grp, dep.tx_id, CAST(NULL AS STRING) AS account,
              CAST(g.total AS DOUBLE) AS metric
       FROM dep JOIN hit ON hit.acct = dep.acct AND hit.b = dep.b JOIN g ON g.acct = dep.acct AND g.b = dep.b
       UNION ALL
       SELECT far.acct, CAST(far.b AS STRING), far.tx_id, CAST(NULL AS STRING), CAST(g.total AS DOUBLE)
       FROM far JOIN g ON g.acct = far.acct AND g.b = far.b)"""


class RapidOutflowParams(Params):
    categories: Ids = Field(min_length=1, description="the kinds of credit watched, e.g. payroll")
    out_channels: Ids | None = None
    hours: int = Field(ge=1, le=24 * 14)
    min_share: Decimal = Field(gt=0, le=1, description="share of the credit moved out")


@template("rapid_outflow", RapidOutflowParams)
def rapid_outflow(p: RapidOutflowParams, d: Dialect) -> str:
    """Most of a credit (e.g. a wage) leaves the account within hours of arriving."""
    return f"""cr AS (SELECT tx_id, target AS acct, ts, amount FROM transactions
       WHERE target IS NOT NULL AND {_in('category', p.categories)}),
o AS (SELECT cr.tx_id AS credit, cr.acct, cr.amount AS credited, t.tx_id, t.target, t.amount
      FROM cr JOIN transactions t ON t.source = cr.acct
      WHERE t.ts > cr.ts AND t.ts <= cr.ts + INTERVAL '{p.hours}' HOUR AND {_in('t.channel', p.out_channels)}),
g AS (SELECT credit, acct, SUM(amount) AS moved FROM o GROUP BY credit, acct
      HAVING SUM(amount) >= MAX(credited) * {lit(p.min_share)}),
ev AS (SELECT g.acct AS subject, g.credit AS grp, g.credit AS tx_id, CAST(NULL AS STRING) AS account,
              CAST(g.moved AS DOUBLE) AS metric FROM g
       UNION ALL
       SELECT o.acct, o.credit, o.tx_id, o.target, CAST(g.moved AS DOUBLE)
       FROM o JOIN g ON g.credit = o.credit)"""


class SharedParams(Params):
    fields: dict[Literal["phone", "email", "address", "id_number"], int] = Field(
        min_length=1, description="identifier field -> how many distinct holders sharing it raise the flag")


@template("shared_identifier", SharedParams)
def shared_identifier(p: SharedParams, d: Dialect) -> str:
    """The same phone number, e-mail, address or identity number given by several different account holders."""
    norm = {"phone": d.digits("phone"), "email": "LOWER(TRIM(email))", "address": "LOWER(TRIM(address))",
            "id_number": "UPPER(TRIM(id_number))"}
    parts = []
    for field, k in sorted(p.fields.items()):
        parts.append(f"""SELECT pv.account, pv.v, '{field}' AS field, CAST(g.n AS DOUBLE) AS n FROM
  (SELECT account, COALESCE(holder, account) AS holder, {norm[field]} AS v FROM parties
   WHERE {field} IS NOT NULL) pv
  JOIN (SELECT {norm[field]} AS v, COUNT(DISTINCT COALESCE(holder, account)) AS n FROM parties
        WHERE {field} IS NOT NULL GROUP BY {norm[field]} HAVING COUNT(DISTINCT COALESCE(holder, account)) >= {k}) g
  ON g.v = pv.v WHERE pv.v <> ''""")
    union = "\nUNION ALL\n".join(parts)
    return f"""s AS ({union}),
ev AS (SELECT CONCAT(field, ':', v) AS subject, CONCAT(field, ':', v) AS grp, CAST(NULL AS STRING) AS tx_id,
              account, n AS metric FROM s)"""


# --------------------------------------------------------------------------- graph typologies


class FlowParams(Params):
    channels: Ids = Field(default_factory=lambda: ["transfer", "wire", "mobile", "check"])
    exclude_categories: Ids = Field(default_factory=list)
    window_days: int = Field(default=7, ge=1, le=60)


def _edges(p: FlowParams, d: Dialect) -> str:
    select = "SELECT tx_id, source, target, ts, amount, {b} AS b FROM transactions " \
             f"WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target AND {_in('channel', p.channels)} " \
             f"AND {_in('category', p.exclude_categories, negate=True)}"
    return f"e AS ({phased(select, 'ts', p.window_days, d)})"


class FanParams(FlowParams):
    min_parties: int = Field(ge=2, description="distinct counterparties")
    own_factor: float | None = Field(
        default=None, gt=0, description="and at least this many times the account's own average per window (its "
                                        "other windows over the ledger's whole span, quiet ones counting as none)")
    peer_quantile: float | None = Field(
        default=None, gt=0, lt=1, description="and at least this quantile of every account's active windows")


@template("fan_in", FanParams)
def fan_in(p: FanParams, d: Dialect) -> str:
    """Many different accounts pay into one account within the window (funds gathered); with baselines, far more
    than the account itself usually hears from, and more than nearly all other accounts."""
    return _fan(p, d, "target", "source")


@template("fan_out", FanParams)
def fan_out(p: FanParams, d: Dialect) -> str:
    """One account pays many different accounts within the window (funds dispersed); with baselines, far more
    than it usually pays, and more than nearly all other accounts."""
    return _fan(p, d, "source", "target")


def _fan(p: FanParams, d: Dialect, me: str, other: str) -> str:
    # A window is judged against the account's other windows (their average over the whole span, counted on the
    # unshifted windows, so a busy account's busy week is ordinary) and against every account's windows (the
    # peers' quantile).
    tests = [f"w.n >= {p.min_parties}"]
    if p.own_factor is not None:
        tests.append(f"w.n >= {lit(p.own_factor)} * GREATEST(own.total - w.n, 0) / GREATEST(span.windows - 1, 1)")
    if p.peer_quantile is not None:
        tests.append("w.n >= peers.cut")
    return f"""{_edges(p, d)},
w AS (SELECT {me} AS acct, b, COUNT(DISTINCT {other}) AS n FROM e GROUP BY {me}, b),
own AS (SELECT acct, SUM(n) AS total FROM w WHERE b % 2 = 0 GROUP BY acct),
span AS (SELECT FLOOR((MAX(b) - MIN(b)) / 2) + 1 AS windows FROM e WHERE b % 2 = 0),
peers AS (SELECT {d.quantile('n', p.peer_quantile or 0.5)} AS cut FROM w),
g AS (SELECT w.acct, w.b, w.n FROM w JOIN own ON own.acct = w.acct CROSS JOIN span CROSS JOIN peers
      WHERE {' AND '.join(tests)}),
ev AS (SELECT e.{me} AS subject, CAST(e.b AS STRING) AS grp, e.tx_id, e.{other} AS account,
              CAST(g.n AS DOUBLE) AS metric FROM e JOIN g ON g.acct = e.{me} AND g.b = e.b)"""


class CycleParams(FlowParams):
    window_days: int = Field(default=7, ge=1, le=366)
    max_length: int = Field(default=4, ge=3, le=8)
    min_ratio: Decimal = Field(default=Decimal("0.8"), gt=0, le=1,
                               description="each hop carries at least this share of the previous one, and no more")
    same_time: bool = Field(default=False, description="a hop may bear the same time as the one before it "
                                                       "(several hops booked on one day)")
    in_order: bool = Field(default=True, description="each hop no earlier than the one before; when false, the "
                                                     "hops may come in any order within the window of the first")


@template("cycle", CycleParams, members=True)
def cycle(p: CycleParams, d: Dialect) -> str:
    """Money goes round: A pays B, B pays C ... and the last pays A back, each hop of a similar or slightly smaller
    amount, all within the window (in order, or in any order); no account is passed twice."""
    span = f"INTERVAL '{p.window_days}' DAY"
    after = ">=" if p.same_time else ">"
    # In order, a cycle starts at its earliest hop. In any order, at its largest (money shrinks a little at each
    # hop, so from the largest every hop is at most the one before); hops of equal amounts start at the smallest
    # account id. Either way each cycle is found once.
    when = (f"e.ts {{after}} q.ts{{prev}} AND e.ts <= q.ts0 + {span}" if p.in_order else
            f"e.ts >= q.ts0 - {span} AND e.ts <= q.ts0 + {span}")
    edges = "e AS (SELECT tx_id, source, target, ts, amount FROM transactions " \
            f"WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target AND {_in('channel', p.channels)} " \
            f"AND {_in('category', p.exclude_categories, negate=True)})"
    paths = ["p1 AS (SELECT source AS n0, target AS n1, tx_id AS t1, ts AS ts0, ts AS ts1, amount AS m1 FROM e)"]
    for k in range(2, p.max_length + 1):
        simple = " AND ".join(f"q.n{k - 1} <> q.n{j}" for j in range(0, k - 1))  # an open path, no account twice
        paths.append(
            f"p{k} AS (SELECT q.*, e.target AS n{k}, e.tx_id AS t{k}, e.ts AS ts{k}, e.amount AS m{k} FROM p{k - 1} q "
            f"JOIN e ON e.source = q.n{k - 1} AND {when.format(after=after, prev=k - 1)} "
            f"AND e.amount <= q.m{k - 1} AND e.amount >= q.m{k - 1} * {lit(p.min_ratio)} AND e.tx_id <> q.t{k - 1} "
            f"WHERE {simple})")
    legs = range(1, p.max_length + 1)
    closed = "\nUNION ALL\n".join(
        "SELECT n0 AS subject, " + ", ".join(f"t{j}" if j <= k else f"CAST(NULL AS STRING) AS t{j}" for j in legs)
        + f", {k} AS n FROM p{k} WHERE n{k} = n0{_once(p, k)}" for k in range(3, p.max_length + 1))
    evidence = "\nUNION ALL\n".join(
        f"SELECT subject, t1 AS grp, t{j} AS tx_id, CAST(NULL AS STRING) AS account, CAST(n AS DOUBLE) AS metric "
        f"FROM c WHERE t{j} IS NOT NULL" for j in legs)
    path_ctes = ",\n".join(paths)
    return f"""{edges},
{path_ctes},
c AS ({closed}),
ev AS ({evidence})"""


def _once(p: CycleParams, k: int) -> str:
    if p.in_order:
        return ""
    smallest = " AND ".join(f"n{j} > n0" for j in range(1, k))
    return f" AND (m{k} < m1 OR ({smallest}))"


class SplitParams(Params):
    min_count: int = Field(ge=2, description="payments between the same two accounts within the window")
    window_days: int = Field(default=1, ge=1, le=31)
    below_quantile: float | None = Field(
        default=None, gt=0, lt=1, description="each payment smaller than this quantile of all payments in the ledger")


@template("split_payments", SplitParams, members=True)
def split_payments(p: SplitParams, d: Dialect) -> str:
    """One account pays the same account several times within a short window, each payment small next to the
    payments in the ledger: a sum split into pieces (structuring)."""
    cut = "AND t.amount < pop.cut" if p.below_quantile is not None else ""
    pop = f"SELECT {d.quantile('amount', p.below_quantile or 0.5)} AS cut FROM transactions " \
          "WHERE source IS NOT NULL AND target IS NOT NULL"
    hits = "SELECT t.tx_id, t.source, t.target, {b} AS b FROM transactions t CROSS JOIN pop " \
           f"WHERE t.source IS NOT NULL AND t.target IS NOT NULL AND t.source <> t.target {cut}"
    return f"""pop AS ({pop}),
h AS ({phased(hits, 't.ts', p.window_days, d)}),
g AS (SELECT source, target, b, COUNT(*) AS n FROM h GROUP BY source, target, b HAVING COUNT(*) >= {p.min_count}),
ev AS (SELECT h.source AS subject, CONCAT(h.target, ':', CAST(h.b AS STRING)) AS grp, h.tx_id, h.target AS account,
              CAST(g.n AS DOUBLE) AS metric
       FROM h JOIN g ON g.source = h.source AND g.target = h.target AND g.b = h.b)"""


class ScatterParams(FlowParams):
    min_middle: int = Field(ge=2, description="distinct intermediary accounts")


@template("scatter_gather", ScatterParams)
def scatter_gather(p: ScatterParams, d: Dialect) -> str:
    """One account pays several intermediaries, which each pass the money on to the same final account."""
    return f"""{_edges(p, d)},
o AS (SELECT e1.source AS a, e1.target AS m, e2.target AS z, e1.tx_id AS t1, e2.tx_id AS t2, e1.b
      FROM e e1 JOIN e e2 ON e2.source = e1.target AND e2.b = e1.b AND e2.ts > e1.ts
      WHERE e2.target <> e1.source),
g AS (SELECT a, z, b, COUNT(DISTINCT m) AS n FROM o GROUP BY a, z, b HAVING COUNT(DISTINCT m) >= {p.min_middle}),
hit AS (SELECT o.* , g.n FROM o JOIN g ON g.a = o.a AND g.z = o.z AND g.b = o.b),
ev AS (SELECT a AS subject, CONCAT(z, ':', CAST(b AS STRING)) AS grp, t1 AS tx_id, m AS account,
              CAST(n AS DOUBLE) AS metric FROM hit
       UNION ALL
       SELECT a, CONCAT(z, ':', CAST(b AS STRING)), t2, z, CAST(n AS DOUBLE) FROM hit)"""


class GatherScatterParams(FlowParams):
    min_in: int = Field(ge=2)
    min_out: int = Field(ge=2)


@template("gather_scatter", GatherScatterParams)
def gather_scatter(p: GatherScatterParams, d: Dialect) -> str:
    """Many accounts pay into one account, which then pays many others: a collection point that redistributes."""
    return f"""{_edges(p, d)},
i AS (SELECT target AS m, b, COUNT(DISTINCT source) AS n, MIN(ts) AS first_in FROM e GROUP BY target, b
      HAVING COUNT(DISTINCT source) >= {p.min_in}),
o AS (SELECT e.source AS m, e.b, COUNT(DISTINCT e.target) AS n FROM e JOIN i ON i.m = e.source AND i.b = e.b
      WHERE e.ts > i.first_in GROUP BY e.source, e.b HAVING COUNT(DISTINCT e.target) >= {p.min_out}),
g AS (SELECT i.m, i.b, i.first_in, i.n + o.n AS n FROM i JOIN o ON o.m = i.m AND o.b = i.b),
ev AS (SELECT g.m AS subject, CAST(g.b AS STRING) AS grp, e.tx_id, e.source AS account, CAST(g.n AS DOUBLE) AS metric
       FROM e JOIN g ON e.target = g.m AND e.b = g.b
       UNION ALL
       SELECT g.m, CAST(g.b AS STRING), e.tx_id, e.target, CAST(g.n AS DOUBLE)
       FROM e JOIN g ON e.source = g.m AND e.b = g.b AND e.ts > g.first_in)"""


class BipartiteParams(FlowParams):
    min_sources: int = Field(ge=2)
    min_targets: int = Field(ge=2)


def _groups(p: BipartiteParams, d: Dialect) -> str:
    # Pairs of payers with enough payees in common; a group is led by its smallest payer, which no smaller
    # payer is paired with. Extra payments of the members to other people do not hide the group.
    return f"""{_edges(p, d)},
pt AS (SELECT ea.source AS s1, eb.source AS s2, ea.b, ea.target, ea.tx_id AS x1, eb.tx_id AS x2
       FROM e ea JOIN e eb ON eb.target = ea.target AND eb.b = ea.b AND eb.source > ea.source),
pairs AS (SELECT s1, s2, b FROM pt GROUP BY s1, s2, b HAVING COUNT(DISTINCT target) >= {p.min_targets}),
anchors AS (SELECT s1, b, COUNT(*) AS n FROM pairs GROUP BY s1, b HAVING COUNT(*) >= {p.min_sources - 1}),
lead AS (SELECT a.s1, a.b, a.n FROM anchors a LEFT JOIN pairs p ON p.s2 = a.s1 AND p.b = a.b WHERE p.s2 IS NULL),
proof AS (SELECT lead.s1 AS anchor, lead.b, lead.n, pt.s2, pt.target, pt.x1, pt.x2
          FROM lead JOIN pairs p ON p.s1 = lead.s1 AND p.b = lead.b
          JOIN pt ON pt.s1 = p.s1 AND pt.s2 = p.s2 AND pt.b = p.b)"""


def _proof_rows(subject: str, grp: str, where: str = "") -> str:
    return "\nUNION ALL\n".join(
        f"SELECT {subject} AS subject, {grp} AS grp, {x} AS tx_id, proof.target AS account, "
        f"CAST(proof.n + 1 AS DOUBLE) AS metric FROM proof {where}" for x in ("proof.x1", "proof.x2"))


@template("bipartite", BipartiteParams)
def bipartite(p: BipartiteParams, d: Dialect) -> str:
    """A group of accounts that all pay the same group of accounts within the window."""
    return f"""{_groups(p, d)},
ev AS ({_proof_rows('proof.anchor', 'CAST(proof.b AS STRING)')})"""


@template("stack", BipartiteParams)
def stack(p: BipartiteParams, d: Dialect) -> str:
    """Layers: a group of accounts pays a second group, which in turn pays a third group, within the window."""
    return f"""{_groups(p, d)},
members AS (SELECT DISTINCT anchor, b, anchor AS acct FROM proof UNION SELECT DISTINCT anchor, b, s2 FROM proof),
payees AS (SELECT DISTINCT anchor, b, target FROM proof),
link AS (SELECT t.anchor AS a1, m.anchor AS a2, t.b FROM payees t
         JOIN members m ON m.acct = t.target AND m.b = t.b AND m.anchor <> t.anchor
         GROUP BY t.anchor, m.anchor, t.b HAVING COUNT(DISTINCT m.acct) >= {p.min_sources}),
ev AS ({_proof_rows('link.a1', "CONCAT(link.a2, ':', CAST(link.b AS STRING))",
                    'JOIN link ON link.a1 = proof.anchor AND link.b = proof.b')}
       UNION ALL
       {_proof_rows('link.a1', "CONCAT(link.a2, ':', CAST(link.b AS STRING))",
                    'JOIN link ON link.a2 = proof.anchor AND link.b = proof.b')})"""


class SqlParams(Params):
    ctes: str = Field(min_length=10, description="common table expressions ending in ev(subject, grp, tx_id, "
                                                  "account, metric), in SQL both DuckDB and Spark accept")


@template("sql", SqlParams)
def custom_sql(p: SqlParams, d: Dialect) -> str:
    """A rule written directly in SQL by its author; it must mean the same on DuckDB and Spark."""
    return p.ctes

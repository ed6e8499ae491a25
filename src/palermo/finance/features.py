"""Behaviour and graph features per account, computed by one SQL query that DuckDB and Spark both run.

Every feature is relative where it can be: amounts against the ledger's own quantiles, counts against the median
account, so a model learned on one bank's data means the same on another's. Each feature's description is what
an analyst reads beside a learned alert.
"""

from __future__ import annotations

from dataclasses import dataclass

from palermo.finance.dialect import Dialect
from palermo.finance.monitor import Engine


@dataclass(frozen=True)
class Feature:
    """One number per account, and what it means in an analyst's words."""

    name: str
    description: str


FEATURES = (
    Feature("payments_in", "payments received"),
    Feature("payments_out", "payments made"),
    Feature("payers", "different accounts that paid it"),
    Feature("payees", "different accounts it paid"),
    Feature("counterparties_vs_peers", "counterparties, as a multiple of the median account's"),
    Feature("small_share", "share of its payments smaller than 99% of all payments in the ledger"),
    Feature("smallest_vs_peers", "its smallest payment, as a share of the ledger's median payment"),
    Feature("mean_vs_peers", "its average payment, as a multiple of the ledger's median payment"),
    Feature("out_in_ratio", "money paid out for each unit received"),
    Feature("active_days", "days with at least one payment"),
    Feature("max_same_pair_day", "most payments with one counterparty on one day"),
    Feature("split_days", "days on which it paid or was paid by the same account more than once"),
    Feature("max_same_pair", "most payments with one counterparty over the whole period"),
    Feature("day_burst", "its busiest day, as a multiple of its average active day"),
    Feature("neighbours_split", "share of its counterparties that pay or are paid by one account several times a day"),
    Feature("neighbours_degree_vs_peers", "its counterparties' average number of counterparties, as a multiple of "
                                          "the median account's"),
)
NAMES = tuple(f.name for f in FEATURES)


def features_sql(d: Dialect) -> str:
    """The query: one row per account that paid or was paid (``account`` then every feature, in FEATURES order)."""
    return f"""WITH e AS (SELECT source, target, CAST(ts AS DATE) AS day, CAST(amount AS DOUBLE) AS amount
           FROM transactions WHERE source IS NOT NULL AND target IS NOT NULL AND source <> target),
pop AS (SELECT {d.quantile('amount', 0.5)} AS q50, {d.quantile('amount', 0.01)} AS q01 FROM e),
io AS (SELECT source AS acct, target AS other, day, amount, 1 AS outgoing FROM e
       UNION ALL SELECT target, source, day, amount, 0 FROM e),
pairday AS (SELECT acct, other, day, COUNT(*) AS n FROM io GROUP BY acct, other, day),
pairs AS (SELECT acct, other, COUNT(*) AS n FROM io GROUP BY acct, other),
days AS (SELECT acct, day, COUNT(*) AS n FROM io GROUP BY acct, day),
base AS (SELECT io.acct, SUM(outgoing) AS n_out, SUM(1 - outgoing) AS n_in,
                COUNT(DISTINCT CASE WHEN outgoing = 1 THEN other END) AS p_out,
                COUNT(DISTINCT CASE WHEN outgoing = 0 THEN other END) AS p_in,
                AVG(CASE WHEN io.amount < pop.q01 THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END) AS small_share,
                MIN(io.amount) / MAX(pop.q50) AS smallest, AVG(io.amount) / MAX(pop.q50) AS mean_amount,
                SUM(CASE WHEN outgoing = 1 THEN io.amount ELSE 0 END)
                  / NULLIF(SUM(CASE WHEN outgoing = 0 THEN io.amount ELSE 0 END), 0) AS out_in,
                COUNT(DISTINCT io.day) AS active_days
         FROM io CROSS JOIN pop GROUP BY io.acct),
burst AS (SELECT acct, MAX(n) AS max_pair_day, SUM(CASE WHEN n >= 2 THEN 1 ELSE 0 END) AS split_days
          FROM pairday GROUP BY acct),
rep AS (SELECT acct, MAX(n) AS max_pair FROM pairs GROUP BY acct),
busy AS (SELECT acct, MAX(n) / AVG(n) AS day_burst FROM days GROUP BY acct),
peers AS (SELECT {d.quantile('p_in + p_out', 0.5)} AS deg FROM base),
nb AS (SELECT x.acct, AVG(CASE WHEN bu.max_pair_day >= 2 THEN CAST(1 AS DOUBLE) ELSE CAST(0 AS DOUBLE) END) AS nb_split,
              AVG(b2.p_in + b2.p_out) AS nb_deg
       FROM (SELECT DISTINCT acct, other FROM io) x JOIN burst bu ON bu.acct = x.other
       JOIN base b2 ON b2.acct = x.other GROUP BY x.acct)
SELECT base.acct AS account, CAST(n_in AS DOUBLE), CAST(n_out AS DOUBLE), CAST(p_in AS DOUBLE),
       CAST(p_out AS DOUBLE), (p_in + p_out) / peers.deg, small_share, smallest, mean_amount,
       LEAST(COALESCE(out_in, CAST(10 AS DOUBLE)), CAST(10 AS DOUBLE)), CAST(active_days AS DOUBLE),
       CAST(max_pair_day AS DOUBLE), CAST(split_days AS DOUBLE), CAST(max_pair AS DOUBLE), day_burst, nb_split, nb_deg / peers.deg
FROM base JOIN burst ON burst.acct = base.acct JOIN rep ON rep.acct = base.acct JOIN busy ON busy.acct = base.acct
JOIN nb ON nb.acct = base.acct CROSS JOIN peers
ORDER BY base.acct"""


def account_features(engine: Engine) -> dict[str, tuple[float, ...]]:
    """Every account's features (in FEATURES order), computed on the engine."""
    return {str(row[0]): tuple(float(v) if v is not None else 0.0 for v in row[1:])
            for row in engine.rows(features_sql(engine.dialect))}

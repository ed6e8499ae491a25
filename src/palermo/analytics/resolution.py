"""Entity resolution with Splink: which records of one or several cases and imported datasets are the same person,
organisation, account or address. Records are blocked (only pairs sharing a name, a date of birth, an identifier
... are compared), compared feature by feature (`resolution_features`) and scored by a Fellegi-Sunter model that
Splink trains without labels (u from random pairs, m by expectation maximisation). Each scored pair carries its
explanation: the match weight every compared feature added or took away (Splink's waterfall).

DuckDB runs by default; Spark (a session passed in) runs the same settings for large jobs. Models are plain JSON
(Splink's own format inside), saved per dataset by the caller."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa

from palermo.analytics.resolution_features import FEATURES, Kind, kind_of
from palermo.errors import InvalidInput

Engine = Literal["duckdb", "spark"]
ID = "unique_id"
STRONG: dict[Kind, tuple[tuple[str, ...], ...]] = {
    "person": (("id_number",), ("given_name", "family_name", "birth_date")),
    "organization": (("registration",), ("name", "country")),
    "account": (("number",),),
    "address": (("full", "postal_code"),),
}
"""Agreements that make a match almost certain: the share of pairs meeting one of them gives the prior (Splink's
``estimate_probability_two_random_records_match`` with a recall of 0.8)."""
RECALL_OF_STRONG = 0.8
U_PAIRS = 1e6
"""Random pairs sampled to learn how often strangers agree on each feature (u)."""
SEED = 17
MIN_EM_PAIRS = 20
"""Expectation maximisation blocked on a feature needs at least this many pairs sharing it to learn anything."""


@dataclass(frozen=True)
class Entity:
    """A record to resolve: its ID (unique among all records of the run), FtM schema and properties, and the case
    or dataset it came from."""

    id: str
    schema: str
    properties: Mapping[str, Sequence[str]]
    source: str = ""


@dataclass(frozen=True)
class Reason:
    """What one compared feature said about a pair: Splink's level (e.g. 'Jaro-Winkler >0.92') and the match
    weight it added (positive) or took away (negative), with both records' values."""

    feature: str
    label: str
    level: str
    weight: float
    left: str | None
    right: str | None


@dataclass(frozen=True)
class Candidate:
    """A scored pair: the match probability, the total match weight and its waterfall (prior first)."""

    left: str
    right: str
    probability: float
    weight: float
    prior: float = 0.0
    reasons: tuple[Reason, ...] = ()

    @property
    def key(self) -> tuple[str, str]:
        """The pair in a fixed order."""
        return pair(self.left, self.right)


@dataclass(frozen=True)
class Model:
    """A trained model of one kind: the features it compares, Splink's settings with the learned m and u, and what
    the training saw (records, pairs the prior came from, features without learned m)."""

    kind: Kind
    features: tuple[str, ...]
    splink: dict[str, Any]
    trained: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The model as JSON (Splink's settings dictionary inside)."""
        return {"version": 1, "kind": self.kind, "features": list(self.features), "splink": self.splink,
                "trained": self.trained}

    @classmethod
    def from_json(cls, data: Mapping[str, Any], where: str = "model") -> Model:
        """A model saved by `to_json`; InvalidInput names what is wrong."""
        if data.get("version") != 1 or data.get("kind") not in FEATURES or not isinstance(data.get("splink"), dict):
            raise InvalidInput(f"{where}: not a Palermo resolution model (version 1, kind, splink)")
        known = {f.name for f in FEATURES[data["kind"]]}
        features = tuple(str(f) for f in data.get("features", ()))
        if not features or not set(features) <= known:
            raise InvalidInput(f"{where}: features must be among {sorted(known)}")
        return cls(data["kind"], features, dict(data["splink"]), dict(data.get("trained") or {}))


def pair(a: str, b: str) -> tuple[str, str]:
    """Two record IDs in a fixed order (the smaller first)."""
    return (a, b) if a <= b else (b, a)


def table(kind: Kind, entities: Iterable[Entity]) -> pa.Table:
    """The records of one kind as Splink reads them: the ID, the source and each feature's cleaned value."""
    features = FEATURES[kind]
    columns: dict[str, list[str | None]] = {ID: [], "source": []}
    columns.update({f.name: [] for f in features})
    seen: set[str] = set()
    for entity in entities:
        if kind_of(entity.schema) != kind:
            continue
        if entity.id in seen:
            raise InvalidInput(f"record {entity.id!r} appears twice in the records to resolve")
        seen.add(entity.id)
        columns[ID].append(entity.id)
        columns["source"].append(entity.source)
        for f in features:
            columns[f.name].append(f.read(entity.properties))
    return pa.table({name: pa.array(values, pa.string()) for name, values in columns.items()})


def present(kind: Kind, frames: Sequence[pa.Table]) -> tuple[str, ...]:
    """The features of a kind that at least two records have (a feature nobody has cannot be learned)."""
    return tuple(f.name for f in FEATURES[kind]
                 if sum(frame.column(f.name).length() - frame.column(f.name).null_count for frame in frames) >= 2)


LinkType = Literal["link_only", "link_and_dedupe", "dedupe_only"]


def shared_pairs(frames: Sequence[pa.Table], column: str) -> int:
    """How many pairs of records share a value of the column (all pairs, within and across the tables)."""
    counts: dict[str, int] = {}
    for frame in frames:
        for value in frame.column(column).to_pylist():
            if value is not None:
                counts[value] = counts.get(value, 0) + 1
    return sum(n * (n - 1) // 2 for n in counts.values())


def settings(kind: Kind, features: Sequence[str], link_type: LinkType = "dedupe_only",
             dialect: Engine = "duckdb") -> dict[str, Any]:
    """Splink settings comparing the given features, with one blocking rule per identifying feature and, for
    people, the names in either order; the SQL in the dialect of the engine that runs them (DuckDB or Spark)."""
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    chosen = [f for f in FEATURES[kind] if f.name in features]
    rules: list[Any] = [block_on(f.name) for f in chosen if f.block]
    if {"given_name", "family_name"} <= set(features):
        rules += [block_on("given_name", "family_name"),
                  "l.given_name = r.family_name and l.family_name = r.given_name"]
    if not rules:
        rules = [block_on(chosen[0].name)]
    creator = SettingsCreator(link_type=link_type, unique_id_column_name=ID,
                              comparisons=[f.compare(cl) for f in chosen],
                              blocking_rules_to_generate_predictions=rules,
                              retain_intermediate_calculation_columns=True, retain_matching_columns=True)
    built: dict[str, Any] = creator.get_settings(dialect).as_dict()  # type: ignore[no-untyped-call]
    return built


def spark_config() -> dict[str, str]:
    """Spark settings a session needs to run Splink: its jar of string similarity functions (Jaro-Winkler ...)."""
    from splink.backends.spark import similarity_jar_location

    return {"spark.jars": similarity_jar_location()}


class Session:
    """Where Splink runs: a fresh in-memory DuckDB, or the Spark session given."""

    def __init__(self, engine: Engine = "duckdb", spark: Any = None) -> None:
        if engine == "spark" and spark is None:
            raise InvalidInput("engine spark: no Spark session given")
        self.engine = engine
        self.spark = spark
        if spark is not None and spark.sparkContext.getCheckpointDir() is None:
            import tempfile  # Splink breaks Spark's lineage with checkpoints: they need a folder

            spark.sparkContext.setCheckpointDir(tempfile.mkdtemp(prefix="palermo-splink-"))

    def api(self) -> Any:
        """A Splink database API for one linker."""
        if self.engine == "spark":
            from splink.backends.spark import SparkAPI

            return SparkAPI(spark_session=self.spark)  # type: ignore[no-untyped-call]
        import duckdb
        from splink.backends.duckdb import DuckDBAPI

        return DuckDBAPI(connection=duckdb.connect())

    def register(self, api: Any, frames: Sequence[pa.Table]) -> list[Any]:
        """The record tables registered with the API (named a, b, ... when linking several)."""
        if self.engine == "spark":
            return [api.register(self.spark.createDataFrame(frame.to_pandas()), dataset_display_name=f"s{n}")
                    for n, frame in enumerate(frames)]
        return [api.register(frame, dataset_display_name=f"s{n}") for n, frame in enumerate(frames)]

    def arrow(self, frame: Any) -> pa.Table:
        """A Splink table's rows as Arrow."""
        if self.engine == "spark":
            return pa.Table.from_pandas(frame.as_spark_dataframe().toPandas(), preserve_index=False)
        result: pa.Table = frame.as_duckdbpyrelation().to_arrow_table()
        return result


def _linker(session: Session, frames: Sequence[pa.Table], splink_settings: dict[str, Any]) -> Any:
    from splink import Linker

    api = session.api()
    tables = session.register(api, frames)
    return Linker(tables if len(tables) > 1 else tables[0], splink_settings, log_level=None)


def _link_type(frames: Sequence[pa.Table], link_only: bool) -> LinkType:
    if len(frames) < 2:
        return "dedupe_only"
    return "link_only" if link_only else "link_and_dedupe"


def _quiet() -> None:
    logging.getLogger("splink").setLevel(logging.ERROR)


def train(kind: Kind, frames: Sequence[pa.Table], *, session: Session | None = None, link_only: bool = False,
          u_pairs: float = U_PAIRS, seed: int = SEED) -> Model:
    """Learn a model of one kind from the records, without labels: the prior from agreements that make a match
    almost certain, u from random pairs, m by expectation maximisation blocked on each training feature."""
    return _fit(kind, frames, session or Session(), link_only, u_pairs, seed)[0]


def train_and_score(kind: Kind, frames: Sequence[pa.Table], *, threshold: float = 0.05,
                    session: Session | None = None, link_only: bool = False, explain: bool = True,
                    u_pairs: float = U_PAIRS, seed: int = SEED) -> tuple[Model, list[Candidate]]:
    """`train`, then `score` the same records with the same Splink linker (the records and their term
    frequencies are read once)."""
    session = session or Session()
    model, linker = _fit(kind, frames, session, link_only, u_pairs, seed)
    if linker is None:
        return model, score(model, frames, threshold=threshold, session=session, link_only=link_only,
                            explain=explain)
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    return model, candidates(model, session.arrow(predictions), explain=explain)


def _fit(kind: Kind, frames: Sequence[pa.Table], session: Session, link_only: bool, u_pairs: float,
         seed: int) -> tuple[Model, Any]:
    """The trained model and the linker that trained it (None when the saved model differs from the linker's)."""
    from splink import block_on

    _quiet()
    features = present(kind, frames)
    if not features:
        raise InvalidInput(f"no {kind} records with anything to compare (two records need a shared feature)")
    linker = _linker(session, frames, settings(kind, features, _link_type(frames, link_only), session.engine))
    trained: dict[str, Any] = {"records": sum(f.num_rows for f in frames), "em_blocks": [], "notes": []}
    strong = [block_on(*rule) for rule in STRONG[kind] if set(rule) <= set(features)]
    if strong:
        try:
            linker.training.estimate_probability_two_random_records_match(strong, recall=RECALL_OF_STRONG)
        except Exception as exc:
            trained["notes"].append(f"prior kept at Splink's default: {type(exc).__name__}")
    linker.training.estimate_u_using_random_sampling(max_pairs=u_pairs, seed=seed)
    for f in FEATURES[kind]:
        if not f.train or f.name not in features:
            continue
        if shared_pairs(frames, f.name) < MIN_EM_PAIRS:
            trained["notes"].append(f"no m learned blocking on {f.name}: fewer than {MIN_EM_PAIRS} pairs share it")
            continue
        before = linker.misc.save_model_to_json()
        try:
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(f.name), estimate_without_term_frequencies=True)
            trained["em_blocks"].append(f.name)
        except Exception as exc:  # Splink may leave the failed session's settings behind: start again from before
            trained["notes"].append(f"no m learned blocking on {f.name}: {type(exc).__name__}")
            linker = _linker(session, frames, before)
    splink_settings: dict[str, Any] = linker.misc.save_model_to_json()
    prior = splink_settings.get("probability_two_random_records_match") or 0.0
    if not 0.0 < prior < 1.0:  # no pair met a near-certain agreement: assume one duplicate per record at most
        splink_settings["probability_two_random_records_match"] = 1.0 / max(trained["records"], 2)
        trained["notes"].append("prior set to one match per record: no pair met a near-certain agreement")
        linker = None
    trained["untrained"] = [c["output_column_name"] for c in splink_settings["comparisons"]
                            if any(lv.get("m_probability") is None for lv in c["comparison_levels"]
                                   if not lv.get("is_null_level"))]
    return Model(kind, features, splink_settings, trained), linker


def score(model: Model, frames: Sequence[pa.Table], *, threshold: float = 0.05, session: Session | None = None,
          link_only: bool = False, explain: bool = True) -> list[Candidate]:
    """The candidate pairs at or above a match probability, strongest first, each with its waterfall (unless
    ``explain`` is off)."""
    _quiet()
    session = session or Session()
    linker = _linker(session, frames, {**model.splink, "link_type": _link_type(frames, link_only)})
    predictions = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    rows = session.arrow(predictions)
    return candidates(model, rows, explain=explain)


def candidates(model: Model, rows: pa.Table, *, explain: bool = True) -> list[Candidate]:
    """Splink's prediction rows as candidates, with each comparison's contribution read from its match weight
    (and term-frequency adjustment) columns: Splink's waterfall, by feature."""
    prior_p = float(model.splink.get("probability_two_random_records_match") or 1e-4)
    prior = math.log2(prior_p / (1 - prior_p))
    data = rows.to_pydict()
    labels = {f.name: f.label for f in FEATURES[model.kind]}
    comparisons = model.splink["comparisons"]
    out: list[Candidate] = []
    for i in range(rows.num_rows):
        reasons: list[Reason] = []
        if explain:
            for comparison in comparisons:
                name = comparison["output_column_name"]
                gamma = data.get(f"gamma_{name}", [None] * rows.num_rows)[i]
                weight = data.get(f"mw_{name}", [0.0] * rows.num_rows)[i] or 0.0
                adjust = data.get(f"mw_tf_adj_{name}", [0.0] * rows.num_rows)[i] or 0.0
                reasons.append(Reason(name, labels.get(name, name), _level(comparison, gamma),
                                      round(weight + adjust, 3),
                                      data.get(f"{name}_l", [None] * rows.num_rows)[i],
                                      data.get(f"{name}_r", [None] * rows.num_rows)[i]))
        left, right = pair(str(data[f"{ID}_l"][i]), str(data[f"{ID}_r"][i]))
        out.append(Candidate(left, right, float(data["match_probability"][i]), float(data["match_weight"][i]),
                             round(prior, 3), tuple(reasons)))
    out.sort(key=lambda c: (-c.probability, c.key))
    return out


def _level(comparison: Mapping[str, Any], gamma: int | None) -> str:
    levels = comparison["comparison_levels"]
    if gamma is None or gamma < 0:
        return "missing on one side"
    ordinary = [lv for lv in levels if not lv.get("is_null_level")]
    index = len(ordinary) - 1 - int(gamma)
    return str(ordinary[index].get("label_for_charts", "")) if 0 <= index < len(ordinary) else str(gamma)


def resolve(kind: Kind, entities: Iterable[Entity], *, model: Model | None = None, threshold: float = 0.05,
            session: Session | None = None) -> tuple[Model, list[Candidate]]:
    """Train a model on the records (unless one is given) and score their candidate pairs."""
    frame = table(kind, entities)
    if frame.num_rows < 2:
        return model or Model(kind, (), {}, {"records": frame.num_rows}), []
    if model is None:
        return train_and_score(kind, [frame], threshold=threshold, session=session)
    return model, score(model, [frame], threshold=threshold, session=session)

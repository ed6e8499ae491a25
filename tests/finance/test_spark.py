"""The same pack on DuckDB and on Spark (local mode) must raise the very same alerts and compute the same features."""
from __future__ import annotations

from pathlib import Path

import pytest

from palermo.finance.features import account_features
from palermo.finance.generator import Injected
from palermo.finance.ledger import Ledger
from palermo.finance.monitor import Monitoring, monitor
from palermo.finance.rules import load_pack
from palermo.finance.spark import SparkEngine


def test_spark_and_duckdb_give_identical_alerts(generated: tuple[Ledger, list[Injected], Monitoring],
                                                tmp_path: Path) -> None:
    ledger, _, duck = generated
    # A few shuffle partitions: the test's ledger is small, and scheduling 8 empty tasks per stage was most of
    # its time.
    spark = SparkEngine(ledger.export_parquet(tmp_path), master="local[2]",
                        config={"spark.sql.shuffle.partitions": "2", "spark.default.parallelism": "2"})
    try:
        on_spark = monitor(spark, load_pack())
        spark_features = account_features(spark)
    finally:
        spark.stop()
    duck_features = account_features(ledger)
    assert len(duck_features) > 100 and spark_features.keys() == duck_features.keys()
    for account, values in duck_features.items():
        assert spark_features[account] == pytest.approx(values, rel=1e-9, abs=1e-12), account
    assert on_spark.engine == "spark" and duck.engine == "duckdb"
    assert len(duck.alerts) > 100
    assert [a.model_dump() for a in on_spark.alerts] == [a.model_dump() for a in duck.alerts]
    assert on_spark.risks == duck.risks

"""Run a typology pack on Apache Spark: the same SQL, in Spark's spelling, over Parquet copies of the ledger.

pyspark is imported only here, so DuckDB users never load it. ``master`` is ``local[*]`` on one machine or a
cluster URL (``spark://host:7077``) in production.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from palermo.errors import InvalidInput
from palermo.finance.dialect import SPARK, Dialect


class SparkEngine:
    """A Spark session with ``transactions`` and ``parties`` registered as views over Parquet files."""

    dialect: Dialect = SPARK

    def __init__(self, tables: dict[str, Path], *, master: str = "local[*]", app: str = "palermo-finance",
                 config: dict[str, str] | None = None) -> None:
        try:
            from pyspark.sql import SparkSession
        except ImportError:  # pragma: no cover - depends on the installation
            raise InvalidInput("Spark is not installed", hint="pip install 'palermo[spark]'") from None
        builder = (SparkSession.builder.master(master).appName(app)
                   .config("spark.sql.session.timeZone", "UTC")
                   .config("spark.ui.enabled", "false")
                   .config("spark.ui.showConsoleProgress", "false")
                   .config("spark.sql.shuffle.partitions", "8")
                   .config("spark.sql.ansi.enabled", "false"))
        if master.startswith("local"):
            # Local mode listens on loopback only (otherwise the driver binds the machine's other interfaces).
            builder = (builder.config("spark.driver.host", "127.0.0.1")
                       .config("spark.driver.bindAddress", "127.0.0.1"))
        for key, value in (config or {}).items():
            builder = builder.config(key, value)
        self.session = builder.getOrCreate()
        self.session.sparkContext.setLogLevel("ERROR")
        for name, path in tables.items():
            self.session.read.parquet(str(path)).createOrReplaceTempView(name)

    def rows(self, sql: str) -> Sequence[Sequence[Any]]:
        """Run a query and collect its rows."""
        return [tuple(r) for r in self.session.sql(sql).collect()]

    def stop(self) -> None:
        """Stop the Spark session."""
        self.session.stop()

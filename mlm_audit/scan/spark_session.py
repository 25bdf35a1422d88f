"""The Spark side of the ``spark`` engine: the session, named jobs, and Arrow both ways.

pyspark is imported only here and only when the engine runs, so the rest of the tool works
without it.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import polars as pl
import pyarrow as pa

from mlm_audit.model import InputError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

NEEDS_PYSPARK = "--engine spark needs pyspark: pip install 'mlm-audit[spark]'"
LOCAL_MASTER = "local[2]"
LOCAL_CONF = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.log.level": "ERROR",
    "spark.sql.shuffle.partitions": "8",
    "spark.driver.memory": "6g",
    # the fact tables come back to the driver: tens of millions of agent-months at scale
    "spark.driver.maxResultSize": "0",
}
# every session the engine runs on: naive timestamps read as UTC wall-clock time (the
# canonical tables' meaning), Arrow for everything that crosses into Python
SESSION_CONF = {
    "spark.sql.session.timeZone": "UTC",
    "spark.sql.execution.arrow.pyspark.enabled": "true",
}
ARROW_BATCH = "spark.sql.execution.arrow.maxRecordsPerBatch"
# errors only, on stderr, from the JVM's first line (setLogLevel comes after the start-up chatter)
LOG4J2 = """rootLogger.level = error
rootLogger.appenderRef.stderr.ref = console
appender.console.type = Console
appender.console.name = console
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""

Step = Callable[[str], None]


def pyspark_module() -> Any:
    try:
        import pyspark.sql
    except ImportError:
        raise InputError(NEEDS_PYSPARK) from None
    return pyspark.sql


def spark_session(master: str | None = None) -> SparkSession:
    """The active session when there is one (under spark-submit), else a quiet local one."""
    sql = pyspark_module()
    spark = sql.SparkSession.getActiveSession()
    if spark is None:
        # executors must run this interpreter (the one holding pyarrow) if Python is needed
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = sql.SparkSession.builder.master(master or LOCAL_MASTER).appName("mlm-audit")
        for key, value in {**LOCAL_CONF, **SESSION_CONF, **_quiet_jvm()}.items():
            builder = builder.config(key, value)
        spark = builder.getOrCreate()
        spark.sparkContext.setLogLevel("ERROR")
    for key, value in SESSION_CONF.items():
        spark.conf.set(key, value)
    return spark


def _quiet_jvm() -> dict[str, str]:
    path = Path(tempfile.gettempdir()) / "mlm-audit-log4j2.properties"
    try:
        if not path.is_file() or path.read_text() != LOG4J2:
            path.write_text(LOG4J2)
    except OSError:
        return {}
    return {"spark.driver.extraJavaOptions": f"-Dlog4j2.configurationFile={path.as_uri()}"}


class Jobs:
    """Names each Spark job (Spark UI and logs show the description) and reports it to
    ``step`` before it runs."""

    def __init__(self, spark: SparkSession, step: Step | None = None) -> None:
        self.spark = spark
        self.step = step

    def start(self, what: str) -> None:
        self.spark.sparkContext.setJobDescription(f"mlm-audit: {what}")
        if self.step is not None:
            self.step(what)

    def done(self) -> None:
        self.spark.sparkContext.setJobDescription(None)  # type: ignore[arg-type]

    def collect(self, what: str, df: DataFrame) -> pl.DataFrame:
        self.start(what)
        try:
            return collect(df)
        finally:
            self.done()


def collect(df: DataFrame) -> pl.DataFrame:
    """A (small) Spark result as polars; timestamps come back naive (UTC wall-clock)."""
    if hasattr(df, "toArrow"):
        table = df.toArrow()
    else:  # pyspark 3.5
        batches = cast(Any, df)._collect_as_arrow()
        table = pa.Table.from_batches(batches) if batches else _empty_arrow(df)
    out = pl.from_arrow(table)
    assert isinstance(out, pl.DataFrame)
    naive = [pl.col(c).dt.replace_time_zone(None) for c, t in out.schema.items()
             if isinstance(t, pl.Datetime) and t.time_zone is not None]
    return out.with_columns(naive) if naive else out


def _empty_arrow(df: DataFrame) -> pa.Table:
    from pyspark.sql.pandas.types import to_arrow_schema

    return to_arrow_schema(df.schema).empty_table()


@contextmanager
def arrow_batches(spark: SparkSession, rows: int) -> Iterator[None]:
    """Big Arrow batches while shipping a table to Spark: one partition per batch, so the
    default 10,000 rows a batch would cut a 10M-agent dimension into 1,000 partitions."""
    old = spark.conf.get(ARROW_BATCH, None)
    parallel = max(1, spark.sparkContext.defaultParallelism)
    spark.conf.set(ARROW_BATCH, str(max(10_000, -(-rows // (2 * parallel)))))
    try:
        yield
    finally:
        if old is None:
            spark.conf.unset(ARROW_BATCH)
        else:
            spark.conf.set(ARROW_BATCH, old)


def to_spark(spark: SparkSession, df: pl.DataFrame) -> DataFrame:
    """A polars frame as a Spark DataFrame, through Arrow (works on any cluster: the rows
    travel from the driver)."""
    table = df.to_arrow()
    # Spark has no string_view / large types: plain Arrow types only
    table = table.cast(pa.schema([
        pa.field(f.name, pa.string() if pa.types.is_string(f.type) or pa.types.is_large_string(
            f.type) or pa.types.is_string_view(f.type) else f.type) for f in table.schema]))
    with arrow_batches(spark, df.height):
        if df.height == 0 or not _takes_arrow():
            from pyspark.sql.pandas.types import from_arrow_schema

            schema = from_arrow_schema(table.schema)
            if df.height == 0:
                return spark.createDataFrame([], schema)
            return spark.createDataFrame(table.to_pandas(), schema)
        return spark.createDataFrame(table)


def _takes_arrow() -> bool:
    import pyspark

    return int(pyspark.__version__.split(".")[0]) >= 4

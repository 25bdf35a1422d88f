"""One local Spark session for every Spark test (skipped where pyspark is not installed)."""

from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Any:
    pytest.importorskip("pyspark")
    from mlm_audit.scan.spark_session import spark_session

    s = spark_session("local[2]")
    s.conf.set("spark.sql.shuffle.partitions", "2")
    s.conf.set("spark.sql.codegen.wholeStage", "false")  # tiny data: compiling costs most
    return s

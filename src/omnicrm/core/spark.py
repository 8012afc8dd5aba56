"""The one way omnicrm starts Apache Spark (an optional extra: ``pip install 'omnicrm[spark]'``,
plus a Java 17 runtime): the analytics steps and Splink's batch scoring both run on it.

The session is in UTC (the snapshot's times are UTC instants and the analyses cut days and months
in UTC, as DuckDB does with ``TimeZone = 'UTC'``), has no web UI, and carries the similarity
functions' jar that ships with Splink (``jaro_winkler`` and friends are not Spark built-ins), so one
session serves both. ``master`` is ``local[N]`` on one machine or a cluster's URL.
"""

import shutil

from omnicrm.core.settings import get_settings


def java_missing() -> str | None:
    """Why Spark cannot start here, or None when a Java runtime is on the PATH."""
    if shutil.which("java") is None:
        return "no Java runtime on the PATH (Spark needs one: openjdk-17-jre-headless)"
    return None


def session(master: str | None = None, app_name: str = "omnicrm"):  # type: ignore[no-untyped-def]
    """A Spark session on ``master`` (default: the ``OMNICRM_SPARK_MASTER`` setting)."""
    from pyspark.sql import SparkSession
    from splink.backends.spark import similarity_jar_location

    return (
        SparkSession.builder.master(master or get_settings().spark_master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(get_settings().spark_shuffle_partitions))
        .getOrCreate()
    )

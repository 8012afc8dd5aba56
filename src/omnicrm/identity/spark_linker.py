"""Splink's batch scoring on Apache Spark, with the very settings and training the DuckDB run uses
(``probabilistic.score_pairs`` takes the backend as a parameter): for stores whose profiles no
longer fit one machine. ``omnicrm identity resolve --probabilistic --engine spark`` runs it.

The session must carry Splink's similarity jar (``core.spark.session`` adds it); intermediate
tables are persisted in Spark's cache rather than written as Parquet checkpoints, which would need
a checkpoint directory (set one and ``break_lineage_method="parquet"`` for a cluster).
"""

from typing import Any

JARO_WINKLER = "uk.gov.moj.dash.linkage.JaroWinklerSimilarity"
"""The class of Splink's jar behind its ``jaro_winkler`` UDF."""


def spark_api(spark: Any, break_lineage_method: str = "persist") -> Any:
    """A Splink ``SparkAPI`` with its similarity functions registered, on a session of its own
    (Splink registers the profiles as a temporary view: a second run in the same session
    would find the first one's). The model's custom levels are written in DuckDB's SQL, whose
    ``jaro_winkler_similarity`` sqlglot renders for Spark as ``jarowinkler_similarity``: that name
    is registered too, over the same class as Splink's own levels use."""
    from pyspark.sql.types import DoubleType
    from splink import SparkAPI

    api = SparkAPI(spark_session=spark.newSession(), break_lineage_method=break_lineage_method)
    api.spark.udf.registerJavaFunction("jarowinkler_similarity", JARO_WINKLER, DoubleType())
    return api

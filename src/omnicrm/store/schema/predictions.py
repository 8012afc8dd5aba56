"""Predictions: each trained model version (its training window, parameters, holdout metrics and
the series its page draws) and the scores it gave every customer. A new version's scores are
inserted whole and the previous version's removed in the same transaction, so a reader always
sees one complete version per kind."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.schema import UniqueConstraint

from omnicrm.store.schema.base import Base, BigId, UtcDateTime


class PredictionModel(Base):
    __tablename__ = "prediction_models"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # clv | churn | recommend | clusters
    version: Mapped[int] = mapped_column(Integer)
    trained_at: Mapped[datetime] = mapped_column(UtcDateTime)
    window_from: Mapped[datetime | None] = mapped_column(UtcDateTime)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime)
    """The training data's cut-off: nothing after it was seen by the fit."""
    params: Mapped[dict] = mapped_column(JSON)
    metrics: Mapped[dict] = mapped_column(JSON)
    charts: Mapped[dict] = mapped_column(JSON)
    artifact: Mapped[bytes | None] = mapped_column(LargeBinary)
    customers_scored: Mapped[int] = mapped_column(Integer)

    __table_args__ = (UniqueConstraint("kind", "version"),)


class CustomerPrediction(Base):
    """One customer's score from one model version. Which columns a kind fills: clv (score =
    P(alive), amount_minor = CLV), churn (score = risk; details: reasons, action), recommend
    (details: SKUs), clusters (label = cluster; details: its names)."""

    __tablename__ = "customer_predictions"

    model_id: Mapped[int] = mapped_column(
        ForeignKey("prediction_models.id", ondelete="CASCADE"), primary_key=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), primary_key=True)
    score: Mapped[float | None] = mapped_column(Float)
    amount_minor: Mapped[int | None] = mapped_column(BigInteger)
    label: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict | None] = mapped_column(JSON)

"""Stock on hand: what a store or warehouse held of a SKU at the end of a day, as its inventory
system reports it (the ``stock`` source). Kept as reported, one row per count, so sales-and-stock
and average-stock analyses read the counts themselves rather than a balance we would derive."""

from datetime import date

from sqlalchemy import BigInteger, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from omnicrm.store.schema.base import Base, BigId


class StockLevel(Base):
    __tablename__ = "stock_levels"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    source: Mapped[str] = mapped_column(String(32))
    source_key: Mapped[str] = mapped_column(String(200))
    store_id: Mapped[int] = mapped_column(ForeignKey("stores.id"))
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    on_date: Mapped[date] = mapped_column(Date)
    qty_on_hand: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (UniqueConstraint("source", "source_key"),)

"""The sources with a columnar plan: a function from a batch's records to the plain orders
among them (see ``columnar``)."""

from collections.abc import Callable

from omnicrm.ingest.catalog import Catalog
from omnicrm.ingest.columnar import pos
from omnicrm.ingest.columnar.frames import RecordFrame
from omnicrm.ingest.columnar.plain_orders import PlainOrders

Plan = Callable[[RecordFrame, Catalog], PlainOrders]

PLANS: dict[str, Plan] = {"pos": pos.plain_sales}

"""The retail reports (A4), by name: each takes (snapshot cursor, query, options) -> Report."""

from collections.abc import Callable
from functools import partial

import duckdb

from omnicrm.analytics.query import Query
from omnicrm.analytics.report import Report
from omnicrm.analytics.reports.customers import inactive, ranking
from omnicrm.analytics.reports.demographics import sales_by_profile
from omnicrm.analytics.reports.options import ReportOptions
from omnicrm.analytics.reports.products import product_loyalty, sales
from omnicrm.analytics.reports.stock import sales_and_stock
from omnicrm.analytics.reports.stores import registrations, store_dynamics, store_frequency
from omnicrm.analytics.reports.times import purchase_places, purchase_times

ReportFn = Callable[[duckdb.DuckDBPyConnection, Query, ReportOptions], Report]

REPORTS: dict[str, ReportFn] = {
    "product_loyalty": product_loyalty,
    "sales": sales,
    "sales_stock": sales_and_stock,
    "store_dynamics": store_dynamics,
    "demographics": sales_by_profile,
    "items_per_receipt": partial(ranking, by="items_per_receipt"),
    "receipts": partial(ranking, by="receipts"),
    "inactive": inactive,
    "store_frequency": store_frequency,
    "receipt_sum": partial(ranking, by="receipt_sum"),
    "registrations": registrations,
    "purchase_times": purchase_times,
    "purchase_places": purchase_places,
}

__all__ = ["REPORTS", "ReportFn", "ReportOptions"]

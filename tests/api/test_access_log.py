"""The access log never carries a query string (a search holds a phone or an e-mail)."""

import logging

import pytest

from omnicrm.api.access_log import hide_query_strings


def test_query_strings_are_cut_from_access_records(caplog: pytest.LogCaptureFixture) -> None:
    hide_query_strings("test.access")
    hide_query_strings("test.access")  # once only
    logger = logging.getLogger("test.access")
    assert len(logger.filters) == 1
    with caplog.at_level(logging.INFO, logger="test.access"):
        args = ("10.0.0.1:5", "GET", "/api/v1/customers?q=%2B79162206393", "1.1", 200)
        logger.info('%s - "%s %s HTTP/%s" %d', *args)
        logger.info('%s - "%s %s HTTP/%s" %d', "10.0.0.1:5", "GET", "/api/v1/health", "1.1", 200)
    # the records' messages, whatever formatter another library put on the capture handler
    # (pyspark's structured logger formats as JSON once a Spark test ran in the same process)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "79162206393" not in logged
    assert '"GET /api/v1/customers?… HTTP/1.1" 200' in logged
    assert '"GET /api/v1/health HTTP/1.1" 200' in logged

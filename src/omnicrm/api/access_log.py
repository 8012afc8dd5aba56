"""The server's access log without query strings: a search (``/customers?q=+7916...``) carries a
phone, an e-mail or a name, which the log, read by more people than the customer file, must not."""

import logging

HIDDEN = "?…"


class HideQueryStrings(logging.Filter):
    """For uvicorn's access records: (client, method, path with query, HTTP version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) == 5 and "?" in str(args[2]):
            path = str(args[2]).split("?", 1)[0]
            record.args = (*args[:2], path + HIDDEN, *args[3:])
        return True


def hide_query_strings(logger_name: str = "uvicorn.access") -> None:
    """Install the filter once on the access logger."""
    logger = logging.getLogger(logger_name)
    if not any(isinstance(f, HideQueryStrings) for f in logger.filters):
        logger.addFilter(HideQueryStrings())

"""Every source omnicrm reads, by name (the ``{source}`` of the API and ``--source`` of the CLI)."""

from omnicrm.ingest.sources import (
    app,
    app_events,
    callcentre,
    calls,
    camera,
    delivery,
    marketplace,
    members,
    messages,
    pos,
    products,
    returns,
    social,
    stock,
    stores,
    surveys,
    web,
    web_events,
    wifi,
)
from omnicrm.ingest.sources.spec import Source

SOURCES: dict[str, Source] = {
    module.SOURCE.name: module.SOURCE
    for module in (
        stores,
        products,
        members,
        pos,
        web,
        app,
        callcentre,
        marketplace,
        delivery,
        returns,
        stock,
        web_events,
        app_events,
        calls,
        messages,
        wifi,
        camera,
        surveys,
        social,
    )
}

BY_FILE_STEM: dict[str, Source] = {source.file_stem: source for source in SOURCES.values()}

__all__ = ["BY_FILE_STEM", "SOURCES", "Source"]

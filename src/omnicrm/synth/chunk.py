"""Make every file's rows for one chunk of persons (pure: the chunk's seed decides everything)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from omnicrm.synth.behaviour import make_orders
from omnicrm.synth.channels.callcentre import callcentre_part
from omnicrm.synth.channels.contacts import calls_part, messages_part, surveys_part
from omnicrm.synth.channels.events import app_events_part, web_events_part
from omnicrm.synth.channels.logistics import delivery_part, returns_part
from omnicrm.synth.channels.marketplace import marketplace_part
from omnicrm.synth.channels.members import members_part
from omnicrm.synth.channels.online import app_part, web_part
from omnicrm.synth.channels.pos import pos_part
from omnicrm.synth.channels.sensors import camera_part, wifi_part
from omnicrm.synth.population import make_people
from omnicrm.synth.world import Chunk, Part, World, chunk_seed

# Writers run in this order: later ones use what earlier ones left in ``Chunk.extras``.
WRITERS = (
    members_part,
    pos_part,
    web_part,
    app_part,
    callcentre_part,
    marketplace_part,
    delivery_part,
    returns_part,
    messages_part,
    calls_part,
    surveys_part,
    web_events_part,
    app_events_part,
    wifi_part,
    camera_part,
)


def make_persons(world: World, index: int) -> Chunk:
    """The chunk's persons and their orders (what every file of the chunk is made from)."""
    streams = _streams(world, index)
    people = make_people(streams[0], world.cfg, index, world.net, world.start_s)
    orders = make_orders(streams[1], people, world.cal, world.cat, world.net, world.start_s)
    return Chunk(world, index, people, orders, streams[0])


def make_chunk(ch: Chunk) -> Iterator[Part]:
    """Each file's part in WRITERS order; yielded one by one so a caller can encode and drop it."""
    for writer, rng in zip(WRITERS, _streams(ch.world, ch.index)[2:], strict=True):
        ch.rng = rng  # each writer draws from its own stream
        yield writer(ch)


def _streams(world: World, index: int) -> list[np.random.Generator]:
    return [np.random.default_rng(s) for s in chunk_seed(world.cfg, index).spawn(2 + len(WRITERS))]

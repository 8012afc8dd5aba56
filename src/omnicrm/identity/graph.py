"""The identity graph: records and identifier values as nodes, "record carried value" as edges.

Plain integer arrays in, component labels out. Connected components come from
``scipy.sparse.csgraph`` (linear in edges, millions per second); the rare components that would
join people who must stay apart are re-solved edge by edge with a union-find that refuses such
joins, in a fixed edge order so that the result never depends on the order records arrived in.
"""

from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def components(n_nodes: int, src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Component label per node, labels numbered by their lowest node (so they are canonical)."""
    if n_nodes == 0:
        return np.zeros(0, dtype=np.int64)
    ones = np.ones(len(src), dtype=np.int8)
    graph = coo_matrix((ones, (src, dst)), shape=(n_nodes, n_nodes)).tocsr()
    _, labels = connected_components(graph, directed=False)
    first = np.full(labels.max() + 1, n_nodes, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n_nodes, dtype=np.int64))
    return first[labels]


Compatible = Callable[[list[Hashable], list[Hashable]], bool]


@dataclass
class ConstrainedResult:
    labels: dict[int, int]
    """Node -> lowest node of its group."""
    rejected: list[tuple[int, int]] = field(default_factory=list)
    """Edges (a, b) that would have joined incompatible groups, in the order met."""


def constrained_components(
    nodes: Iterable[int],
    edges: Iterable[tuple[int, int]],
    tags: dict[int, Hashable],
    compatible: Compatible,
) -> ConstrainedResult:
    """Union ``edges`` in the given order, refusing a union whose two groups carry tags that are
    not ``compatible`` (two different people; a never-link pair). Deterministic for a fixed order.
    """
    parent: dict[int, int] = {n: n for n in nodes}
    members: dict[int, list[Hashable]] = {n: [tags[n]] for n in parent if n in tags}

    def find(n: int) -> int:
        root = n
        while parent[root] != root:
            root = parent[root]
        while parent[n] != root:
            parent[n], n = root, parent[n]
        return root

    rejected = []
    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        ta, tb = members.get(ra, []), members.get(rb, [])
        if ta and tb and not compatible(ta, tb):
            rejected.append((a, b))
            continue
        keep, gone = (ra, rb) if ra < rb else (rb, ra)
        parent[gone] = keep
        if gone in members:
            members.setdefault(keep, []).extend(members.pop(gone))
    return ConstrainedResult({n: find(n) for n in parent}, rejected)

"""Deterministic resolution as one function: raw records' identifiers in, clusters out.

``partition`` is pure over Arrow tables (no store access): the bulk resolver feeds it every record,
an unmerge feeds it the records of two profiles, and both get the same answer for the same input,
whatever order the records arrived in. The heavy steps (filtering by policy, finding shared and
house identifiers, coding nodes as integers) are DuckDB SQL over Arrow; the same statements run on
any SQL engine with window functions, so the stage ports to Spark SQL when one machine is not
enough.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache

import duckdb
import numpy as np
import pyarrow as pa

from omnicrm.identity.graph import components, constrained_components
from omnicrm.identity.housecards import find_house_cards
from omnicrm.identity.person import PersonFacts, clearly_different, clearly_same, names_differ
from omnicrm.identity.policy import (
    POLICIES,
    Creates,
    Linking,
    is_registry_house_card,
    non_person_name,
)

LINKS_SCHEMA = pa.schema(
    [
        ("node_type", pa.string()),  # order | event | customer (a registry record: a member)
        ("node_id", pa.int64()),
        ("kind", pa.string()),
        ("value", pa.string()),
        ("day", pa.string()),  # YYYY-MM-DD of an order, for usage-based house card detection
    ]
)
VISITS_SCHEMA = pa.schema(
    [
        ("node_type", pa.string()),  # order (a receipt) | event (a sensor sighting)
        ("node_id", pa.int64()),
        ("place", pa.int64()),  # the store
        ("ts", pa.int64()),  # epoch seconds (UTC)
        ("till", pa.string()),  # the terminal of a store receipt, when its key names one
    ]
)
ANCHORS_SCHEMA = pa.schema(
    [("customer_id", pa.int64()), ("kind", pa.string()), ("value", pa.string())]
)


@dataclass(frozen=True)
class Quarantine:
    kind: str
    value: str
    reason: str  # blocked values are not recorded: they name nobody by definition
    evidence: dict


@dataclass(frozen=True)
class ResolutionInput:
    links: pa.Table
    """LINKS_SCHEMA: every identifier every record carried (registry records included)."""
    people: dict[int, PersonFacts]
    """What each registry customer (by id) and each named order (by ``-order_id``) says about its
    person: the over-merge guard."""
    anchors: pa.Table = field(default_factory=ANCHORS_SCHEMA.empty_table)
    """ANCHORS_SCHEMA: profiles resolution created earlier, by the identifier they were keyed on."""
    never_link: frozenset[tuple[int, int]] = frozenset()
    always_link: frozenset[tuple[int, int]] = frozenset()
    quarantined: frozenset[tuple[str, str]] = frozenset()
    """Values already quarantined by an earlier decision that must stay so."""
    scores: dict[tuple[int, int], float] = field(default_factory=dict)
    """The model's score of each always-link pair the probabilistic stage recorded."""
    visits: pa.Table = field(default_factory=VISITS_SCHEMA.empty_table)
    """VISITS_SCHEMA: where and when in-store records happened, for corroborating a sensor value
    by the identified receipts near its sightings, and for a card used at two tills at once."""


@dataclass
class Partition:
    records: pa.Table  # node_type, node_id, cluster
    values: pa.Table  # kind, value, cluster
    clusters: pa.Table  # cluster, qualifies, anchor_kind, anchor_value
    members: pa.Table  # customer_id, cluster: every existing profile that lands in a cluster
    quarantine: list[Quarantine]


def _policy_table() -> pa.Table:
    ps = list(POLICIES.values())
    return pa.table(
        {
            "kind": [p.kind for p in ps],
            "priority": [p.priority for p in ps],
            "linking": [p.linking.value for p in ps],
            "creates": [p.creates.value for p in ps],
            "max_people": [p.max_people for p in ps],
            "max_receipts_a_day": [p.max_receipts_a_day for p in ps],
            "overlap_minutes": [p.overlap_minutes for p in ps],
            "min_overlap_days": [p.min_overlap_days for p in ps],
            "max_companions": [p.max_companions for p in ps],
            "near_seconds": [
                p.near_receipt_minutes * 60 if p.near_receipt_minutes else None for p in ps
            ],
            "near_days": [p.near_receipt_days for p in ps],
            "contact": [p.creates is Creates.ALWAYS for p in ps],
        }
    )


def _blocked_predicate() -> tuple[str, list[str]]:
    terms, params = [], []
    for p in POLICIES.values():
        for pattern in p.blocked:
            terms.append("(kind = ? AND regexp_matches(value, ?))")
            params += [p.kind, pattern]
    return " OR ".join(terms) or "FALSE", params


_NO_FACTS = PersonFacts()


@lru_cache(maxsize=1 << 16)
def _non_person(first: str | None, last: str | None) -> bool:
    return non_person_name(first, last)


@lru_cache(maxsize=1 << 18)
def _different(a: PersonFacts, b: PersonFacts) -> bool:
    return clearly_different(a, b)


def _people_groups(persons: list[int], people: dict[int, PersonFacts]) -> list[list[int]]:
    """Greedy grouping of registry customers into distinct people (a duplicate card joins the
    group of its person; a daughter behind the same phone starts her own)."""
    groups: list[list[int]] = []
    for pid in sorted(persons):
        facts = people.get(pid, PersonFacts())
        for group in groups:
            if not any(clearly_different(facts, people.get(o, PersonFacts())) for o in group):
                group.append(pid)
                break
        else:
            groups.append([pid])
    return groups


class _Resolver:
    """One run of ``partition``; holds the DuckDB connection and the node coding."""

    def __init__(self, inp: ResolutionInput) -> None:
        self.inp = inp
        self.con = duckdb.connect()
        self.quarantine: list[Quarantine] = []
        self.duplicates: list[tuple[int, int]] = []
        self.con.register("links_in", inp.links)
        self.con.register("pol", _policy_table())
        blocked, params = _blocked_predicate()
        self.con.execute(
            f"""CREATE TEMP TABLE l AS
                SELECT li.node_type, li.node_id, li.kind, li.value, li.day,
                       p.priority, p.linking
                FROM links_in li JOIN pol p USING (kind)
                WHERE p.linking <> 'never' AND NOT ({blocked})""",
            params,
        )
        self.con.execute("CREATE TEMP TABLE q (kind VARCHAR, value VARCHAR)")
        if inp.quarantined:
            kinds, values = zip(*sorted(inp.quarantined), strict=True)
            self.con.register("q_in", pa.table({"kind": kinds, "value": values}))
            self.con.execute("INSERT INTO q SELECT kind, value FROM q_in")

    def _add_quarantine(self, items: list[Quarantine]) -> None:
        if not items:
            return
        self.quarantine += items
        self.con.register(
            "q_new", pa.table({"kind": [q.kind for q in items], "value": [q.value for q in items]})
        )
        self.con.execute("INSERT INTO q SELECT kind, value FROM q_new")
        self.con.unregister("q_new")

    def find_house_cards(self) -> None:
        """Cards that are a till's rather than a person's: the registry says so (no person's
        name, no personal data), or the receipts show several people (``housecards``)."""
        self._registry_house_cards()
        self.con.register("visits_in", self.inp.visits)
        self._add_quarantine(
            [Quarantine(k, v, "house_card", ev) for k, v, ev in find_house_cards(self.con)]
        )

    def _registry_house_cards(self) -> None:
        people = self.inp.people
        suspects = [
            cid
            for cid, facts in people.items()
            if cid > 0 and _non_person(facts.first_name, facts.last_name)
        ]
        if not suspects:
            return
        rows = self.con.execute(
            """SELECT node_id, list(kind || ':' || value ORDER BY kind, value) FROM l
               WHERE node_type = 'customer' AND node_id IN (SELECT unnest(?))
               GROUP BY node_id ORDER BY node_id""",
            [suspects],
        ).fetchall()
        found = []
        for cid, idents in rows:
            facts = people[cid]
            kinds = {i.split(":", 1)[0] for i in idents}
            contact = bool(kinds & {"phone", "email", "wallet"})
            if not is_registry_house_card(
                facts.first_name,
                facts.last_name,
                has_contact=contact,
                has_birth_date=facts.birth_date is not None,
            ):
                continue
            name = " ".join(n for n in (facts.first_name, facts.last_name) if n)
            for ident in idents:
                kind, value = ident.split(":", 1)
                if kind == "card":
                    found.append(
                        Quarantine(
                            kind, value, "house_card", {"registry_name": name, "member": cid}
                        )
                    )
        self._add_quarantine([q for q in found if (q.kind, q.value) not in self.inp.quarantined])

    def find_shared(self, *, via_records: bool) -> None:
        """Values carried by more distinct registry people than the policy allows: first by the
        registry records themselves, then (``via_records``) also on records next to a registry
        identifier that is not itself shared."""
        near = "" if via_records else "AND FALSE"
        rows = self.con.execute(
            f"""WITH s AS (SELECT * FROM l WHERE linking = 'alone'
                          AND (kind, value) NOT IN (SELECT kind, value FROM q)),
                    reg AS (SELECT DISTINCT kind, value, node_id AS person FROM s
                            WHERE node_type = 'customer'),
                    near AS (SELECT s.node_type, s.node_id, reg.person FROM s
                             JOIN reg USING (kind, value) WHERE s.node_type <> 'customer' {near}),
                    carriers AS (SELECT kind, value, person FROM reg
                                 UNION SELECT s.kind, s.value, near.person FROM s
                                 JOIN near USING (node_type, node_id))
               SELECT c.kind, c.value, list(DISTINCT c.person ORDER BY c.person),
                      any_value(p.max_people)
               FROM carriers c JOIN pol p USING (kind)
               GROUP BY c.kind, c.value HAVING count(DISTINCT c.person) > 1
               ORDER BY c.kind, c.value"""
        ).fetchall()
        found = []
        people = self.inp.people
        for kind, value, persons, max_people in rows:
            groups = _people_groups(persons, people)
            if len(groups) > max_people:
                found.append(Quarantine(kind, value, "shared", {"people": groups}))
                # Two cards of one person behind a family phone are still one person.
                self.duplicates += [
                    (a, b)
                    for group in groups
                    for i, a in enumerate(group)
                    for b in group[i + 1 :]
                    if a in people
                    and b in people
                    and clearly_same(people[a], people[b])
                    and (a, b) not in self.inp.never_link
                ]
        self._add_quarantine(found)

    def code_nodes(self) -> None:
        """Records first, then values ordered by (priority, kind, value): the lowest value node of
        a cluster is its strongest identifier, the anchor of a profile created for it."""
        self.con.execute(
            """CREATE OR REPLACE TEMP TABLE rec AS
               SELECT node_type, node_id,
                      (row_number() OVER (ORDER BY node_type, node_id) - 1)::BIGINT AS node
               FROM (SELECT DISTINCT node_type, node_id FROM l)"""
        )
        self.n_rec = self.con.execute("SELECT count(*) FROM rec").fetchone()[0]  # type: ignore[index]
        self.con.execute(
            f"""CREATE OR REPLACE TEMP TABLE val AS
               SELECT kind, value, priority,
                      (row_number() OVER (ORDER BY priority, kind, value) - 1 + {self.n_rec})
                          ::BIGINT AS node
               FROM (SELECT DISTINCT kind, value, priority FROM l WHERE linking = 'alone'
                     AND (kind, value) NOT IN (SELECT kind, value FROM q))"""
        )
        self.n_nodes = self.n_rec + self.con.execute("SELECT count(*) FROM val").fetchone()[0]  # type: ignore[index]
        edges = self.con.execute(
            """SELECT rec.node AS a, val.node AS b FROM l
               JOIN rec USING (node_type, node_id) JOIN val USING (kind, value)
               ORDER BY b, a"""
        ).fetchnumpy()
        self.src, self.dst = edges["a"].astype(np.int64), edges["b"].astype(np.int64)
        reg = self.con.execute(
            "SELECT node_id, node FROM rec WHERE node_type = 'customer' ORDER BY node_id"
        ).fetchnumpy()
        self.registry = dict(zip(reg["node_id"].tolist(), reg["node"].tolist(), strict=True))
        named = [-k for k in self.inp.people if k < 0]
        orders = self.con.execute(
            """SELECT node_id, node FROM rec
               WHERE node_type = 'order' AND node_id IN (SELECT unnest(?))""",
            [named],
        ).fetchnumpy()
        self.named = {
            -oid: node
            for oid, node in zip(orders["node_id"].tolist(), orders["node"].tolist(), strict=True)
        }
        self.con.register("anchors_in", self.inp.anchors)
        anchored = self.con.execute(
            "SELECT a.customer_id, val.node FROM anchors_in a JOIN val USING (kind, value)"
        ).fetchall()
        self.anchored = dict(anchored)

    def seed(self, customer_id: int) -> int | None:
        """The node standing for an existing profile: its registry record or its anchor value."""
        return self.registry.get(customer_id, self.anchored.get(customer_id))

    def rule_edges(self, pairs: frozenset[tuple[int, int]]) -> list[tuple[int, int]]:
        out = []
        for a, b in sorted(pairs):
            sa, sb = self.seed(a), self.seed(b)
            if sa is not None and sb is not None:
                out.append((sa, sb))
        return out

    def tag_of(self) -> dict[int, int]:
        """Node -> existing profile id, for the nodes that stand for one."""
        tags = {node: cid for cid, node in self.anchored.items()}
        tags.update({node: cid for cid, node in self.registry.items()})
        return tags

    def compatible(self, a: list[int], b: list[int]) -> bool:
        """May the groups tagged ``a`` and ``b`` be one person? A manual always-link says yes, a
        never-link says no; otherwise no two of their people may be clearly different."""
        pairs = {(min(x, y), max(x, y)) for x in a if x > 0 for y in b if y > 0}
        if pairs & self.inp.always_link:
            return True
        if pairs & self.inp.never_link:
            return False
        people = self.inp.people
        fa = {people[x] for x in a if x in people}
        fb = {people[y] for y in b if y in people}
        return not any(_different(x, y) for x in fa for y in fb)

    def _consistent(self, keys: list[int]) -> bool:
        """Whether the people behind ``keys`` may all be one. The usual case (a member and orders
        naming her) is settled on distinct birth dates, genders and name pairs; a component that
        fails it is checked pair by pair, where manual rules may overrule the facts."""
        people = self.inp.people
        facts = {people.get(key, _NO_FACTS) for key in keys}
        births = {f.birth_date for f in facts if f.birth_date}
        genders = {f.gender for f in facts if f.gender}
        names = sorted({(f.first_name, f.last_name) for f in facts}, key=str)
        if (
            len(births) <= 1
            and len(genders) <= 1
            and not any(names_differ(x, y) for i, x in enumerate(names) for y in names[i + 1 :])
        ):
            if not self.inp.never_link:
                return True
            profiles = sorted(k for k in keys if k > 0)
            return not any(
                (x, y) in self.inp.never_link
                for i, x in enumerate(profiles)
                for y in profiles[i + 1 :]
            )
        distinct: dict[PersonFacts, int] = {}
        for key in keys:
            distinct.setdefault(people.get(key, PersonFacts()), key)
        profiles = [k for k in keys if k > 0]
        reps = list(distinct.values()) + profiles
        return all(self.compatible([x], [y]) for i, x in enumerate(reps) for y in reps[i + 1 :])

    def label(self) -> np.ndarray:
        always = self.rule_edges(self.inp.always_link | frozenset(self.duplicates))
        src = np.concatenate([self.src, np.array([a for a, _ in always], dtype=np.int64)])
        dst = np.concatenate([self.dst, np.array([b for _, b in always], dtype=np.int64)])
        labels = components(self.n_nodes, src, dst)
        tags = self.tag_of()
        tags.update({node: key for key, node in self.named.items()})
        # Only components holding two or more people's facts can conflict: find them in numpy.
        nodes = np.fromiter(tags.keys(), dtype=np.int64, count=len(tags))
        keys = np.fromiter(tags.values(), dtype=np.int64, count=len(tags))
        labs = labels[nodes]
        order = np.argsort(labs, kind="stable")
        labs, keys = labs[order], keys[order]
        starts = np.flatnonzero(np.r_[True, labs[1:] != labs[:-1]])
        sizes = np.diff(np.r_[starts, len(labs)])
        conflicted = [
            int(labs[a])
            for a, n in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True)
            if not self._consistent(keys[a : a + n].tolist())
        ]
        if conflicted:
            self._resolve_conflicts(labels, conflicted, tags, always)
        return labels

    def _resolve_conflicts(
        self,
        labels: np.ndarray,
        conflicted: list[int],
        tags: dict[int, int],
        always: list[tuple[int, int]],
    ) -> None:
        """Re-solve each conflicted component under the guard; each identifier whose link would
        join different people is quarantined and the component solved again without it."""
        in_conflict = np.isin(labels[self.src], conflicted)
        src, dst = self.src[in_conflict], self.dst[in_conflict]
        values = self.con.execute(
            "SELECT node, kind, value FROM val WHERE node IN (SELECT unnest(?))",
            [np.unique(dst).tolist()],
        ).fetchall()
        value_of = {node: (kind, value) for node, kind, value in values}
        # Group nodes, edges and rules by component once (the loop below relabels nodes).
        node_order = np.argsort(labels, kind="stable")
        node_labels = labels[node_order]
        edge_labels = labels[src]
        edge_order = np.argsort(edge_labels, kind="stable")
        edge_labels = edge_labels[edge_order]
        src, dst = src[edge_order], dst[edge_order]
        rules_of: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for a, b in always:
            rules_of[int(labels[a])].append((a, b))
        banned: list[Quarantine] = []
        for lab in conflicted:
            lo, hi = np.searchsorted(edge_labels, [lab, lab + 1])
            comp_edges = list(zip(src[lo:hi].tolist(), dst[lo:hi].tolist(), strict=True))
            lo, hi = np.searchsorted(node_labels, [lab, lab + 1])
            nodes = np.sort(node_order[lo:hi]).tolist()
            comp_tags = {n: tags[n] for n in nodes if n in tags}
            rules = list(rules_of.get(lab, []))
            while True:
                result = constrained_components(
                    nodes, rules + comp_edges, comp_tags, lambda a, b: self.compatible(a, b)
                )
                if not result.rejected:
                    break
                edge = result.rejected[0]
                if edge in rules:  # a rule against a rule: the never-link wins
                    rules.remove(edge)
                    continue
                bad = edge[1]
                kind, value = value_of[bad]
                people = sorted({comp_tags[n] for n in nodes if n in comp_tags})
                banned.append(Quarantine(kind, value, "conflict", {"people": people}))
                comp_edges = [(a, b) for a, b in comp_edges if b != bad]
            for node, root in result.labels.items():
                labels[node] = root
        self._add_quarantine(banned)

    def attach_corroborated(self, labels: np.ndarray) -> None:
        """MAC and face sightings join the one profile their value is corroborated with: seen on
        a record next to a strong identifier, or seen near that profile's identified receipts
        in a store on enough days (``near_receipt_*`` of the policy). A value corroborated with
        two profiles, or with none, attaches nothing."""
        strong = np.zeros(self.n_nodes, dtype=bool)
        strong[labels[self.n_rec :]] = True
        rec_strong = strong[labels[: self.n_rec]]
        self.con.register(
            "recl",
            pa.table(
                {
                    "node": np.arange(self.n_rec, dtype=np.int64),
                    "label": labels[: self.n_rec],
                    "strong": rec_strong,
                }
            ),
        )
        self.con.register("visits_in", self.inp.visits)
        self.con.execute(
            """CREATE OR REPLACE TEMP TABLE w AS
               SELECT l.kind, l.value, l.node_type, l.node_id, rec.node, recl.label, recl.strong
               FROM l JOIN rec USING (node_type, node_id) JOIN recl USING (node)
               WHERE l.linking = 'corroborated'
                 AND (l.kind, l.value) NOT IN (SELECT kind, value FROM q)"""
        )
        # Receipts and sightings meet in buckets of the policy's span (a sighting looks in its
        # bucket and both neighbours), so the store's traffic is never joined whole.
        self.con.execute(
            """CREATE OR REPLACE TEMP TABLE c AS
               WITH s AS (SELECT w.kind, w.value, v.place, v.ts, p.near_seconds AS span,
                                 p.near_days AS need
                          FROM w JOIN visits_in v USING (node_type, node_id)
                          JOIN pol p USING (kind)
                          WHERE NOT w.strong AND p.near_seconds IS NOT NULL),
                    r AS (SELECT v.place, v.ts, recl.label, spans.span, v.ts // spans.span AS b
                          FROM visits_in v JOIN rec USING (node_type, node_id)
                          JOIN recl USING (node)
                          CROSS JOIN (SELECT DISTINCT span FROM s) spans
                          WHERE v.node_type = 'order' AND recl.strong),
                    near AS (SELECT s.kind, s.value, r.label, any_value(s.need) AS need,
                                    count(DISTINCT s.ts // 86400) AS days
                             FROM (SELECT *, unnest([ts // span - 1, ts // span, ts // span + 1])
                                             AS b FROM s) s
                             JOIN r ON r.place = s.place AND r.span = s.span AND r.b = s.b
                                   AND abs(r.ts - s.ts) <= s.span
                             GROUP BY s.kind, s.value, r.label),
                    evidence AS (SELECT kind, value, label FROM w WHERE strong
                                 UNION SELECT kind, value, label FROM near WHERE days >= need)
               SELECT kind, value, min(label) AS label FROM evidence
               GROUP BY kind, value HAVING count(DISTINCT label) = 1"""
        )
        rows = self.con.execute(
            """SELECT w.node, min(c.label) AS label FROM w JOIN c USING (kind, value)
               WHERE NOT w.strong GROUP BY w.node HAVING count(DISTINCT c.label) = 1"""
        ).fetchnumpy()
        labels[rows["node"]] = rows["label"]
        self.weak_values = self.con.execute(
            "SELECT kind, value, label AS cluster FROM c ORDER BY kind, value"
        ).to_arrow_table()

    def result(self, labels: np.ndarray) -> Partition:
        self.con.register("lab", pa.table({"node": np.arange(self.n_nodes), "cluster": labels}))
        records = self.con.execute(
            """SELECT node_type, node_id, cluster FROM rec JOIN lab USING (node)
               ORDER BY node_type, node_id"""
        ).to_arrow_table()
        values = self.con.execute(
            "SELECT kind, value, cluster FROM val JOIN lab USING (node) ORDER BY kind, value"
        ).to_arrow_table()
        values = pa.concat_tables([values, self.weak_values.cast(values.schema)])
        clusters = self.con.execute(
            f"""WITH vc AS (SELECT lab.cluster, min(val.node) AS anchor,
                                bool_or(p.creates = '{Creates.ALWAYS.value}') AS always,
                                bool_or(p.creates = '{Creates.WITH_ORDER.value}') AS with_order
                            FROM val JOIN lab USING (node) JOIN pol p USING (kind) GROUP BY ALL),
                    rc AS (SELECT lab.cluster, bool_or(rec.node_type = 'order') AS has_order,
                                bool_or(rec.node_type = 'customer') AS has_registry
                           FROM rec JOIN lab USING (node) GROUP BY ALL)
               SELECT rc.cluster,
                      rc.has_registry OR coalesce(vc.always, FALSE)
                        OR (coalesce(vc.with_order, FALSE) AND rc.has_order) AS qualifies,
                      val.kind AS anchor_kind, val.value AS anchor_value
               FROM rc LEFT JOIN vc USING (cluster) LEFT JOIN val ON val.node = vc.anchor
               ORDER BY rc.cluster"""
        ).to_arrow_table()
        tags = self.tag_of()
        members = pa.table(
            {
                "customer_id": pa.array(list(tags.values()), pa.int64()),
                "cluster": pa.array([int(labels[n]) for n in tags], pa.int64()),
            }
        )
        return Partition(records, values, clusters, members, self.quarantine)


def partition(inp: ResolutionInput) -> Partition:
    """Cluster the records of ``inp`` by the identifier policies, the over-merge guard and the
    manual rules. The same input gives the same clusters, labelled by their lowest node."""
    r = _Resolver(inp)
    r.find_house_cards()
    r.find_shared(via_records=False)
    r.find_shared(via_records=True)
    r.code_nodes()
    labels = r.label()
    r.attach_corroborated(labels)
    return r.result(labels)


def linking_kinds() -> list[str]:
    return [p.kind for p in POLICIES.values() if p.linking is not Linking.NEVER]

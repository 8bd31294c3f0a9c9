"""Weaving suggestions: triangles to close, and the periphery to bring in.

Closing triangles
-----------------
A suggestion is two people who are not connected (no tie at all between them, usable or not),
share at least one cause, and have a mutual contact who could introduce them: someone with a
usable tie to both who may act as an intermediary (a *broker*). Each pair is ranked by a
weighted sum of parts between 0 and 1:

``passion``
    The strongest shared cause: ``min(passion_a, passion_b) / 5`` for the best shared cause.
``locality``
    1 in the same neighbourhood, 0.5 in the same city, else 0.
``broker``
    The best mutual contact's weaker tie to the pair, divided by 5 (a contact who knows both
    well is more likely to make the introduction happen).
``bridging``
    Whether the pair bridges weakly connected parts of the network: half for being in different
    communities (:func:`community_labels`), half for ``1 - Jaccard`` overlap of their contacts.

Enumeration is by the lower id of the pair: for each person, their brokers, then the broker's
other contacts. A broker with many contacts contributes only their ``broker_fanout`` strongest
ties (so a hub of 500 ties does not cost 125,000 pairs), which bounds the work by
``people x degree x broker_fanout``. The best ``8 x limit`` pairs are kept in one bounded heap
of compact rows, so memory does not grow with the number of candidate pairs, and a pair whose
best possible score cannot enter the heap is dropped before its bridging part is computed.
Selection is then greedy by score with at most ``max_per_person`` suggestions per person and
``2 x max_per_person`` per broker.

Bringing in the periphery
-------------------------
For each eligible person with zero or one usable ties, :func:`periphery_suggestions` proposes
the well-connected people (``hub_quantile`` of usable degree and at least 3 ties) who share a
cause with them, preferring the same neighbourhood and higher shared passion. When the
peripheral person's one contact knows the hub, that contact is the broker.
"""

from __future__ import annotations

import heapq
import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import networkx as nx

from network_app.graph.paths import usable_strength

Strength = Callable[[nx.Graph, int, int], "int | None"]

WEAVING_PARTS = ("passion", "locality", "broker", "bridging")
PERIPHERY_PARTS = ("passion", "locality", "hub")

TRIANGLE = "triangle"
PERIPHERY = "periphery"


@dataclass(frozen=True)
class WeaverPerson:
    """What the weaving engine knows of one person.

    ``causes`` maps cause ids to passion (the caller adds each sub-cause's parent too, so two
    people in sibling sub-causes share the parent). ``eligible``: may be one of a suggested
    pair (listed, open to introductions, not do-not-contact). ``broker``: may be named as the
    mutual contact (listed and may relay introductions).
    """

    id: int
    name: str = ""
    causes: Mapping[int, int] = field(default_factory=dict)
    neighbourhood: str = ""
    city: str = ""
    eligible: bool = True
    broker: bool = True


@dataclass(frozen=True)
class WeavingWeights:
    passion: float = 1.0
    locality: float = 1.0
    broker: float = 1.0
    bridging: float = 1.0

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> WeavingWeights:
        return cls(**{k: float(v) for k, v in values.items() if k in WEAVING_PARTS})

    def total(self) -> float:
        return (self.passion + self.locality + self.broker + self.bridging) or 1.0


@dataclass(frozen=True)
class WeavingPair:
    """One suggestion: ``person`` and ``other`` should meet, through ``broker`` if given.

    For a triangle ``person < other``; for the periphery ``person`` is the peripheral one.
    ``broker_strengths`` are the broker's usable strengths to ``person`` and ``other``.
    """

    kind: str
    person: int
    other: int
    broker: int | None
    cause: int | None
    score: float
    parts: dict[str, float]
    mutual_contacts: int = 0
    broker_strengths: tuple[int, int] | None = None


def _usable_neighbours(
    G: nx.Graph, person: int, strength: Strength, cache: dict[int, dict[int, int]]
) -> dict[int, int]:
    found = cache.get(person)
    if found is None:
        found = {}
        for other in G._adj[person]:
            s = strength(G, person, other)
            if s is not None:
                found[other] = s
        cache[person] = found
    return found


def _locality(a: WeaverPerson, b: WeaverPerson) -> float:
    if a.neighbourhood and a.neighbourhood == b.neighbourhood and a.city == b.city:
        return 1.0
    if a.city and a.city == b.city:
        return 0.5
    return 0.0


def _best_shared(a: WeaverPerson, b: WeaverPerson) -> tuple[int | None, int]:
    best: tuple[int, int] | None = None
    ca, cb = a.causes, b.causes
    if len(ca) > len(cb):
        ca, cb = cb, ca
    for cause, passion in ca.items():
        other = cb.get(cause)
        if other is None:
            continue
        value = min(passion, other)
        if best is None or (value, -cause) > (best[1], -best[0]):
            best = (cause, value)
    return (best[0], best[1]) if best else (None, 0)


def _blocked(G: nx.Graph, a: int, b: int) -> bool:
    nodes = G._node
    sa = nodes[a].get("state")
    sb = nodes[b].get("state")
    return bool((sa is not None and b in sa.blocks) or (sb is not None and a in sb.blocks))


def community_labels(
    G: nx.Graph,
    *,
    seed: int = 0,
    rounds: int = 5,
    strength: Strength = usable_strength,
) -> dict[int, int]:
    """Communities by label propagation over usable ties: person id -> community label.

    Deterministic for a fixed ``seed`` (the visiting order and tie-breaks come from it); a
    bounded number of ``rounds`` keeps it O(rounds x ties).

    Examples
    --------
    >>> from network_app.graph.paths import set_tie
    >>> G = nx.Graph()
    >>> for u, v in [(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6)]:
    ...     set_tie(G, u, v, strength_one=3, strength_other=3, allow_one=True, allow_other=True)
    >>> labels = community_labels(G)
    >>> labels[1] == labels[3] and labels[4] == labels[6] and labels[1] != labels[4]
    True
    """
    rng = random.Random(seed)
    order = sorted(G.nodes)
    rng.shuffle(order)
    labels = {n: n for n in order}
    cache: dict[int, dict[int, int]] = {}
    for _ in range(rounds):
        changed = 0
        for node in order:
            nbrs = _usable_neighbours(G, node, strength, cache)
            if not nbrs:
                continue
            votes: dict[int, int] = defaultdict(int)
            for other, s in nbrs.items():
                votes[labels[other]] += s
            top = max(votes.values())
            best = min(label for label, v in votes.items() if v == top)
            if best != labels[node]:
                labels[node] = best
                changed += 1
        if not changed:
            break
    return labels


def weaving_suggestions(
    G: nx.Graph,
    people: Mapping[int, WeaverPerson],
    *,
    weights: WeavingWeights | None = None,
    limit: int = 500,
    max_per_person: int = 3,
    broker_fanout: int = 40,
    communities: Mapping[int, int] | None = None,
    excluded_pairs: Iterable[tuple[int, int]] = (),
    strength: Strength = usable_strength,
) -> list[WeavingPair]:
    """Pairs to introduce through a mutual contact, best first (see the module docstring).

    Parameters
    ----------
    G : networkx.Graph
        The people graph with consent flags (:mod:`network_app.graph.paths`).
    people : mapping of int to WeaverPerson
        Everyone who may appear; people missing here never appear.
    weights : WeavingWeights, optional
    limit : int
        At most this many suggestions.
    max_per_person : int
        At most this many suggestions name the same person in the pair.
    broker_fanout : int
        A broker contributes only their strongest ties, this many.
    communities : mapping, optional
        Person id -> community label (:func:`community_labels`); computed when not given.
    excluded_pairs : iterable of (int, int)
        Pairs (low, high) never to propose (dismissed before).
    strength : callable
        Usable strength of a tie or None.

    Returns
    -------
    list of WeavingPair

    Examples
    --------
    >>> from network_app.graph.paths import set_tie
    >>> G = nx.Graph()
    >>> for u, v in [(1, 2), (2, 3)]:
    ...     set_tie(G, u, v, strength_one=4, strength_other=4, allow_one=True, allow_other=True)
    >>> people = {i: WeaverPerson(i, causes={7: 4}) for i in (1, 2, 3)}
    >>> [(p.person, p.other, p.broker) for p in weaving_suggestions(G, people)]
    [(1, 3, 2)]
    """
    weights = weights or WeavingWeights()
    total_weight = weights.total()
    labels = communities if communities is not None else community_labels(G, strength=strength)
    excluded = {(min(a, b), max(a, b)) for a, b in excluded_pairs}
    cache: dict[int, dict[int, int]] = {}
    adj = G._adj

    # Each broker's strongest ties to eligible people (the fan-out cap).
    capped: dict[int, list[tuple[int, int]]] = {}
    brokers_of: dict[int, list[int]] = defaultdict(list)
    for m in sorted(people):
        if not people[m].broker or m not in G:
            continue
        state = G._node[m].get("state")
        if state is not None and not state.intermediary:
            continue
        nbrs = _usable_neighbours(G, m, strength, cache)
        chosen = sorted(
            ((s, v) for v, s in nbrs.items() if v in people and people[v].eligible),
            key=lambda sv: (-sv[0], sv[1]),
        )[:broker_fanout]
        if len(chosen) < 2:
            continue
        capped[m] = [(v, s) for s, v in chosen]
        for v, _ in capped[m]:
            brokers_of[v].append(m)

    # One bounded min-heap of compact rows for the whole network (memory independent of the
    # number of candidate pairs); a pair whose best possible score cannot enter it is skipped
    # before its bridging part (the costly one) is computed.
    capacity = max(limit, 1) * 8
    best: list[tuple[float, int, int, int, int, int, int, int, float, float, float, float]] = []
    w_passion, w_local, w_broker, w_bridge = (
        weights.passion,
        weights.locality,
        weights.broker,
        weights.bridging,
    )
    for a in sorted(brokers_of):
        pa = people[a]
        if not pa.causes:
            continue
        via: dict[int, tuple[int, int, int, int]] = {}  # b -> (min strength, -broker, sa, sb)
        mutual: dict[int, int] = defaultdict(int)
        strength_a = _usable_neighbours(G, a, strength, cache)
        for m in brokers_of[a]:
            sa = strength_a[m]
            for b, sb in capped[m]:
                if b <= a:
                    continue
                mutual[b] += 1
                key = (sa if sa < sb else sb, -m, sa, sb)
                current = via.get(b)
                if current is None or key > current:
                    via[b] = key
        if not via:
            continue
        adj_a = adj[a]
        degree_a = len(adj_a)
        label_a = labels.get(a, a)
        for b, (weakest, neg_m, sa, sb) in via.items():
            if b in adj_a or (a, b) in excluded:
                continue
            pb = people[b]
            cause, shared = _best_shared(pa, pb)
            if cause is None:
                continue
            passion = shared / 5
            local = _locality(pa, pb)
            broker = weakest / 5
            partial = w_passion * passion + w_local * local + w_broker * broker
            if len(best) >= capacity and (partial + w_bridge) / total_weight <= best[0][0]:
                continue
            if _blocked(G, a, b):
                continue
            union = degree_a + len(adj[b]) - mutual[b]
            overlap = mutual[b] / union if union else 0.0
            different = label_a != labels.get(b, b)
            bridging = 0.5 * different + 0.5 * (1.0 - overlap)
            score = (partial + w_bridge * bridging) / total_weight
            row = (
                score,
                -a,
                -b,
                -neg_m,
                cause,
                sa,
                sb,
                mutual[b],
                passion,
                local,
                broker,
                bridging,
            )
            if len(best) < capacity:
                heapq.heappush(best, row)
            elif row > best[0]:
                heapq.heapreplace(best, row)

    ranked = [
        WeavingPair(
            kind=TRIANGLE,
            person=-na,
            other=-nb,
            broker=m,
            cause=cause,
            score=score,
            parts={"passion": p, "locality": lo, "broker": br, "bridging": bg},
            mutual_contacts=n,
            broker_strengths=(sa, sb),
        )
        for score, na, nb, m, cause, sa, sb, n, p, lo, br, bg in best
    ]
    ranked.sort(key=lambda pair: (-pair.score, pair.person, pair.other))
    return _select(ranked, limit=limit, max_per_person=max_per_person)


def _select(ranked: list[WeavingPair], *, limit: int, max_per_person: int) -> list[WeavingPair]:
    used: dict[int, int] = defaultdict(int)
    brokered: dict[int, int] = defaultdict(int)
    chosen: list[WeavingPair] = []
    for pair in ranked:
        if len(chosen) >= limit:
            break
        if used[pair.person] >= max_per_person or used[pair.other] >= max_per_person:
            continue
        if pair.broker is not None and brokered[pair.broker] >= 2 * max_per_person:
            continue
        used[pair.person] += 1
        used[pair.other] += 1
        if pair.broker is not None:
            brokered[pair.broker] += 1
        chosen.append(pair)
    return chosen


def periphery_suggestions(
    G: nx.Graph,
    people: Mapping[int, WeaverPerson],
    *,
    per_person: int = 2,
    hub_quantile: float = 0.9,
    min_hub_ties: int = 3,
    limit: int = 500,
    max_per_hub: int = 5,
    excluded_pairs: Iterable[tuple[int, int]] = (),
    strength: Strength = usable_strength,
) -> list[WeavingPair]:
    """For people with zero or one usable ties, ``per_person`` well-connected people who share
    a cause with them (see the module docstring), best first.

    Examples
    --------
    >>> from network_app.graph.paths import set_tie
    >>> G = nx.Graph()
    >>> for v in (2, 3, 4):
    ...     set_tie(G, 1, v, strength_one=4, strength_other=4, allow_one=True, allow_other=True)
    >>> G.add_node(9)
    >>> people = {i: WeaverPerson(i, causes={7: 4}) for i in (1, 2, 3, 4)}
    >>> people[9] = WeaverPerson(9, causes={7: 5})
    >>> [(p.person, p.other) for p in periphery_suggestions(G, people)]
    [(9, 1)]
    """
    cache: dict[int, dict[int, int]] = {}
    excluded = {(min(a, b), max(a, b)) for a, b in excluded_pairs}
    degree = {
        pid: len(_usable_neighbours(G, pid, strength, cache))
        for pid in people
        if pid in G and people[pid].eligible
    }
    if not degree:
        return []
    ordered = sorted(degree.values())
    threshold = max(min_hub_ties, ordered[min(len(ordered) - 1, int(hub_quantile * len(ordered)))])
    top = max(ordered)
    hubs_by_cause: dict[int, list[int]] = defaultdict(list)
    for pid, d in sorted(degree.items(), key=lambda kv: (-kv[1], kv[0])):
        if d >= threshold:
            for cause in people[pid].causes:
                hubs_by_cause[cause].append(pid)
    suggestions: list[WeavingPair] = []
    for pid in sorted(degree):
        if degree[pid] > 1 or not people[pid].causes:
            continue
        me = people[pid]
        contacts = _usable_neighbours(G, pid, strength, cache)
        options: dict[int, WeavingPair] = {}
        for cause in me.causes:
            for hub in hubs_by_cause.get(cause, ())[:200]:
                if hub == pid or hub in G._adj[pid] or hub in options:
                    continue
                if (min(pid, hub), max(pid, hub)) in excluded or _blocked(G, pid, hub):
                    continue
                h = people[hub]
                shared_cause, shared = _best_shared(me, h)
                parts = {
                    "passion": shared / 5,
                    "locality": _locality(me, h),
                    "hub": degree[hub] / top if top else 0.0,
                }
                broker = None
                strengths = None
                for contact, s in contacts.items():
                    s_hub = _usable_neighbours(G, contact, strength, cache).get(hub)
                    if s_hub is not None and contact in people and people[contact].broker:
                        broker, strengths = contact, (s, s_hub)
                score = sum(parts.values()) / len(parts)
                options[hub] = WeavingPair(
                    kind=PERIPHERY,
                    person=pid,
                    other=hub,
                    broker=broker,
                    cause=shared_cause,
                    score=score,
                    parts=parts,
                    broker_strengths=strengths,
                )
        best = sorted(options.values(), key=lambda p: (-p.score, p.other))[: per_person * 3]
        suggestions.extend(best)
    suggestions.sort(key=lambda p: (-p.score, p.person, p.other))
    chosen: list[WeavingPair] = []
    per: dict[int, int] = defaultdict(int)
    hub_use: dict[int, int] = defaultdict(int)
    for pair in suggestions:
        if len(chosen) >= limit:
            break
        if per[pair.person] >= per_person or hub_use[pair.other] >= max_per_hub:
            continue
        per[pair.person] += 1
        hub_use[pair.other] += 1
        chosen.append(pair)
    return chosen

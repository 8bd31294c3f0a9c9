"""Warm-introduction paths: the k most likely simple paths of at most ``max_hops`` ties.

The chance that an introduction over one tie works is ``p = coefficient x strength`` (0.18 x 1 up
to 0.18 x 5 = 0.90 by default); a path's likelihood is the product over its ties. The best paths
maximize likelihood, i.e. minimize the sum of ``-ln p``. Since every ``p < 1``, every tie costs
something and extra hops are never free.

Consent rules (PRODUCT.md, "How a path is ranked"):

- an intermediary must be open to introductions, not hidden and not do-not-contact, and must not
  have the requester on their "do not introduce me to" list;
- a tie is used only if both sides allow it; a side that has not answered follows that person's
  general openness to introductions; a disputed tie is never used;
- a target who is not open to introductions, is do-not-contact, or blocks the requester, gets no
  path (:class:`NotAccepting`).

Graph layout
------------
Nodes are person ids with one attribute dict (see :func:`set_person`). Each edge carries one
small integer code packing the two sides (see :func:`set_tie`); edges with the same code share
one attribute dict (a flyweight). Measured at 100,000 people / 1,000,000 ties this halves both
the memory (289 -> 116 bytes per tie) and the build time of a per-edge dict. Write edges only
through :func:`set_tie` / :func:`remove_tie`: mutating ``G[u][v]`` in place would change every
edge that shares the dict.

Search
------
Meet in the middle: the search enumerates simple half-paths of at most 2 hops from the target
(indexed by their far end), then half-paths of at most 2 hops from the source, and joins them on
their meeting person with a canonical split (the source half has ``ceil(L/2)`` of the ``L``
hops), so each simple path of at most 4 hops is produced exactly once. Work is bounded by the two
2-hop neighbourhoods, never the whole graph; when the target's half-paths are fewer than a
neighbour's ties, the join iterates over the former and tests adjacency instead.
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

MAX_K = 5
MAX_HOPS = 4
DEFAULT_COEFFICIENT = 0.18
DEFAULT_UNRATED_STRENGTH = 2

# Allow values of one side of a tie, as packed in an edge code.
ALLOW_NO = 0
ALLOW_YES = 1
ALLOW_FOLLOWS_PERSON = 2  # not answered: follows the person's general openness


class GraphError(Exception):
    """Base class of the engine's errors; ``reason`` is a sentence a requester can read."""

    reason = "No path could be computed."

    def __init__(self, reason: str | None = None) -> None:
        super().__init__(reason or self.reason)
        if reason:
            self.reason = reason


class InvalidSearch(GraphError, ValueError):
    """The search parameters are out of range (k, max_hops, source equals target)."""


class UnknownPerson(GraphError, KeyError):
    """The source or the target is not in the graph."""

    reason = "This person is not in the network."

    def __str__(self) -> str:
        return self.reason


class NotAccepting(GraphError):
    """The target does not accept introductions (from this requester)."""

    reason = "This person is not accepting introductions."


class NoPath(GraphError):
    """No usable path of at most ``max_hops`` ties exists."""

    reason = "No path within 4 hops: nobody you know can introduce you yet."


@dataclass(frozen=True)
class PersonState:
    """What the engine knows of a person.

    ``open`` is the general openness to introductions; ``intermediary`` is whether the person
    may relay an introduction (open, not hidden, not do-not-contact); ``blocks`` holds the ids on
    their "do not introduce me to" list.
    """

    open: bool = True
    intermediary: bool = True
    blocks: frozenset[int] = field(default_factory=frozenset)


@dataclass(frozen=True)
class TieState:
    """The two sides of a tie between ``low`` and ``high`` (``low < high``), unpacked."""

    low: int
    high: int
    strength_low: int | None
    strength_high: int | None
    allow_low: int
    allow_high: int
    disputed: bool


@dataclass(frozen=True)
class Path:
    """One ranked path: people from source to target, the strength of each tie, likelihood."""

    people: tuple[int, ...]
    strengths: tuple[int, ...]
    likelihood: float
    cost: float

    @property
    def hops(self) -> int:
        return len(self.people) - 1


# ---------------------------------------------------------------------------------------------
# Building and updating the graph


def set_person(
    G: nx.Graph,
    person: int,
    *,
    open: bool = True,
    intermediary: bool = True,
    blocks: Iterable[int] = (),
) -> None:
    """Add or replace a person (node) and their consent state.

    Examples
    --------
    >>> G = nx.Graph()
    >>> set_person(G, 1, open=True, intermediary=True)
    >>> G.nodes[1]["state"].open
    True
    """
    G.add_node(person)
    G.nodes[person]["state"] = PersonState(
        open=open, intermediary=intermediary and open, blocks=frozenset(blocks)
    )


def remove_person(G: nx.Graph, person: int) -> None:
    """Remove a person and their ties (no error when absent)."""
    if person in G:
        G.remove_node(person)


def _pack(
    strength_low: int | None,
    strength_high: int | None,
    allow_low: int,
    allow_high: int,
    disputed: bool,
) -> int:
    return (
        (strength_low or 0)
        | ((strength_high or 0) << 3)
        | (allow_low << 6)
        | (allow_high << 8)
        | (int(disputed) << 10)
    )


_EDGE_DATA: dict[int, dict[str, int]] = {}


def _edge_data(code: int) -> dict[str, int]:
    data = _EDGE_DATA.get(code)
    if data is None:
        data = _EDGE_DATA.setdefault(code, {"c": code})
    return data


def allow_code(value: bool | None) -> int:
    """Pack one side's "allowed for introductions" answer (None: not answered)."""
    if value is None:
        return ALLOW_FOLLOWS_PERSON
    return ALLOW_YES if value else ALLOW_NO


def set_tie(
    G: nx.Graph,
    one: int,
    other: int,
    *,
    strength_one: int | None,
    strength_other: int | None,
    allow_one: bool | None,
    allow_other: bool | None,
    disputed: bool = False,
) -> None:
    """Add or replace the tie between two people with both sides' ratings and consent.

    Unknown people are added with default state. Strengths are 1..5 or None (unrated).

    Examples
    --------
    >>> G = nx.Graph()
    >>> set_tie(G, 1, 2, strength_one=5, strength_other=4, allow_one=True, allow_other=None)
    >>> tie_state(G, 2, 1).strength_low
    5
    """
    if one == other:
        raise InvalidSearch("A tie joins two different people.")
    for s in (strength_one, strength_other):
        if s is not None and not 1 <= s <= 5:
            raise InvalidSearch("Strength must be between 1 and 5.")
    if one < other:
        code = _pack(
            strength_one, strength_other, allow_code(allow_one), allow_code(allow_other), disputed
        )
    else:
        code = _pack(
            strength_other, strength_one, allow_code(allow_other), allow_code(allow_one), disputed
        )
    for person in (one, other):
        if person not in G:
            set_person(G, person)
    data = _edge_data(code)
    # The flyweight: both directions point at the shared dict (see module docstring).
    adj = G._adj
    adj[one][other] = data
    adj[other][one] = data


def load_ties(
    G: nx.Graph,
    rows: Iterable[tuple[int, int, int | None, int | None, bool | None, bool | None, bool]],
) -> int:
    """Bulk-add ties: rows of ``(low, high, strength_low, strength_high, allow_low,
    allow_high, disputed)`` with ``low < high`` (the database order). People not in the graph
    are added with default state. The same result as :func:`set_tie` per row, about three times
    faster (no per-row validation; the database constraints already hold). Returns the count.
    """
    adj = G._adj
    node = G._node
    cache = _EDGE_DATA
    allow = {None: ALLOW_FOLLOWS_PERSON, True: ALLOW_YES, False: ALLOW_NO}
    count = 0
    default_state = PersonState()
    for low, high, s_low, s_high, a_low, a_high, disputed in rows:
        code = (
            (s_low or 0)
            | ((s_high or 0) << 3)
            | (allow[a_low] << 6)
            | (allow[a_high] << 8)
            | (int(disputed) << 10)
        )
        data = cache.get(code)
        if data is None:
            data = _edge_data(code)
        try:
            adj[low][high] = data
        except KeyError:
            adj[low] = {high: data}
            node[low] = {"state": default_state}
        try:
            adj[high][low] = data
        except KeyError:
            adj[high] = {low: data}
            node[high] = {"state": default_state}
        count += 1
    return count


def remove_tie(G: nx.Graph, one: int, other: int) -> None:
    """Remove the tie between two people (no error when absent)."""
    if G.has_edge(one, other):
        G.remove_edge(one, other)


def tie_state(G: nx.Graph, one: int, other: int) -> TieState:
    """Unpack the tie between two people."""
    code = G._adj[one][other]["c"]
    low, high = (one, other) if one < other else (other, one)
    return TieState(
        low=low,
        high=high,
        strength_low=(code & 7) or None,
        strength_high=((code >> 3) & 7) or None,
        allow_low=(code >> 6) & 3,
        allow_high=(code >> 8) & 3,
        disputed=bool((code >> 10) & 1),
    )


# ---------------------------------------------------------------------------------------------
# Costs


def usable_strength(
    G: nx.Graph, u: int, v: int, unrated_strength: int = DEFAULT_UNRATED_STRENGTH
) -> int | None:
    """The effective strength of the tie u-v if it may carry an introduction, else None.

    Effective strength is the lower side; an unrated side counts as ``unrated_strength``.
    """
    code = G._adj[u][v]["c"]
    if code >> 10:
        return None  # disputed
    nodes = G._node
    if u < v:
        low, high = u, v
    else:
        low, high = v, u
    allow_low = (code >> 6) & 3
    allow_high = (code >> 8) & 3
    if allow_low == ALLOW_NO or allow_high == ALLOW_NO:
        return None
    if allow_low == ALLOW_FOLLOWS_PERSON and not nodes[low]["state"].open:
        return None
    if allow_high == ALLOW_FOLLOWS_PERSON and not nodes[high]["state"].open:
        return None
    s_low = code & 7 or unrated_strength
    s_high = (code >> 3) & 7 or unrated_strength
    return s_low if s_low < s_high else s_high


def edge_cost(strength: int, coefficient: float = DEFAULT_COEFFICIENT) -> float:
    """``-ln(coefficient x strength)``: the cost of one tie of this strength."""
    return -math.log(coefficient * strength)


def path_cost(strengths: Iterable[int], coefficient: float = DEFAULT_COEFFICIENT) -> float:
    """The ranking cost of a path: ``-ln`` of its likelihood, computed canonically.

    It is computed from the hop count and the integer product of the strengths, then rounded
    to 9 decimals, so that two paths with the same likelihood get exactly the same cost whatever
    the order of their ties (exact ties exist even across hop counts: 5-5-2 over three ties
    and 3-3 over two both give 0.2916 with the default coefficient).
    """
    hops = 0
    product = 1
    for s in strengths:
        hops += 1
        product *= s
    return round(-hops * math.log(coefficient) - math.log(product), 9)


def path_likelihood(strengths: Iterable[int], coefficient: float = DEFAULT_COEFFICIENT) -> float:
    """The product of ``coefficient x strength`` over a path's ties."""
    result = 1.0
    for s in strengths:
        result *= coefficient * s
    return result


# ---------------------------------------------------------------------------------------------
# Search


def _validate(G: nx.Graph, source: int, target: int, k: int, max_hops: int) -> None:
    if not isinstance(k, int) or not 1 <= k <= MAX_K:
        raise InvalidSearch(f"k must be a whole number from 1 to {MAX_K}.")
    if not isinstance(max_hops, int) or not 1 <= max_hops <= MAX_HOPS:
        raise InvalidSearch(f"max_hops must be a whole number from 1 to {MAX_HOPS}.")
    if source not in G or target not in G:
        raise UnknownPerson()
    if source == target:
        raise InvalidSearch("The source and the target are the same person.")


def _check_target(G: nx.Graph, source: int, target: int) -> None:
    state: PersonState = G._node[target]["state"]
    if not state.open or not state.intermediary or source in state.blocks:
        # The same sentence for "closed", "do not contact" and "blocks you": a block is silent.
        raise NotAccepting()


def best_paths(
    G: nx.Graph,
    source: int,
    target: int,
    k: int = 3,
    max_hops: int = 4,
    *,
    coefficient: float = DEFAULT_COEFFICIENT,
    unrated_strength: int = DEFAULT_UNRATED_STRENGTH,
) -> list[Path]:
    """The ``k`` most likely distinct simple paths from ``source`` to ``target``.

    Parameters
    ----------
    G : networkx.Graph
        Built with :func:`set_person` and :func:`set_tie`.
    source, target : int
        Person ids: the requester and the person they want to reach.
    k : int
        How many paths, 1 to 5.
    max_hops : int
        The longest path in ties, 1 to 4.
    coefficient : float
        ``p = coefficient x strength`` for one tie.
    unrated_strength : int
        The strength an unrated side counts as.

    Returns
    -------
    list of Path
        Most likely first (ties broken by fewer hops, then by the people's ids); at most ``k``.

    Raises
    ------
    InvalidSearch, UnknownPerson, NotAccepting, NoPath

    Examples
    --------
    >>> G = nx.Graph()
    >>> set_tie(G, 1, 2, strength_one=5, strength_other=5, allow_one=True, allow_other=True)
    >>> set_tie(G, 2, 3, strength_one=4, strength_other=5, allow_one=True, allow_other=True)
    >>> [p.people for p in best_paths(G, 1, 3)]
    [(1, 2, 3)]
    >>> round(best_paths(G, 1, 3)[0].likelihood, 3)
    0.648
    """
    _validate(G, source, target, k, max_hops)
    _check_target(G, source, target)
    adj = G._adj
    # Expand two hops around whichever end has the smaller two-hop fan-out (the sum of its
    # neighbours' degrees): ties are symmetric and the requester-specific rules do not depend
    # on the direction, so a path found from the target's side is simply reversed.
    fan_out_target = sum(len(adj[y]) for y in adj[target])
    fan_out_source = sum(len(adj[x]) for x in adj[source])
    if fan_out_target <= fan_out_source:
        found = _search(G, source, target, source, k, max_hops, coefficient, unrated_strength)
    else:
        found = _search(
            G, target, source, source, k, max_hops, coefficient, unrated_strength, reverse=True
        )
    if not found:
        raise NoPath(f"No path within {max_hops} hops: nobody you know can introduce you yet.")
    found.sort(key=lambda item: (item[0], len(item[1]), item[1]))
    return [
        Path(
            people=people,
            strengths=strengths,
            likelihood=path_likelihood(strengths, coefficient),
            cost=cost,
        )
        for cost, people, strengths in found[:k]
    ]


_Found = tuple[float, tuple[int, ...], tuple[int, ...]]
# A far half ending at m: (inner people from m to far, excluding both; strengths; cost).
_Half = tuple[tuple[int, ...], tuple[int, ...], float]


def _search(
    G: nx.Graph,
    near: int,
    far: int,
    requester: int,
    k: int,
    max_hops: int,
    coefficient: float,
    unrated_strength: int,
    reverse: bool = False,
) -> list[_Found]:
    """The k cheapest simple paths near -> far (see the module docstring), with
    branch-and-bound on the k-th best cost found so far: every further tie costs at least
    ``cheapest`` (a 5/5 tie), so a partial path that cannot beat the k-th best is dropped.
    With ``reverse`` (near is the target) paths are returned and ranked source first, so the
    tie-breaking among equally likely paths does not depend on the direction searched."""
    adj = G._adj
    nodes = G._node
    cost_of = [math.inf] + [edge_cost(s, coefficient) for s in range(1, 6)]
    cheapest = cost_of[5]

    def relay(x: int) -> bool:
        st: PersonState = nodes[x]["state"]
        return st.intermediary and requester not in st.blocks

    def strength(u: int, v: int) -> int | None:
        return usable_strength(G, u, v, unrated_strength)

    # Best k kept in a heap of (-cost, -hops, negated people, strengths): heap[0] is the worst.
    heap: list[tuple[float, int, tuple[int, ...], tuple[int, ...]]] = []

    def bound() -> float:
        # The tolerance keeps partial paths whose float sum equals the bound (exact ties).
        return -heap[0][0] + 1e-9 if len(heap) >= k else math.inf

    def offer(people: tuple[int, ...], strengths: tuple[int, ...]) -> None:
        if reverse:
            people, strengths = people[::-1], strengths[::-1]
        cost = path_cost(strengths, coefficient)
        item = (-cost, -len(people), tuple(-p for p in people), strengths)
        if len(heap) < k:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)

    # One-hop halves at the far end: y -> far.
    far1: dict[int, int] = {}
    for y in adj[far]:
        if y == near or not relay(y):
            continue
        s_yf = strength(y, far)
        if s_yf is not None:
            far1[y] = s_yf

    # The near end's usable ties, cheapest first, so that the bound tightens early.
    firsts: list[tuple[float, int, int]] = []
    for x in adj[near]:
        s_nx = strength(near, x)
        if s_nx is None:
            continue
        if x == far:
            offer((near, far), (s_nx,))  # L = 1
        elif relay(x):
            firsts.append((cost_of[s_nx], x, s_nx))
    firsts.sort()

    def join(ends: dict[int, list[_Half]], hops_left: int) -> None:
        """Paths near -> x -> m -> (a far half ending at m), for far halves in ``ends``."""
        for c_x, x, s_nx in firsts:
            if c_x + 2 * cheapest > bound():
                break
            neighbours = adj[x]
            candidates: Iterable[int] = ends if len(ends) < len(neighbours) else neighbours
            for m in candidates:
                if m in (x, near, far) or m not in neighbours:
                    continue
                halves = ends.get(m)
                if halves is None:
                    continue
                s_xm = strength(x, m)
                if s_xm is None:
                    continue
                c_m = c_x + cost_of[s_xm]
                for inner, s_back, c_back in halves:
                    if len(s_back) > hops_left or c_m + c_back > bound():
                        continue
                    if inner and inner[0] == x:
                        continue
                    offer((near, x, m, *inner, far), (s_nx, s_xm, *s_back))

    # L = 2: near -> x -> far.
    if max_hops >= 2:
        for _c_x, x, s_nx in firsts:
            s_xf = far1.get(x)
            if s_xf is not None:
                offer((near, x, far), (s_nx, s_xf))
    # L = 3: near -> x -> m -> far.
    if max_hops >= 3:
        ends3: dict[int, list[_Half]] = {
            y: [((), (s_yf,), cost_of[s_yf])] for y, s_yf in far1.items()
        }
        join(ends3, 1)
    # L = 4: near -> x -> m -> y -> far, expanding only halves that can still beat the bound.
    if max_hops >= 4:
        ends4: dict[int, list[_Half]] = {}
        for y, s_yf in sorted(far1.items(), key=lambda item: cost_of[item[1]]):
            c_y = cost_of[s_yf]
            if c_y + 3 * cheapest > bound():
                break
            for m in adj[y]:
                if m in (far, near) or not relay(m):
                    continue
                s_my = strength(m, y)
                if s_my is None:
                    continue
                c_back = c_y + cost_of[s_my]
                if c_back + 2 * cheapest > bound():
                    continue
                ends4.setdefault(m, []).append(((y,), (s_my, s_yf), c_back))
        join(ends4, 2)

    return [(-neg_cost, tuple(-p for p in neg), strengths) for neg_cost, _, neg, strengths in heap]


def brute_force_paths(
    G: nx.Graph,
    source: int,
    target: int,
    max_hops: int = 4,
    *,
    coefficient: float = DEFAULT_COEFFICIENT,
    unrated_strength: int = DEFAULT_UNRATED_STRENGTH,
) -> list[Path]:
    """Every usable simple path up to ``max_hops``, best first: the oracle for tests.

    Enumerates all simple paths with networkx, then applies the consent rules path by path,
    independently of :func:`best_paths`'s pruning.
    """
    _validate(G, source, target, 1, max_hops)
    _check_target(G, source, target)
    found: list[Path] = []
    for people in nx.all_simple_paths(G, source, target, cutoff=max_hops):
        inner = people[1:-1]
        if any(
            not G.nodes[x]["state"].intermediary or source in G.nodes[x]["state"].blocks
            for x in inner
        ):
            continue
        strengths = [
            usable_strength(G, u, v, unrated_strength) for u, v in itertools.pairwise(people)
        ]
        if any(s is None for s in strengths):
            continue
        concrete = tuple(int(s) for s in strengths if s is not None)
        found.append(
            Path(
                people=tuple(people),
                strengths=concrete,
                likelihood=path_likelihood(concrete, coefficient),
                cost=path_cost(concrete, coefficient),
            )
        )
    found.sort(key=lambda p: (p.cost, p.hops, p.people))
    return found


WeightFunction = Callable[[Any, Any, dict[str, Any]], float | None]


def weight_function(
    G: nx.Graph,
    *,
    coefficient: float = DEFAULT_COEFFICIENT,
    unrated_strength: int = DEFAULT_UNRATED_STRENGTH,
) -> WeightFunction:
    """A networkx ``weight`` callable (None hides a tie) for the naive baseline benchmark."""

    def weight(u: Any, v: Any, data: dict[str, Any]) -> float | None:
        s = usable_strength(G, u, v, unrated_strength)
        return None if s is None else edge_cost(s, coefficient)

    return weight

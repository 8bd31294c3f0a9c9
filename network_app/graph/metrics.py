"""Network health metrics: pure functions of an undirected networkx graph.

Nodes are person ids; an edge may carry ``weight`` (the tie's effective strength, 1..5). Nothing
here imports Django. :func:`network_metrics` computes everything the dashboard stores in a
snapshot; the smaller functions are public so tests can compare each with networkx.

Exact versus sampled
--------------------
Betweenness, closeness and the average path length need a breadth-first search from every
person, O(N x (N + E)): about 150 s in pure Python at 5,000 people and 25,000 ties, and days at
100,000 people. Up to ``EXACT_MAX_NODES`` (1,000) people they are exact; above it they use ``k``
pivots chosen with a seeded random generator, where ``k`` shrinks as the graph grows so the work
stays about ``SAMPLE_WORK_BUDGET`` edge visits (never fewer than ``MIN_PIVOTS``):

- betweenness: Brandes with ``k`` sources (``nx.betweenness_centrality(k=..., seed=...)``);
- closeness: the distance from each person to the pivots of their component (Eppstein and
  Wang's estimator), scaled like networkx (Wasserman and Faust) for disconnected graphs;
- average path length: the mean distance from the pivots within the largest component.

Average clustering is exact up to ``CLUSTERING_EXACT_MAX_NODES`` and sampled above it
(``nx.approximation.average_clustering``). Communities are Louvain with a fixed seed, so the
same network gives the same communities.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

EXACT_MAX_NODES = 1_000
CLUSTERING_EXACT_MAX_NODES = 20_000
CLUSTERING_TRIALS = 20_000
SAMPLE_WORK_BUDGET = 8_000_000
MIN_PIVOTS = 32
MAX_PIVOTS = 500
DEFAULT_SEED = 42


@dataclass
class PersonMetrics:
    """One person's numbers in a snapshot."""

    degree: int = 0
    weighted_degree: float = 0.0
    betweenness: float = 0.0
    closeness: float = 0.0
    eigenvector: float = 0.0
    community: int = -1
    x: float = 0.0
    y: float = 0.0


@dataclass
class CutPoint:
    """A person whose departure would split their component: ``cut_off`` people would lose
    their connection to the biggest remaining part."""

    node: Hashable
    cut_off: int


@dataclass
class CommunityLink:
    """Two communities joined by only a few ties (``ties`` lists the joining pairs)."""

    a: int
    b: int
    size_a: int
    size_b: int
    ties: list[tuple[Any, Any]]


@dataclass
class NetworkMetrics:
    """Everything a snapshot stores."""

    people: int = 0
    ties: int = 0
    density: float = 0.0
    components: int = 0
    largest_component: int = 0
    average_clustering: float = 0.0
    average_path_length: float | None = None
    isolated: int = 0
    peripheral: int = 0
    communities: int = 0
    sampled: bool = False
    pivots: int = 0
    per_person: dict[Any, PersonMetrics] = field(default_factory=dict)
    cut_points: list[CutPoint] = field(default_factory=list)
    bridges: int = 0
    community_links: list[CommunityLink] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)


def pivot_count(G: nx.Graph) -> int | None:
    """How many pivots the sampled measures use, or ``None`` when they are exact.

    Examples
    --------
    >>> pivot_count(nx.path_graph(10)) is None
    True
    """
    n = G.number_of_nodes()
    if n <= EXACT_MAX_NODES:
        return None
    work = n + G.number_of_edges()
    return max(MIN_PIVOTS, min(MAX_PIVOTS, n, SAMPLE_WORK_BUDGET // max(work, 1)))


def choose_pivots(G: nx.Graph, k: int | None, seed: int = DEFAULT_SEED) -> list[Any]:
    """``k`` nodes drawn with a seeded generator (all nodes, in order, when ``k`` is None)."""
    nodes = list(G.nodes)
    if k is None or k >= len(nodes):
        return nodes
    return random.Random(seed).sample(nodes, k)


def density(G: nx.Graph) -> float:
    """Ties present over ties possible (``nx.density``)."""
    return float(nx.density(G))


def average_clustering(G: nx.Graph, seed: int = DEFAULT_SEED) -> float:
    """Average clustering coefficient (unweighted): exact up to ``CLUSTERING_EXACT_MAX_NODES``
    people, else estimated from ``CLUSTERING_TRIALS`` random triples."""
    n = G.number_of_nodes()
    if n == 0:
        return 0.0
    if n <= CLUSTERING_EXACT_MAX_NODES:
        return float(nx.average_clustering(G))
    return float(nx.approximation.average_clustering(G, trials=CLUSTERING_TRIALS, seed=seed))


def _bfs_lengths(G: nx.Graph, source: Any) -> dict[Any, int]:
    seen = {source: 0}
    queue = deque([source])
    adj = G._adj
    while queue:
        v = queue.popleft()
        d = seen[v] + 1
        for w in adj[v]:
            if w not in seen:
                seen[w] = d
                queue.append(w)
    return seen


def closeness_and_path_length(
    G: nx.Graph, pivots: list[Any] | None = None
) -> tuple[dict[Any, float], float | None]:
    """Closeness of every node and the average path length of the largest component.

    With ``pivots=None`` (every node a pivot) both are exact and equal networkx's
    ``closeness_centrality(G)`` (Wasserman-Faust scaling for disconnected graphs) and
    ``average_shortest_path_length`` of the largest component. With pivots, a node's closeness
    uses its mean distance to the pivots of its own component.

    Examples
    --------
    >>> c, apl = closeness_and_path_length(nx.path_graph(3))
    >>> round(c[1], 2), round(apl, 3)
    (1.0, 1.333)
    """
    n = G.number_of_nodes()
    if n == 0:
        return {}, None
    component_of: dict[Any, int] = {}
    sizes: list[int] = []
    for i, comp in enumerate(nx.connected_components(G)):
        sizes.append(len(comp))
        for v in comp:
            component_of[v] = i
    largest = max(range(len(sizes)), key=lambda i: sizes[i])
    if pivots is None:
        pivots = list(G.nodes)
    total: dict[Any, int] = defaultdict(int)
    count: dict[Any, int] = defaultdict(int)
    path_sum = 0
    path_pairs = 0
    for p in pivots:
        lengths = _bfs_lengths(G, p)
        for v, d in lengths.items():
            if v != p:
                total[v] += d
                count[v] += 1
        if component_of[p] == largest:
            path_sum += sum(lengths.values())
            path_pairs += len(lengths) - 1
    closeness: dict[Any, float] = {}
    for v in G.nodes:
        size = sizes[component_of[v]]
        if size <= 1 or not count[v]:
            closeness[v] = 0.0
            continue
        # The mean distance to the pivots of the component stands for the mean distance to
        # every other member (exact when every node is a pivot).
        mean = total[v] / count[v]
        closeness[v] = (1.0 / mean) * ((size - 1) / (n - 1))
    apl = path_sum / path_pairs if path_pairs else None
    return closeness, apl


def betweenness(G: nx.Graph, k: int | None = None, seed: int = DEFAULT_SEED) -> dict[Any, float]:
    """Normalized betweenness (unweighted hops), exact when ``k`` is None, else estimated from
    ``k`` seeded sources (``nx.betweenness_centrality``)."""
    if G.number_of_nodes() == 0:
        return {}
    if k is not None and k >= G.number_of_nodes():
        k = None
    return dict(nx.betweenness_centrality(G, k=k, normalized=True, seed=seed))


def eigenvector(G: nx.Graph) -> dict[Any, float]:
    """Eigenvector centrality (unweighted, ``nx.eigenvector_centrality``); zeros when the power
    iteration does not converge (it can fail on bipartite-like graphs)."""
    if G.number_of_edges() == 0:
        return dict.fromkeys(G.nodes, 0.0)
    try:
        return dict(nx.eigenvector_centrality(G, max_iter=500, tol=1e-06))
    except nx.PowerIterationFailedConvergence:
        return dict.fromkeys(G.nodes, 0.0)


def communities(G: nx.Graph, seed: int = DEFAULT_SEED) -> list[set[Any]]:
    """Louvain communities weighted by tie strength, seeded, largest first (ties broken by the
    smallest member so the numbering is stable)."""
    if G.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(G, weight="weight", seed=seed)
    return sorted(found, key=lambda c: (-len(c), min(c, key=_sort_key)))


def _sort_key(v: Any) -> Any:
    return (0, v) if isinstance(v, int | float) else (1, str(v))


def cut_points(G: nx.Graph) -> list[CutPoint]:
    """Articulation points with how many people each would cut off, most first.

    See :func:`cut_points_and_bridges`.

    Examples
    --------
    >>> [(c.node, c.cut_off) for c in cut_points(nx.path_graph(5))]
    [(2, 2), (1, 1), (3, 1)]
    """
    return cut_points_and_bridges(G)[0]


def cut_points_and_bridges(G: nx.Graph) -> tuple[list[CutPoint], int]:
    """Articulation points with how many people each would cut off (most first), and the
    number of bridges (ties whose removal splits a component), from one depth-first search.

    ``cut_off`` is the number of people of the component who would no longer reach its biggest
    remaining part if that person left. One iterative depth-first search (Tarjan): linear time,
    and no second pass for ``nx.bridges``.
    """
    disc: dict[Any, int] = {}
    low: dict[Any, int] = {}
    subtree: dict[Any, int] = {}
    pieces: dict[Any, list[int]] = defaultdict(list)
    result: list[CutPoint] = []
    bridges = 0
    adj = G._adj
    counter = 0
    for root in G.nodes:
        if root in disc:
            continue
        disc[root] = low[root] = counter
        counter += 1
        subtree[root] = 1
        comp_nodes = [root]
        stack: list[tuple[Any, Any, Any]] = [(root, None, iter(adj[root]))]
        while stack:
            v, parent, children = stack[-1]
            advanced = False
            for w in children:
                if w == parent:
                    continue
                if w in disc:
                    low[v] = min(low[v], disc[w])
                    continue
                disc[w] = low[w] = counter
                counter += 1
                subtree[w] = 1
                comp_nodes.append(w)
                stack.append((w, v, iter(adj[w])))
                advanced = True
                break
            if advanced:
                continue
            stack.pop()
            if parent is not None:
                low[parent] = min(low[parent], low[v])
                subtree[parent] += subtree[v]
                if low[v] >= disc[parent]:
                    pieces[parent].append(subtree[v])
                if low[v] > disc[parent]:
                    bridges += 1
        size = len(comp_nodes)
        for v in comp_nodes:
            parts = pieces.get(v)
            if not parts:
                continue
            if v == root:
                if len(parts) < 2:
                    continue
                all_parts = parts
            else:
                all_parts = [*parts, size - 1 - sum(parts)]
            result.append(CutPoint(node=v, cut_off=size - 1 - max(all_parts)))
    result.sort(key=lambda c: (-c.cut_off, _sort_key(c.node)))
    return result, bridges


def weak_community_links(
    G: nx.Graph,
    membership: dict[Any, int],
    sizes: list[int],
    *,
    max_ties: int = 2,
    min_size: int = 3,
) -> list[CommunityLink]:
    """Pairs of communities (each of at least ``min_size`` people) joined by 1..``max_ties``
    ties, largest communities first."""
    between: dict[tuple[int, int], list[tuple[Any, Any]]] = defaultdict(list)
    for u, v in G.edges:
        cu, cv = membership[u], membership[v]
        if cu == cv:
            continue
        key = (cu, cv) if cu < cv else (cv, cu)
        if len(between[key]) <= max_ties:
            between[key].append((u, v))
    links = [
        CommunityLink(a=a, b=b, size_a=sizes[a], size_b=sizes[b], ties=ties)
        for (a, b), ties in between.items()
        if len(ties) <= max_ties and sizes[a] >= min_size and sizes[b] >= min_size
    ]
    links.sort(key=lambda link: (-(link.size_a + link.size_b), link.a, link.b))
    return links


GOLDEN_ANGLE = math.pi * (3 - math.sqrt(5))
SPACING = 30.0


def community_layout(
    G: nx.Graph, groups: list[set[Any]], degree: dict[Any, int] | None = None
) -> dict[Any, tuple[float, float]]:
    """Positions for a map, in linear time: each community is a disc (its best connected
    people in the middle, on a sunflower spiral), discs are packed greedily along a spiral from
    the biggest, and people without ties sit on a grid below.

    A force layout in pure Python is quadratic (minutes at 5,000 people); this one takes
    milliseconds and keeps communities apart, and the browser can refine a small view with a
    force layout.
    """
    degree = degree if degree is not None else dict(G.degree)
    positions: dict[Any, tuple[float, float]] = {}
    placed: list[tuple[float, float, float]] = []
    loners: list[Any] = []
    for group in groups:
        members = sorted(group, key=lambda v: (-degree.get(v, 0), _sort_key(v)))
        if len(members) == 1 and degree.get(members[0], 0) == 0:
            loners.append(members[0])
            continue
        radius = SPACING * math.sqrt(len(members)) + SPACING
        cx, cy = _place_disc(placed, radius)
        placed.append((cx, cy, radius))
        for i, v in enumerate(members):
            r = SPACING * math.sqrt(i)
            angle = i * GOLDEN_ANGLE
            positions[v] = (cx + r * math.cos(angle), cy + r * math.sin(angle))
    bottom = max((cy + r for _, cy, r in placed), default=0.0) + 2 * SPACING
    left = min((cx - r for cx, _, r in placed), default=0.0)
    width = max((cx + r for cx, _, r in placed), default=0.0) - left
    per_row = max(10, int(width // SPACING) or 10)
    for i, v in enumerate(sorted(loners, key=_sort_key)):
        positions[v] = (left + (i % per_row) * SPACING, bottom + (i // per_row) * SPACING)
    return positions


def _place_disc(placed: list[tuple[float, float, float]], radius: float) -> tuple[float, float]:
    if not placed:
        return 0.0, 0.0
    step = 0
    while True:
        # Walk outwards on an Archimedean spiral until the disc fits.
        t = step * 0.35
        x = 2 * SPACING * t * math.cos(t)
        y = 2 * SPACING * t * math.sin(t)
        if all(math.hypot(x - px, y - py) >= radius + pr for px, py, pr in placed):
            return x, y
        step += 1


def network_metrics(G: nx.Graph, *, seed: int = DEFAULT_SEED) -> NetworkMetrics:
    """Every metric of a snapshot (see the module docstring for what is sampled and when).

    Examples
    --------
    >>> m = network_metrics(nx.karate_club_graph())
    >>> m.people, m.ties, m.components
    (34, 78, 1)
    """
    import time

    timings: dict[str, float] = {}

    def lap(name: str, started: float) -> float:
        now = time.perf_counter()
        timings[name] = round(now - started, 3)
        return now

    t = time.perf_counter()
    n = G.number_of_nodes()
    result = NetworkMetrics(people=n, ties=G.number_of_edges())
    if n == 0:
        return result
    result.density = density(G)
    component_sizes = [len(c) for c in nx.connected_components(G)]
    result.components = len(component_sizes)
    result.largest_component = max(component_sizes)
    degree = dict(G.degree)
    weighted = dict(G.degree(weight="weight"))
    result.isolated = sum(1 for d in degree.values() if d == 0)
    result.peripheral = sum(1 for d in degree.values() if d == 1)
    t = lap("basics", t)
    result.average_clustering = average_clustering(G, seed=seed)
    t = lap("clustering", t)
    k = pivot_count(G)
    result.sampled = k is not None
    pivots = choose_pivots(G, k, seed=seed)
    result.pivots = len(pivots)
    close, result.average_path_length = closeness_and_path_length(G, None if k is None else pivots)
    t = lap("closeness", t)
    between = betweenness(G, k=k, seed=seed)
    t = lap("betweenness", t)
    eigen = eigenvector(G)
    t = lap("eigenvector", t)
    groups = communities(G, seed=seed)
    membership = {v: i for i, group in enumerate(groups) for v in group}
    result.communities = len(groups)
    t = lap("communities", t)
    result.cut_points, result.bridges = cut_points_and_bridges(G)
    result.community_links = weak_community_links(G, membership, [len(g) for g in groups])
    t = lap("weak_points", t)
    layout = community_layout(G, groups, degree)
    t = lap("layout", t)
    for v in G.nodes:
        x, y = layout.get(v, (0.0, 0.0))
        result.per_person[v] = PersonMetrics(
            degree=degree[v],
            weighted_degree=float(weighted[v]),
            betweenness=float(between.get(v, 0.0)),
            closeness=float(close.get(v, 0.0)),
            eigenvector=float(eigen.get(v, 0.0)),
            community=membership.get(v, -1),
            x=round(x, 1),
            y=round(y, 1),
        )
    lap("per_person", t)
    result.seconds = timings
    return result


def build_graph(people: Iterable[Any], ties: Iterable[tuple[Any, Any, float]]) -> nx.Graph:
    """A graph of ``people`` and weighted ``ties`` (pairs whose ends are not among the people
    are skipped)."""
    G = nx.Graph()
    G.add_nodes_from(people)
    nodes = G._node
    G.add_weighted_edges_from((u, v, w) for u, v, w in ties if u in nodes and v in nodes)
    return G

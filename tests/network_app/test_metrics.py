"""The metrics engine against networkx on known graphs (no database)."""

from __future__ import annotations

import math

import networkx as nx
import pytest

from network_app.graph import metrics as m

KNOWN_GRAPHS = {
    "karate": nx.karate_club_graph,
    "les_miserables": nx.les_miserables_graph,
}


@pytest.fixture(params=sorted(KNOWN_GRAPHS))
def known(request: pytest.FixtureRequest) -> nx.Graph:
    return KNOWN_GRAPHS[request.param]()


def test_network_level_numbers_match_networkx(known):
    result = m.network_metrics(known)

    assert result.people == known.number_of_nodes()
    assert result.ties == known.number_of_edges()
    assert result.density == pytest.approx(nx.density(known))
    assert result.components == nx.number_connected_components(known)
    assert result.largest_component == len(max(nx.connected_components(known), key=len))
    assert result.average_clustering == pytest.approx(nx.average_clustering(known))
    assert result.average_path_length == pytest.approx(nx.average_shortest_path_length(known))
    assert result.isolated == 0
    assert result.peripheral == sum(1 for _, d in known.degree if d == 1)
    assert result.sampled is False


def test_per_person_metrics_match_networkx(known):
    result = m.network_metrics(known)

    betweenness = nx.betweenness_centrality(known)
    closeness = nx.closeness_centrality(known)
    eigenvector = nx.eigenvector_centrality(known, max_iter=500, tol=1e-06)
    weighted = dict(known.degree(weight="weight"))
    for node, person in result.per_person.items():
        assert person.degree == known.degree(node)
        assert person.weighted_degree == pytest.approx(weighted[node])
        assert person.betweenness == pytest.approx(betweenness[node], abs=1e-9)
        assert person.closeness == pytest.approx(closeness[node], abs=1e-9)
        assert person.eigenvector == pytest.approx(eigenvector[node], abs=1e-6)


def test_communities_are_seeded_louvain_and_cover_everyone(known):
    first = m.network_metrics(known)
    again = m.network_metrics(known)

    expected = nx.community.louvain_communities(known, weight="weight", seed=m.DEFAULT_SEED)
    assert first.communities == len(expected)
    assert {n: p.community for n, p in first.per_person.items()} == {
        n: p.community for n, p in again.per_person.items()
    }
    groups: dict[int, set] = {}
    for node, person in first.per_person.items():
        groups.setdefault(person.community, set()).add(node)
    assert sorted(map(frozenset, groups.values()), key=sorted) == sorted(
        map(frozenset, expected), key=sorted
    )
    assert nx.community.modularity(known, groups.values()) > 0.35


def _brute_force_cut_off(G: nx.Graph, node) -> int:
    component = nx.node_connected_component(G, node)
    H = G.subgraph(component - {node})
    return len(component) - 1 - max(len(c) for c in nx.connected_components(H))


def test_single_point_bridges_are_the_articulation_points_with_what_they_cut_off(known):
    found = {c.node: c.cut_off for c in m.cut_points(known)}

    assert set(found) == set(nx.articulation_points(known))
    for node, cut_off in found.items():
        assert cut_off == _brute_force_cut_off(known, node)
    ordered = [c.cut_off for c in m.cut_points(known)]
    assert ordered == sorted(ordered, reverse=True)


def test_cut_points_on_random_graphs_agree_with_brute_force():
    for seed in range(25):
        G = nx.gnm_random_graph(30, 34, seed=seed)
        points, bridges = m.cut_points_and_bridges(G)
        found = {c.node: c.cut_off for c in points}
        assert bridges == sum(1 for _ in nx.bridges(G))
        assert set(found) == set(nx.articulation_points(G))
        for node, cut_off in found.items():
            assert cut_off == _brute_force_cut_off(G, node)


def test_two_communities_joined_by_one_tie_are_reported_with_that_tie():
    G = nx.disjoint_union(nx.complete_graph(6), nx.complete_graph(5))
    G.add_edge(0, 8)

    result = m.network_metrics(G)

    assert len(result.community_links) == 1
    link = result.community_links[0]
    assert {link.size_a, link.size_b} == {5, 6}
    assert [tuple(sorted(t)) for t in link.ties] == [(0, 8)]
    assert result.bridges == 1
    assert {c.node for c in result.cut_points} == {0, 8}


def test_communities_linked_by_three_ties_are_not_weak():
    G = nx.disjoint_union(nx.complete_graph(6), nx.complete_graph(6))
    G.add_edges_from([(0, 6), (1, 7), (2, 8)])

    result = m.network_metrics(G)

    assert result.community_links == []


def test_sampled_measures_estimate_the_exact_ones(monkeypatch):
    # given: Les Miserables treated as a "big" graph (the exact limit lowered to 10 people)
    G = nx.les_miserables_graph()
    exact = m.network_metrics(G)
    monkeypatch.setattr(m, "EXACT_MAX_NODES", 10)
    monkeypatch.setattr(m, "MAX_PIVOTS", 40)
    monkeypatch.setattr(m, "MIN_PIVOTS", 40)

    # when
    sampled = m.network_metrics(G)

    # then: flagged as sampled, with estimates close to the exact values
    assert sampled.sampled is True
    assert sampled.pivots == 40
    assert sampled.average_path_length == pytest.approx(exact.average_path_length, rel=0.15)
    top = sorted(G, key=lambda v: -exact.per_person[v].betweenness)[:5]
    top_sampled = sorted(G, key=lambda v: -sampled.per_person[v].betweenness)[:10]
    assert len(set(top) & set(top_sampled)) >= 4
    errors = [
        abs(sampled.per_person[v].closeness - exact.per_person[v].closeness)
        / exact.per_person[v].closeness
        for v in G
    ]
    assert sum(errors) / len(errors) < 0.15


def test_isolated_people_count_and_have_zero_centrality():
    G = nx.path_graph(4)
    G.add_nodes_from([10, 11])

    result = m.network_metrics(G)

    assert result.isolated == 2
    assert result.peripheral == 2
    assert result.components == 3
    assert result.per_person[10].closeness == 0.0
    assert result.per_person[10].betweenness == 0.0
    closeness = nx.closeness_centrality(G)
    for node in G:
        assert result.per_person[node].closeness == pytest.approx(closeness[node])


def test_an_empty_network_has_no_metrics():
    result = m.network_metrics(nx.Graph())

    assert result.people == 0
    assert result.per_person == {}
    assert result.average_path_length is None


def test_the_layout_places_everyone_and_keeps_communities_apart(known):
    result = m.network_metrics(known)
    groups: dict[int, list] = {}
    for person in result.per_person.values():
        groups.setdefault(person.community, []).append((person.x, person.y))

    assert all(math.isfinite(p.x) and math.isfinite(p.y) for p in result.per_person.values())
    positions = [(p.x, p.y) for p in result.per_person.values()]
    assert len(set(positions)) == len(positions)
    centres = {
        c: (sum(x for x, _ in pts) / len(pts), sum(y for _, y in pts) / len(pts))
        for c, pts in groups.items()
    }
    # Every person is nearer the centre of their own community than any other centre.
    for c, pts in groups.items():
        for x, y in pts:
            own = math.hypot(x - centres[c][0], y - centres[c][1])
            assert all(
                own <= math.hypot(x - cx, y - cy) for d, (cx, cy) in centres.items() if d != c
            )


def test_pivots_shrink_as_the_graph_grows():
    small = nx.path_graph(500)
    assert m.pivot_count(small) is None
    medium = nx.gnm_random_graph(5_000, 25_000, seed=1)
    large = nx.gnm_random_graph(20_000, 200_000, seed=1)
    k_large, k_medium = m.pivot_count(large), m.pivot_count(medium)
    assert k_large is not None and k_medium is not None
    assert m.MIN_PIVOTS <= k_large < k_medium <= m.MAX_PIVOTS

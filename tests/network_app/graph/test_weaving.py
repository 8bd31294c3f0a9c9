"""Weaving suggestions on tiny hand-built graphs: triangles to close, periphery to bring in."""

from __future__ import annotations

import random

import networkx as nx

from network_app.graph.paths import set_person, set_tie
from network_app.graph.weaving import (
    PERIPHERY,
    TRIANGLE,
    WeaverPerson,
    community_labels,
    periphery_suggestions,
    weaving_suggestions,
)


def tie(G: nx.Graph, u: int, v: int, s: int = 3, *, allow: bool | None = True) -> None:
    set_tie(G, u, v, strength_one=s, strength_other=s, allow_one=allow, allow_other=allow)


def people(ids: range | list[int], causes: dict[int, int] | None = None, **kw: object) -> dict:
    return {i: WeaverPerson(i, causes=causes or {1: 4}, **kw) for i in ids}


def test_closes_a_triangle_through_the_mutual_contact() -> None:
    G = nx.Graph()
    tie(G, 1, 2, 4)
    tie(G, 2, 3, 5)
    [pair] = weaving_suggestions(G, people(range(1, 4)))
    assert (pair.kind, pair.person, pair.other, pair.broker) == (TRIANGLE, 1, 3, 2)
    assert pair.broker_strengths == (4, 5)
    assert pair.parts["broker"] == 4 / 5


def test_connected_people_are_never_suggested() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    tie(G, 1, 3, allow=False)  # a tie that may not carry introductions still connects them
    assert weaving_suggestions(G, people(range(1, 4))) == []


def test_pairs_must_share_a_cause() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    ps = people(range(1, 4))
    ps[3] = WeaverPerson(3, causes={9: 5})
    assert weaving_suggestions(G, ps) == []


def test_a_broker_who_may_not_relay_is_not_used() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    set_person(G, 2, open=False)
    assert weaving_suggestions(G, people(range(1, 4))) == []
    G2 = nx.Graph()
    tie(G2, 1, 2)
    tie(G2, 2, 3, allow=False)
    assert weaving_suggestions(G2, people(range(1, 4))) == []


def test_people_left_out_or_not_eligible_never_appear() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    ps = people(range(1, 3))  # 3 is hidden: not given to the engine
    assert weaving_suggestions(G, ps) == []
    ps = people(range(1, 4))
    ps[2] = WeaverPerson(2, causes={1: 4}, broker=False)
    assert weaving_suggestions(G, ps) == []


def test_a_block_keeps_the_pair_apart() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    set_person(G, 3, blocks=[1])
    assert weaving_suggestions(G, people(range(1, 4))) == []


def test_dismissed_pairs_are_not_proposed_again() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    assert weaving_suggestions(G, people(range(1, 4)), excluded_pairs=[(3, 1)]) == []


def test_bridging_pairs_rank_above_pairs_inside_one_cluster() -> None:
    # given two triangles-with-a-gap joined by broker 5
    G = nx.Graph()
    for u, v in [(1, 2), (2, 3), (1, 4), (3, 4), (2, 4)]:
        tie(G, u, v)  # cluster A: 1 and 3 are not tied
    for u, v in [(6, 7), (7, 8), (6, 8)]:
        tie(G, u, v)  # cluster B
    tie(G, 5, 1)
    tie(G, 5, 6)
    ranked = weaving_suggestions(G, people(range(1, 9)), max_per_person=5)
    scores = {(p.person, p.other): p for p in ranked}
    # then
    assert scores[(1, 6)].parts["bridging"] > scores[(1, 3)].parts["bridging"]


def test_each_person_appears_at_most_max_per_person_times() -> None:
    rng = random.Random(2)
    G = nx.gnp_random_graph(60, 0.1, seed=2)
    H = nx.Graph()
    for u, v in G.edges:
        tie(H, u, v, rng.randint(1, 5))
    ranked = weaving_suggestions(H, people(list(H.nodes)), max_per_person=2, limit=1000)
    counts: dict[int, int] = {}
    for p in ranked:
        for x in (p.person, p.other):
            counts[x] = counts.get(x, 0) + 1
        assert not H.has_edge(p.person, p.other)
        assert H.has_edge(p.person, p.broker) and H.has_edge(p.other, p.broker)
    assert ranked and max(counts.values()) <= 2


def test_results_are_deterministic() -> None:
    G = nx.gnp_random_graph(80, 0.08, seed=4)
    H = nx.Graph()
    for u, v in G.edges:
        tie(H, u, v, 1 + (u * v) % 5)
    ps = people(list(H.nodes))
    one = weaving_suggestions(H, ps)
    two = weaving_suggestions(H, ps)
    assert [(p.person, p.other, p.broker) for p in one] == [
        (p.person, p.other, p.broker) for p in two
    ]


def test_communities_split_two_cliques() -> None:
    G = nx.Graph()
    for u, v in [(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)]:
        tie(G, u, v)
    labels = community_labels(G, seed=1)
    assert labels[1] == labels[2] and labels[5] == labels[6]


def test_periphery_pairs_isolated_members_with_well_connected_people() -> None:
    # given hubs 1 and 2 (4 ties each), a member 9 with one tie (to 3), and 10 with none
    G = nx.Graph()
    for hub in (1, 2):
        for v in (3, 4, 5, 6):
            tie(G, hub, v)
    tie(G, 9, 3)
    set_person(G, 10)
    ps = people([1, 2, 3, 4, 5, 6, 9, 10])
    ps[11] = WeaverPerson(11, causes={42: 5})  # shares no cause with any hub
    set_person(G, 11)
    # when
    found = periphery_suggestions(G, ps, per_person=2)
    # then
    by_person: dict[int, list[int]] = {}
    for p in found:
        assert p.kind == PERIPHERY
        by_person.setdefault(p.person, []).append(p.other)
    assert sorted(by_person[9]) == [1, 2] and sorted(by_person[10]) == [1, 2]
    assert 11 not in by_person
    assert {p.broker for p in found if p.person == 9} == {3}
    assert {p.broker for p in found if p.person == 10} == {None}

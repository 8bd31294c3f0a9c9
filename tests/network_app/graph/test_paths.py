"""The path engine, without a database: hand-built graphs and an oracle on random graphs."""

from __future__ import annotations

import itertools
import random

import networkx as nx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from network_app.graph import (
    InvalidSearch,
    NoPath,
    NotAccepting,
    UnknownPerson,
    best_paths,
    brute_force_paths,
    set_person,
    set_tie,
    usable_strength,
)


def tie(G: nx.Graph, u: int, v: int, su: int | None = 4, sv: int | None = 4, **kw) -> None:
    set_tie(
        G,
        u,
        v,
        strength_one=su,
        strength_other=sv,
        allow_one=kw.get("allow_u", True),
        allow_other=kw.get("allow_v", True),
        disputed=kw.get("disputed", False),
    )


def chain(*people: int, strength: int = 4) -> nx.Graph:
    G = nx.Graph()
    for u, v in itertools.pairwise(people):
        tie(G, u, v, strength, strength)
    return G


def test_strong_two_hop_path_beats_weak_direct_tie():
    # given a weak direct tie (1) and a strong two-hop path (5, 5)
    G = nx.Graph()
    tie(G, 1, 3, 1, 1)
    tie(G, 1, 2, 5, 5)
    tie(G, 2, 3, 5, 5)
    # when
    paths = best_paths(G, 1, 3, k=2)
    # then 0.9 * 0.9 = 0.81 beats 0.18
    assert [p.people for p in paths] == [(1, 2, 3), (1, 3)]
    assert paths[0].likelihood == pytest.approx(0.81)
    assert paths[1].likelihood == pytest.approx(0.18)
    assert paths[0].strengths == (5, 5)
    assert paths[0].hops == 2


def test_effective_strength_is_the_lower_rated_side():
    G = nx.Graph()
    tie(G, 1, 2, 5, 2)
    assert usable_strength(G, 1, 2) == 2
    assert best_paths(G, 1, 2)[0].likelihood == pytest.approx(0.36)


def test_unrated_side_counts_as_the_configured_strength():
    G = nx.Graph()
    tie(G, 1, 2, 5, None)
    assert usable_strength(G, 1, 2) == 2
    assert usable_strength(G, 1, 2, unrated_strength=3) == 3


def test_a_path_of_five_hops_is_never_returned():
    G = chain(1, 2, 3, 4, 5, 6)
    with pytest.raises(NoPath):
        best_paths(G, 1, 6)
    assert best_paths(G, 1, 5)[0].people == (1, 2, 3, 4, 5)


def test_max_hops_bounds_the_search():
    G = chain(1, 2, 3, 4)
    with pytest.raises(NoPath):
        best_paths(G, 1, 4, max_hops=2)
    assert best_paths(G, 1, 4, max_hops=3)[0].hops == 3


def test_person_closed_to_introductions_is_never_an_intermediary():
    G = chain(1, 2, 3)
    set_person(G, 2, open=False)
    with pytest.raises(NoPath):
        best_paths(G, 1, 3)


def test_hidden_or_do_not_contact_person_is_never_an_intermediary():
    G = chain(1, 2, 3)
    set_person(G, 2, open=True, intermediary=False)
    with pytest.raises(NoPath):
        best_paths(G, 1, 3)


def test_intermediary_who_blocks_the_requester_is_skipped():
    G = chain(1, 2, 3)
    set_person(G, 2, blocks=[1])
    with pytest.raises(NoPath):
        best_paths(G, 1, 3)


def test_tie_is_used_only_if_both_sides_allow_it():
    G = nx.Graph()
    tie(G, 1, 2, allow_v=False)
    tie(G, 2, 3)
    with pytest.raises(NoPath):
        best_paths(G, 1, 3)


def test_unanswered_side_follows_the_persons_general_openness():
    G = nx.Graph()
    tie(G, 1, 2, allow_u=None)
    set_person(G, 1, open=True)
    assert best_paths(G, 1, 2)[0].people == (1, 2)
    set_person(G, 1, open=False)  # the requester is closed: their unanswered side says no
    with pytest.raises(NoPath):
        best_paths(G, 1, 2)


def test_disputed_tie_is_never_used():
    G = nx.Graph()
    tie(G, 1, 2, disputed=True)
    with pytest.raises(NoPath):
        best_paths(G, 1, 2)


def test_target_closed_to_introductions_gets_no_path_with_a_reason():
    G = chain(1, 2, 3)
    set_person(G, 3, open=False)
    with pytest.raises(NotAccepting) as err:
        best_paths(G, 1, 3)
    assert "not accepting introductions" in err.value.reason


def test_target_who_blocks_the_requester_gets_no_path_and_the_reason_does_not_say_so():
    G = chain(1, 2, 3)
    set_person(G, 3, blocks=[1])
    with pytest.raises(NotAccepting) as err:
        best_paths(G, 1, 3)
    assert "block" not in err.value.reason.lower()


def test_parameters_are_validated():
    G = chain(1, 2)
    for bad in ({"k": 0}, {"k": 6}, {"max_hops": 0}, {"max_hops": 5}):
        with pytest.raises(InvalidSearch):
            best_paths(G, 1, 2, **bad)
    with pytest.raises(InvalidSearch):
        best_paths(G, 1, 1)
    with pytest.raises(UnknownPerson):
        best_paths(G, 1, 99)


def test_k_distinct_simple_paths_in_order():
    # given a diamond with a tail: 1-2-4, 1-3-4 and 4-5
    G = nx.Graph()
    tie(G, 1, 2, 5, 5)
    tie(G, 2, 4, 4, 4)
    tie(G, 1, 3, 3, 3)
    tie(G, 3, 4, 3, 3)
    tie(G, 2, 3, 2, 2)
    paths = best_paths(G, 1, 4, k=5)
    assert [p.people for p in paths] == [(1, 2, 4), (1, 3, 4), (1, 2, 3, 4), (1, 3, 2, 4)]
    assert all(len(set(p.people)) == len(p.people) for p in paths)


def test_equal_likelihood_prefers_fewer_hops():
    # 5-5-2 over three ties and 3-3 over two ties are both 0.2916
    G = nx.Graph()
    tie(G, 1, 2, 5, 5)
    tie(G, 2, 3, 5, 5)
    tie(G, 3, 9, 2, 2)
    tie(G, 1, 4, 3, 3)
    tie(G, 4, 9, 3, 3)
    paths = best_paths(G, 1, 9, k=2)
    assert paths[0].likelihood == pytest.approx(paths[1].likelihood)
    assert [p.hops for p in paths] == [2, 3]


# --- the oracle --------------------------------------------------------------------------


def random_network(seed: int, n: int, p: float) -> nx.Graph:
    rng = random.Random(seed)
    G = nx.Graph()
    for person in range(n):
        roll = rng.random()
        set_person(
            G,
            person,
            open=roll > 0.12,
            intermediary=roll > 0.2,
            blocks=[rng.randrange(n)] if rng.random() < 0.1 else [],
        )
    for u in range(n):
        for v in range(u + 1, n):
            if rng.random() < p:

                def side() -> bool | None:
                    return rng.choice([True, True, True, False, None])

                set_tie(
                    G,
                    u,
                    v,
                    strength_one=rng.choice([1, 2, 3, 4, 5, None]),
                    strength_other=rng.choice([1, 2, 3, 4, 5, None]),
                    allow_one=side(),
                    allow_other=side(),
                    disputed=rng.random() < 0.07,
                )
    return G


def check_against_oracle(G: nx.Graph, source: int, target: int, k: int, max_hops: int) -> None:
    try:
        expected = brute_force_paths(G, source, target, max_hops)
    except NotAccepting:
        with pytest.raises(NotAccepting):
            best_paths(G, source, target, k, max_hops)
        return
    if not expected:
        with pytest.raises(NoPath):
            best_paths(G, source, target, k, max_hops)
        return
    got = best_paths(G, source, target, k, max_hops)
    # same best likelihoods, same order (the oracle sorts by cost, hops, people)
    assert [p.people for p in got] == [p.people for p in expected[:k]]
    assert [p.cost for p in got] == [p.cost for p in expected[:k]]
    likelihoods = [p.likelihood for p in got]
    assert likelihoods == sorted(likelihoods, reverse=True)
    for path in got:
        assert len(set(path.people)) == len(path.people)
        assert 1 <= path.hops <= max_hops
        for inner in path.people[1:-1]:
            state = G.nodes[inner]["state"]
            assert state.intermediary and source not in state.blocks
        for (u, v), s in zip(
            zip(path.people, path.people[1:], strict=False), path.strengths, strict=True
        ):
            assert usable_strength(G, u, v) == s


@pytest.mark.parametrize("seed", range(40))
def test_matches_brute_force_on_random_networks(seed):
    rng = random.Random(seed)
    n = rng.randrange(6, 26)
    G = random_network(seed, n, p=rng.uniform(0.1, 0.45))
    for _ in range(15):
        source, target = rng.sample(range(n), 2)
        check_against_oracle(G, source, target, rng.randint(1, 5), rng.randint(1, 4))


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(3, 14),
    p=st.floats(0.15, 0.8),
    k=st.integers(1, 5),
    max_hops=st.integers(1, 4),
)
def test_matches_brute_force_property(seed, n, p, k, max_hops):
    G = random_network(seed, n, p)
    check_against_oracle(G, 0, n - 1, k, max_hops)


def test_bulk_loading_gives_the_same_graph_as_one_tie_at_a_time():
    from network_app.graph import load_ties, tie_state

    rng = random.Random(11)
    rows = []
    for low in range(30):
        for high in range(low + 1, 30):
            if rng.random() < 0.2:
                rows.append(
                    (
                        low,
                        high,
                        rng.choice([None, 1, 3, 5]),
                        rng.choice([None, 2, 4]),
                        rng.choice([None, True, False]),
                        rng.choice([None, True, False]),
                        rng.random() < 0.1,
                    )
                )
    one_by_one = nx.Graph()
    for low, high, sl, sh, al, ah, disputed in rows:
        set_tie(
            one_by_one,
            high,  # reversed on purpose: set_tie orders the sides itself
            low,
            strength_one=sh,
            strength_other=sl,
            allow_one=ah,
            allow_other=al,
            disputed=disputed,
        )
    bulk = nx.Graph()
    assert load_ties(bulk, rows) == len(rows)
    assert {tuple(sorted(e)) for e in bulk.edges} == {tuple(sorted(e)) for e in one_by_one.edges}
    for u, v in one_by_one.edges:
        assert tie_state(bulk, u, v) == tie_state(one_by_one, u, v)

"""Hypothesis over the graph engine with adversarial but valid-looking input: empty graphs,
self-loop attempts, duplicate and replaced ties, strengths out of range, isolated people,
unknown people, parameters out of range. The engine either answers (and its answer holds its
invariants) or refuses with its own error type; it never crashes.

What tests/network_app/graph already proves (path ranking against brute force, group search
quality, weaving on hand-built graphs) is not repeated here."""

from __future__ import annotations

import math
from typing import Any

import networkx as nx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from network_app.graph.groups import (
    Candidate,
    GroupSearchError,
    SearchOptions,
    suggest_groups,
)
from network_app.graph.metrics import network_metrics
from network_app.graph.paths import (
    MAX_HOPS,
    MAX_K,
    GraphError,
    InvalidSearch,
    best_paths,
    set_person,
    set_tie,
    tie_state,
)
from network_app.graph.weaving import WeaverPerson, periphery_suggestions, weaving_suggestions
from tests.security.fuzz.conftest import FUZZ_EXAMPLES

EXAMPLES = max(50, FUZZ_EXAMPLES * 20)
SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)

people_ids = st.integers(min_value=0, max_value=9)
any_strength = st.one_of(st.none(), st.integers(min_value=-2, max_value=8), st.just(10**12))
tie_ops = st.lists(
    st.tuples(
        people_ids,
        people_ids,
        any_strength,
        any_strength,
        st.sampled_from([None, True, False]),
        st.sampled_from([None, True, False]),
        st.booleans(),
    ),
    max_size=30,
)
person_ops = st.lists(
    st.tuples(people_ids, st.booleans(), st.booleans(), st.frozensets(people_ids, max_size=3)),
    max_size=10,
)


def build(ties: list[Any], persons: list[Any]) -> tuple[nx.Graph, int]:
    """A graph from raw operations; the refused ones (self loops, bad strengths) are counted."""
    G = nx.Graph()
    refused = 0
    for person, open_, relay, blocks in persons:
        set_person(G, person, open=open_, intermediary=relay, blocks=blocks)
    for one, other, s1, s2, a1, a2, disputed in ties:
        try:
            set_tie(
                G,
                one,
                other,
                strength_one=s1,
                strength_other=s2,
                allow_one=a1,
                allow_other=a2,
                disputed=disputed,
            )
        except InvalidSearch:
            refused += 1
            valid = one != other and all(s is None or 1 <= s <= 5 for s in (s1, s2))
            assert not valid, "a valid tie was refused"
    return G, refused


@SETTINGS
@given(ties=tie_ops, persons=person_ops)
def test_building_a_graph_refuses_self_loops_and_bad_strengths_and_keeps_valid_ties(
    ties: list[Any], persons: list[Any]
) -> None:
    G, _ = build(ties, persons)
    assert nx.number_of_selfloops(G) == 0
    for one, other in G.edges:
        state = tie_state(G, one, other)
        for strength in (state.strength_low, state.strength_high):
            assert strength is None or 1 <= strength <= 5
    # the last valid operation on a pair wins (duplicates replace, never add)
    last: dict[frozenset[int], tuple[Any, ...]] = {}
    for one, other, s1, s2, *_ in ties:
        if one != other and all(s is None or 1 <= s <= 5 for s in (s1, s2)):
            last[frozenset((one, other))] = (one, s1, s2)
    assert {frozenset(e) for e in G.edges} == set(last)


@SETTINGS
@given(
    ties=tie_ops,
    persons=person_ops,
    source=st.integers(min_value=-1, max_value=10),
    target=st.integers(min_value=-1, max_value=10),
    k=st.integers(min_value=-1, max_value=MAX_K + 2),
    max_hops=st.integers(min_value=-1, max_value=MAX_HOPS + 2),
)
def test_path_search_answers_or_refuses_with_its_own_error(
    ties: list[Any], persons: list[Any], source: int, target: int, k: int, max_hops: int
) -> None:
    G, _ = build(ties, persons)
    try:
        paths = best_paths(G, source, target, k=k, max_hops=max_hops)
    except GraphError as error:
        assert str(error) or error.__class__.__name__  # a message the page can show
        return
    assert 1 <= k <= MAX_K and 1 <= max_hops <= MAX_HOPS
    assert len(paths) <= k
    for path in paths:
        assert path.people[0] == source and path.people[-1] == target
        assert len(set(path.people)) == len(path.people)  # simple
        assert 1 <= path.hops <= max_hops
        assert all(G.has_edge(a, b) for a, b in zip(path.people, path.people[1:], strict=False))
        assert 0.0 <= path.likelihood <= 1.0 and math.isfinite(path.cost)
    assert paths == sorted(paths, key=lambda p: (p.cost, p.hops))


@SETTINGS
@given(ties=tie_ops, isolated=st.sets(st.integers(min_value=20, max_value=30), max_size=5))
def test_metrics_of_any_graph_are_finite_and_in_range(ties: list[Any], isolated: set[int]) -> None:
    G, _ = build(ties, [])
    G.add_nodes_from(isolated)  # people without a single tie
    metrics = network_metrics(G)
    assert metrics.people == G.number_of_nodes() and metrics.ties == G.number_of_edges()
    assert 0.0 <= metrics.density <= 1.0
    assert 0.0 <= metrics.average_clustering <= 1.0
    assert metrics.isolated >= len(isolated)
    assert metrics.average_path_length is None or math.isfinite(metrics.average_path_length)
    for values in metrics.per_person.values():
        for value in vars(values).values():
            if isinstance(value, float):
                assert math.isfinite(value), values


def test_metrics_of_an_empty_network_are_zero() -> None:
    metrics = network_metrics(nx.Graph())
    assert (metrics.people, metrics.ties, metrics.density, metrics.components) == (0, 0, 0.0, 0)


weaver_people = st.dictionaries(
    people_ids,
    st.builds(
        WeaverPerson,
        id=st.just(0),
        causes=st.dictionaries(st.integers(1, 3), st.integers(1, 5), max_size=3),
        neighbourhood=st.sampled_from(["", "Old Mill", "Harbour"]),
        eligible=st.booleans(),
    ),
    max_size=10,
)


@SETTINGS
@given(ties=tie_ops, persons=person_ops, people=weaver_people)
def test_weaving_never_pairs_people_who_know_each_other_or_who_are_not_given(
    ties: list[Any], persons: list[Any], people: dict[int, WeaverPerson]
) -> None:
    G, _ = build(ties, persons)
    given_people = {
        pid: WeaverPerson(pid, causes=p.causes, neighbourhood=p.neighbourhood, eligible=p.eligible)
        for pid, p in people.items()
    }
    for pair in weaving_suggestions(G, given_people) + periphery_suggestions(G, given_people):
        assert pair.person != pair.other
        assert pair.person in given_people and pair.other in given_people
        assert given_people[pair.person].eligible and given_people[pair.other].eligible
        assert not G.has_edge(pair.person, pair.other)
        assert pair.broker is None or pair.broker in given_people
        assert math.isfinite(pair.score)


candidates = st.lists(
    st.builds(
        Candidate,
        id=people_ids,
        name=st.text(max_size=20),
        passion=st.integers(min_value=1, max_value=5),
        sector=st.sampled_from(["", "food", "housing"]),
        organizations=st.frozensets(st.integers(1, 3), max_size=2),
        offers=st.lists(st.text(max_size=30), max_size=2).map(tuple),
        needs=st.lists(st.text(max_size=30), max_size=2).map(tuple),
    ),
    max_size=12,
    unique_by=lambda c: c.id,
)


@SETTINGS
@given(
    ties=tie_ops,
    people=candidates,
    min_size=st.integers(min_value=0, max_value=14),
    max_size=st.integers(min_value=0, max_value=14),
    max_groups=st.integers(min_value=-1, max_value=5),
    max_per_person=st.integers(min_value=0, max_value=3),
    cap=st.integers(min_value=0, max_value=3),
)
def test_group_search_answers_within_its_options_or_refuses_them(
    ties: list[Any],
    people: list[Candidate],
    min_size: int,
    max_size: int,
    max_groups: int,
    max_per_person: int,
    cap: int,
) -> None:
    G, _ = build(ties, [])
    options = SearchOptions(
        min_size=min_size,
        max_size=max_size,
        max_groups=max_groups,
        max_per_person=max_per_person,
        max_per_organization=cap,
    )
    try:
        groups = suggest_groups(G, people, options=options)
    except GroupSearchError:
        assert not (
            2 <= min_size <= max_size <= 12 and max_groups >= 0 and max_per_person >= 1 and cap >= 1
        )
        return
    ids = {c.id for c in people}
    assert len(groups) <= max_groups
    uses: dict[int, int] = {}
    for group in groups:
        assert min_size <= len(group.members) <= max_size
        assert set(group.members) <= ids
        assert math.isfinite(group.score)
        for member in group.members:
            uses[member] = uses.get(member, 0) + 1
    assert all(count <= max_per_person for count in uses.values())

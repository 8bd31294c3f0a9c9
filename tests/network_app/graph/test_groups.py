"""The small-batch group engine on tiny hand-built graphs, and against exhaustive search."""

from __future__ import annotations

import random

import networkx as nx
import pytest

from network_app.graph.groups import (
    Candidate,
    Exclusion,
    GroupContext,
    GroupSearchError,
    GroupWeights,
    SearchOptions,
    exhaustive_best_group,
    explain_group,
    keywords,
    suggest_groups,
    texts_match,
)
from network_app.graph.paths import set_person, set_tie


def tie(G: nx.Graph, u: int, v: int, s: int = 3, *, allow: bool | None = True) -> None:
    set_tie(G, u, v, strength_one=s, strength_other=s, allow_one=allow, allow_other=allow)


def person(pid: int, **kwargs: object) -> Candidate:
    values: dict[str, object] = {"name": f"P{pid}", "passion": 4, "city": "Riverton"}
    values.update(kwargs)
    return Candidate(id=pid, **values)


def test_offer_and_need_texts_match_after_normalizing() -> None:
    assert keywords("Commercial Kitchens, please!") == frozenset(
        {"commercial", "kitchen", "please"}
    )
    assert texts_match("a commercial kitchen", "commercial kitchen time")
    assert texts_match("Legal advice for co-ops", "legal advice")
    assert not texts_match("legal advice", "a van for deliveries")
    assert not texts_match("", "anything")


def test_a_group_of_strangers_scores_no_cohesion() -> None:
    G = nx.Graph()
    for i in (1, 2, 3):
        set_person(G, i)
    ctx = GroupContext(G, [person(i) for i in (1, 2, 3)])
    assert ctx.score([1, 2, 3]).parts["cohesion"] == 0.0


def test_a_group_that_all_know_each_other_is_not_new() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    tie(G, 1, 3)
    ctx = GroupContext(G, [person(i) for i in (1, 2, 3)])
    parts = ctx.score([1, 2, 3]).parts
    assert parts["cohesion"] == 1.0
    assert parts["novelty"] == 0.0


def test_two_hop_reach_counts_less_than_a_direct_tie() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 3, 9)  # 9 is not a candidate: 3 reaches 2 through 9
    tie(G, 9, 2)
    ctx = GroupContext(G, [person(i) for i in (1, 2, 3)])
    scored = ctx.score([1, 2, 3], details=True)
    assert scored.parts["cohesion"] == pytest.approx((1 + 1 + 0.6) / 3)
    assert scored.two_hop == ((3, 9, 2),)


def test_a_tie_that_may_not_be_used_does_not_count() -> None:
    G = nx.Graph()
    tie(G, 1, 2, allow=False)
    tie(G, 2, 3)
    ctx = GroupContext(G, [person(i) for i in (1, 2, 3)])
    scored = ctx.score([1, 2, 3], details=True)
    assert [(a, b) for a, b, _ in scored.direct_ties] == [(2, 3)]
    assert not ctx.feasible([1, 2, 3], max_per_organization=2)


def test_diversity_rewards_different_sectors_and_organizations() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    same = [person(i, sector="food", organizations=frozenset({7})) for i in (1, 2, 3)]
    mixed = [
        person(1, sector="food", organizations=frozenset({7})),
        person(2, sector="housing", organizations=frozenset({8})),
        person(3, sector="arts"),
    ]
    assert GroupContext(G, same).score([1, 2, 3]).parts["diversity"] == 0.0
    assert GroupContext(G, mixed).score([1, 2, 3]).parts["diversity"] == pytest.approx(1.0)


def test_locality_prefers_the_same_neighbourhood_over_the_same_city() -> None:
    G = nx.Graph()
    hood = [person(i, neighbourhood="Old Mill") for i in (1, 2, 3)]
    city = [person(i, neighbourhood=n) for i, n in ((1, "Old Mill"), (2, "Eastgate"), (3, ""))]
    elsewhere = [person(i, city=c) for i, c in ((1, "A"), (2, "B"), (3, "C"))]
    for i in (1, 2, 3):
        set_person(G, i)
    scores = [
        GroupContext(G, ps).score([1, 2, 3]).parts["locality"] for ps in (hood, city, elsewhere)
    ]
    assert scores == [1.0, 0.5, 0.0]


def test_non_redundant_reach_counts_people_only_one_member_knows() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 2, 3)
    for outsider in (10, 11, 12):
        tie(G, 1, outsider)
    tie(G, 3, 12)  # 12 is reached twice: redundant
    ctx = GroupContext(G, [person(i) for i in (1, 2, 3)])
    scored = ctx.score([1, 2, 3], details=True)
    assert (scored.unique_reach, scored.total_reach) == (2, 3)


def test_explanation_names_the_offer_that_meets_a_need() -> None:
    G = nx.Graph()
    tie(G, 1, 2, 4)
    tie(G, 2, 3, 4)
    people = [
        person(
            1, name="Ana", organization_names=("Housing co-op",), offers=("a commercial kitchen",)
        ),
        person(2, name="Ben", needs=("Commercial kitchen",), neighbourhood="Old Mill"),
        person(3, name="Cy", neighbourhood="Old Mill"),
    ]
    ctx = GroupContext(G, people)
    scored = ctx.score([1, 2, 3], details=True)
    assert scored.parts["complementarity"] == 1.0
    sentences = explain_group(scored, ctx.people, cause_name="Food security")
    assert sentences[0] == (
        "Ana (Housing co-op) offers a commercial kitchen that Ben needs.",
        (1, 2),
    )
    text = [t for t, _ in sentences]
    assert "Ben and Cy are in Old Mill." in text
    assert "Ana and Ben already know each other (4/5)." in text
    assert "Average passion for Food security: 4.0/5." in text


def test_a_hidden_person_is_never_the_middle_of_a_two_hop_reach() -> None:
    G = nx.Graph()
    tie(G, 1, 2)
    tie(G, 3, 9)
    tie(G, 9, 2)
    set_person(G, 9, open=True, intermediary=False)  # hidden or do-not-contact
    ctx = GroupContext(G, [person(i) for i in (1, 2, 3)])
    assert ctx.score([1, 2, 3], details=True).two_hop == ()
    assert not ctx.feasible([1, 2, 3], max_per_organization=2)


def test_organization_cap_is_never_exceeded() -> None:
    G = nx.complete_graph(0)
    for u in range(1, 7):
        for v in range(u + 1, 7):
            if (u + v) % 3:
                tie(G, u, v)
    people = [person(i, organizations=frozenset({1})) for i in range(1, 7)]
    groups = suggest_groups(G, people, options=SearchOptions(max_per_organization=2, min_size=3))
    assert groups == []


def test_search_is_deterministic_for_a_fixed_seed() -> None:
    G, people = random_instance(random.Random(3), n=30)
    one = suggest_groups(G, people, options=SearchOptions(seed=5, max_groups=5))
    two = suggest_groups(G, people, options=SearchOptions(seed=5, max_groups=5))
    assert [g.members for g in one] == [g.members for g in two]
    assert one


def test_nobody_appears_in_more_groups_than_allowed() -> None:
    G, people = random_instance(random.Random(4), n=40)
    groups = suggest_groups(G, people, options=SearchOptions(max_per_person=2, max_groups=20))
    counts: dict[int, int] = {}
    for g in groups:
        for m in g.members:
            counts[m] = counts.get(m, 0) + 1
    assert groups and max(counts.values()) <= 2


def test_usage_is_shared_across_calls() -> None:
    G, people = random_instance(random.Random(5), n=20)
    usage = {p.id: 1 for p in people[:10]}
    groups = suggest_groups(G, people, options=SearchOptions(max_per_person=1), usage=usage)
    assert all(m >= people[10].id for g in groups for m in g.members)


def test_dismissed_group_is_not_proposed_again() -> None:
    G, people = random_instance(random.Random(6), n=25)
    first = suggest_groups(G, people, options=SearchOptions(max_groups=3))
    dismissed = frozenset(first[0].members)
    again = suggest_groups(
        G,
        people,
        options=SearchOptions(max_groups=3, exclusions=[Exclusion(members=dismissed)]),
    )
    assert all(not dismissed <= set(g.members) for g in again)


def test_not_for_me_keeps_that_person_out_of_the_same_group() -> None:
    G, people = random_instance(random.Random(7), n=25)
    first = suggest_groups(G, people, options=SearchOptions(max_groups=3))
    group = frozenset(first[0].members)
    me = min(group)
    rule = Exclusion(members=group, required=frozenset({me}), overlap=3)
    again = suggest_groups(G, people, options=SearchOptions(max_groups=5, exclusions=[rule]))
    assert all(not rule.blocks(g.members) for g in again)


def test_every_suggested_group_is_within_reach_and_in_size() -> None:
    G, people = random_instance(random.Random(8), n=50)
    options = SearchOptions(min_size=3, max_size=5, max_groups=10)
    ctx = GroupContext(G, people)
    for g in suggest_groups(G, people, options=options):
        assert 3 <= len(g.members) <= 5
        assert ctx.feasible(g.members, max_per_organization=options.max_per_organization)


def test_invalid_sizes_are_refused() -> None:
    with pytest.raises(GroupSearchError):
        suggest_groups(nx.Graph(), [], options=SearchOptions(min_size=5, max_size=3))


def random_instance(rng: random.Random, n: int = 10) -> tuple[nx.Graph, list[Candidate]]:
    G = nx.Graph()
    for i in range(1, n + 1):
        set_person(G, i)
    for u in range(1, n + 1):
        for v in range(u + 1, n + 1):
            if rng.random() < 0.25:
                tie(G, u, v, rng.randint(1, 5), allow=rng.choice([True, True, None, False]))
    for outsider in range(100, 100 + 2 * n):
        for _ in range(2):
            tie(G, outsider, rng.randint(1, n), rng.randint(1, 5))
    resources = ["commercial kitchen", "legal advice", "meeting room", "a van", "grant writing"]
    people = [
        Candidate(
            id=i,
            name=f"P{i}",
            passion=rng.randint(3, 5),
            sector=rng.choice(["food", "housing", "arts", "faith", "labour"]),
            organizations=frozenset(rng.sample(range(4), rng.randint(0, 1))),
            neighbourhood=rng.choice(["Old Mill", "Eastgate", "Northfield"]),
            city="Riverton",
            offers=tuple(rng.sample(resources, rng.randint(0, 1))),
            needs=tuple(rng.sample(resources, rng.randint(0, 1))),
        )
        for i in range(1, n + 1)
    ]
    return G, people


@pytest.mark.parametrize("seed", range(30))
def test_search_reaches_ninety_percent_of_the_exhaustive_best(seed: int) -> None:
    # given a small random instance (10 candidates, sizes 3..5)
    rng = random.Random(seed)
    G, people = random_instance(rng, n=10)
    options = SearchOptions(min_size=3, max_size=5, max_groups=1, seed_limit=10)
    weights = GroupWeights()
    # when
    best = exhaustive_best_group(G, people, weights=weights, options=options)
    found = suggest_groups(G, people, weights=weights, options=options)
    # then
    if best is None:
        assert found == []
        return
    assert found, "the search found no group although a feasible one exists"
    top = max(g.score for g in found)
    assert top >= 0.9 * best.score

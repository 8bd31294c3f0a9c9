"""networkx's bundled real networks as import fixtures, through the real import path.

- Zachary's karate club (34 members, 78 ties) as GraphML;
- Les Misérables co-appearances (77 characters, 254 weighted ties) as GEXF: weights binned
  into strengths by quantiles;
- Davis Southern Women (18 women, 14 events) as CSV files: the women as people, the events as
  organizations they attended, and "met at an event" ties weighted by events shared.
Each checks counts, strengths and a warm-introduction path through the resident graph.
"""

from __future__ import annotations

import itertools

import networkx as nx
import pytest
from networkx.algorithms import bipartite

from network_app.exchange import csv_io, graph_io
from network_app.exchange.binning import bin_weights
from network_app.graph.paths import best_paths
from people.models import Affiliation, Organization, Person, Provenance, Tie
from people.resident_graph import resident_graph
from tests.network_app.exchange.helpers import run_import

pytestmark = pytest.mark.django_db


def _pk(name: str) -> int:
    return Person.objects.get(display_name=name).pk


def _path(source: str, target: str, original: nx.Graph, node_of=lambda name: name):
    """The best warm-introduction path between two imported people, checked against the
    original network: every hop is a real edge, ending where it should."""
    resident = resident_graph()
    resident.refresh()
    path = best_paths(resident.graph, _pk(source), _pk(target), k=1, max_hops=4)[0]
    names = dict(Person.objects.filter(pk__in=path.people).values_list("pk", "display_name"))
    nodes = [node_of(names[pk]) for pk in path.people]
    assert nodes[0] == node_of(source) and nodes[-1] == node_of(target)
    assert all(original.has_edge(u, v) for u, v in itertools.pairwise(nodes))
    strengths = [
        Tie.objects.between(a, b).get().a_strength
        for a, b in zip(path.people, path.people[1:], strict=False)
    ]
    assert list(path.strengths) == strengths
    return path, nodes


def test_karate_club_as_graphml():
    # given: Zachary's karate club, node ids 0..33 with the "club" attribute
    G = nx.karate_club_graph()
    for node in G:
        G.nodes[node]["label"] = f"Member {node}"
    data = graph_io.write_graphml(G)
    # when
    result = run_import(data, name="karate.graphml")
    # then
    assert result.applied
    assert Person.objects.count() == 34
    assert Tie.objects.count() == 78
    # The "weight" edge attribute (interactions counted by Zachary) is binned by quantiles.
    weights = [d["weight"] for _, _, d in G.edges(data=True)]
    expected = dict(
        zip(
            [frozenset((f"Member {u}", f"Member {v}")) for u, v in G.edges()],
            bin_weights(weights),
            strict=True,
        )
    )
    for tie in Tie.objects.select_related("person_a", "person_b"):
        pair = frozenset((tie.person_a.display_name, tie.person_b.display_name))
        assert tie.a_strength == tie.b_strength == expected[pair]
        assert tie.provenance == Provenance.IMPORT
    # The instructor (0) reaches the administrator (33) through strong ties of the real club.
    path, _ = _path("Member 0", "Member 33", G, node_of=lambda name: int(name.split()[1]))
    assert 2 <= path.hops <= 4


def test_les_miserables_weights_are_binned_into_strengths_by_quantiles():
    G = nx.les_miserables_graph()
    data = graph_io.write_gexf(G)
    result = run_import(data, name="lesmis.gexf")
    assert result.applied
    assert Person.objects.count() == 77
    assert Tie.objects.count() == 254
    strength = {
        frozenset((t.person_a.display_name, t.person_b.display_name)): t.a_strength or 0
        for t in Tie.objects.select_related("person_a", "person_b")
    }
    weight = {frozenset((u, v)): d["weight"] for u, v, d in G.edges(data=True)}
    # heavier co-appearance never gives a weaker tie
    ordered = sorted(weight, key=lambda pair: weight[pair])
    assert all(strength[a] <= strength[b] for a, b in itertools.pairwise(ordered))
    # most pairs share one scene, so the weakest strength is common and 5 is rare
    assert {1, 5} <= set(strength.values()) <= {1, 2, 3, 4, 5}
    assert strength[frozenset(("Valjean", "Cosette"))] == 5  # 31 scenes together
    # Valjean reaches Javert directly; Napoleon (only linked to Myriel) goes through Myriel.
    assert _path("Valjean", "Javert", G)[0].hops == 1
    _, nodes = _path("Napoleon", "Valjean", G)
    assert nodes[1] == "Myriel"


def test_davis_southern_women_as_people_events_and_shared_events():
    # given: the bipartite network, written as three CSV files in one zip
    B = nx.davis_southern_women_graph()
    women = sorted(n for n, d in B.nodes(data=True) if d["bipartite"] == 0)
    events = sorted(n for n, d in B.nodes(data=True) if d["bipartite"] == 1)
    projected = bipartite.weighted_projected_graph(B, women)
    people = csv_io.write_csv(["id", "display_name"], [[w, w] for w in women])
    organizations = csv_io.write_csv(["id", "name", "kind"], [[e, e, "informal"] for e in events])
    affiliations = csv_io.write_csv(
        ["person", "organization", "role"],
        [[w, e, "attended"] for w, e in B.edges() if w in women]
        + [[w, e, "attended"] for e, w in B.edges() if w in women],
    )
    ties = csv_io.write_csv(
        ["source", "target", "weight", "kind"],
        [[u, v, d["weight"], "met at an event"] for u, v, d in projected.edges(data=True)],
    )
    data = csv_io.zip_files(
        {
            "people.csv": people,
            "organizations.csv": organizations,
            "affiliations.csv": affiliations,
            "ties.csv": ties,
        }
    )
    # when
    result = run_import(data, name="davis.zip")
    # then
    assert result.applied, result.report["issues"][:3]
    assert Person.objects.count() == 18
    assert Organization.objects.count() == 14
    assert Affiliation.objects.count() == 89
    assert Tie.objects.count() == projected.number_of_edges() == 139
    assert set(Tie.objects.values_list("kind", flat=True)) == {"met_at_event"}
    evelyn = Person.objects.get(display_name="Evelyn Jefferson")
    assert evelyn.affiliations.count() == B.degree("Evelyn Jefferson") == 8
    # Evelyn and Theresa shared 7 events: among the strongest ties
    tie = Tie.objects.between(evelyn, Person.objects.get(display_name="Theresa Anderson")).get()
    assert tie.a_strength == 5
    path, _ = _path("Evelyn Jefferson", "Flora Price", projected)
    assert 2 <= path.hops <= 4

"""The demo network: deterministic, realistic, clustered, and safe to run on every start."""

from __future__ import annotations

from collections import Counter
from io import StringIO

import networkx as nx
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q
from django.http import HttpRequest
from django.test import Client

from causes.models import Cause, Interest
from network_app.demo import generate_network
from people import selectors
from people.models import Organization, OrganizationKind, Person, SideStatus, Tie, Visibility
from people.roles import is_organizer, viewer_for
from tests.factories import PersonFactory

SIZE = 300
SEED = 11
DEMO_PASSWORD = "smallbatch-demo"


def seed(**options: object) -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out, **{"people": SIZE, "seed": SEED, **options})
    return out.getvalue()


@pytest.fixture
def seeded(db: None) -> str:
    return seed()


def tie_graph() -> nx.Graph:
    graph = nx.Graph()
    graph.add_nodes_from(Person.objects.values_list("pk", flat=True))
    graph.add_edges_from(Tie.objects.values_list("person_a_id", "person_b_id"))
    return graph


def test_the_same_seed_generates_the_same_network_and_another_seed_another():
    # given / when
    first = generate_network(people=SIZE, seed=SEED)
    again = generate_network(people=SIZE, seed=SEED)
    other = generate_network(people=SIZE, seed=SEED + 1)

    # then
    assert first.people == again.people
    assert first.ties == again.ties
    assert first.organizations == again.organizations
    assert (first.organizer, first.member) == (again.organizer, again.member)
    assert [p.display_name for p in first.people] != [p.display_name for p in other.people]


def test_the_database_holds_exactly_the_generated_people_and_ties(seeded):
    # given: the pure generator's output for the same seed
    network = generate_network(people=SIZE, seed=SEED)
    public_ids = [p.public_id for p in network.people]
    expected_ties = {
        frozenset(
            {
                (public_ids[t.a], t.a_strength, t.a_status),
                (public_ids[t.b], t.b_strength, t.b_status),
            }
        )
        for t in network.ties
    }

    # when: reading back what seed_demo stored
    names = dict(Person.objects.values_list("public_id", "display_name"))
    stored_ties = {
        frozenset(
            {
                (t.person_a.public_id, t.a_strength, t.a_status),
                (t.person_b.public_id, t.b_strength, t.b_status),
            }
        )
        for t in Tie.objects.select_related("person_a", "person_b")
    }

    # then: same names under the same public ids, same pairs with the same sides
    assert names == {p.public_id: p.display_name for p in network.people}
    assert stored_ties == expected_ties
    assert Tie.objects.count() == len(network.ties)


def test_ties_cluster_far_more_than_in_a_random_graph_of_the_same_density(seeded):
    graph = tie_graph()
    random_graph = nx.gnm_random_graph(graph.number_of_nodes(), graph.number_of_edges(), seed=1)

    clustering = nx.average_clustering(graph)
    random_clustering = nx.average_clustering(random_graph)

    assert clustering > 3 * random_clustering
    assert clustering > 0.15


def test_degrees_are_heavy_tailed_around_an_average_of_about_ten(seeded):
    degrees = [d for _node, d in tie_graph().degree()]
    average = sum(degrees) / len(degrees)

    assert 8 <= average <= 12
    assert max(degrees) >= 3 * average  # a few hubs
    assert sorted(degrees)[len(degrees) // 2] < average  # most people know fewer than average


def test_causes_form_a_two_level_taxonomy_of_20_to_30_with_descriptions(seeded):
    causes = list(Cause.objects.select_related("parent"))

    assert 20 <= len(causes) <= 30
    top_level = [c for c in causes if c.parent is None]
    assert len(top_level) >= 6
    assert all(c.parent.parent_id is None for c in causes if c.parent is not None)
    assert all(Cause.objects.filter(parent=c).exists() for c in top_level)
    assert all(c.description for c in causes)


def test_every_organization_kind_is_present_with_a_neighbourhood(seeded):
    kinds = set(Organization.objects.values_list("kind", flat=True))

    assert kinds == set(OrganizationKind.values)
    assert not Organization.objects.filter(neighbourhood="").exists()


def test_people_live_in_about_twelve_neighbourhoods_of_one_city(seeded):
    assert set(Person.objects.values_list("city", flat=True)) == {"Riverton"}
    assert 10 <= Person.objects.values("neighbourhood").distinct().count() <= 14


def test_every_person_has_one_to_four_interests_with_passion_in_range(seeded):
    counts = Person.objects.annotate(n=Count("interests")).values_list("n", flat=True)

    assert min(counts) >= 1
    assert max(counts) <= 4
    assert not Interest.objects.exclude(passion__range=(1, 5)).exists()


def test_some_needs_are_met_by_someone_elses_offer(seeded):
    offers = set(Interest.objects.exclude(offers="").values_list("offers", "person_id"))
    needs = Interest.objects.exclude(needs="").values_list("needs", "person_id")

    matches = [
        (need, person)
        for need, person in needs
        if any(offer == need and other != person for offer, other in offers)
    ]
    assert len(matches) >= 10


def test_privacy_choices_vary_like_a_real_network(seeded):
    people = Person.objects.all()
    total = people.count()

    assert people.filter(visibility=Visibility.HIDDEN).exists()
    assert people.filter(visibility=Visibility.ORGANIZERS).exists()
    assert people.filter(open_to_introductions=False).exists()
    assert people.filter(do_not_contact=True).exists()
    assert people.filter(visibility=Visibility.LISTED).count() > 0.8 * total


def test_no_tie_breaks_the_constraints_and_sides_are_mostly_confirmed(seeded):
    ties = Tie.objects.all()
    total = ties.count()

    assert not ties.filter(person_a_id__gte=F("person_b_id")).exists()
    assert ties.values("person_a_id", "person_b_id").distinct().count() == total
    for side in ("a", "b"):
        out_of_range = Q(**{f"{side}_strength__lt": 1}) | Q(**{f"{side}_strength__gt": 5})
        assert not ties.filter(out_of_range).exists()
    statuses = Counter(ties.values_list("a_status", flat=True))
    statuses.update(ties.values_list("b_status", flat=True))
    assert statuses[SideStatus.CONFIRMED] > 0.7 * 2 * total
    assert statuses[SideStatus.UNANSWERED] > 0
    assert statuses[SideStatus.DISPUTED] > 0
    assert ties.filter(a_visible_to_members=False, a_status=SideStatus.CONFIRMED).exists()
    strengths = Counter(ties.exclude(a_strength=None).values_list("a_strength", flat=True))
    assert strengths[2] + strengths[3] + strengths[4] > 0.7 * sum(strengths.values())
    assert len(set(ties.values_list("kind", flat=True))) >= 6
    assert not ties.filter(context="").exists()


def test_demo_logins_work_and_the_organizer_is_an_organizer(seeded):
    user_model = get_user_model()
    organizer = user_model.objects.get(username="organizer")
    member = user_model.objects.get(username="member")
    admin = user_model.objects.get(username="admin")

    for username in ("organizer", "member", "admin"):
        logged_in = Client().login(request=HttpRequest(), username=username, password=DEMO_PASSWORD)
        assert logged_in, username
    assert is_organizer(organizer)
    assert not is_organizer(member)
    assert admin.is_staff and admin.is_superuser
    assert not member.is_staff and not organizer.is_staff
    for user in (organizer, member):
        person = Person.objects.get(user=user)
        assert person.visibility == Visibility.LISTED
        assert Tie.objects.involving(person).count() >= 3
    assert "organizer" in seeded and DEMO_PASSWORD in seeded


def test_the_demo_member_sees_neither_hidden_nor_organizers_only_people(seeded):
    member = get_user_model().objects.get(username="member")
    organizer = get_user_model().objects.get(username="organizer")

    seen_by_member = selectors.person_list_visible_to(viewer=viewer_for(member))
    seen_by_organizer = selectors.person_list_visible_to(viewer=viewer_for(organizer))

    assert not seen_by_member.exclude(visibility=Visibility.LISTED).exists()
    assert seen_by_organizer.filter(visibility=Visibility.ORGANIZERS).exists()
    assert not seen_by_organizer.filter(visibility=Visibility.HIDDEN).exists()


def test_demo_password_comes_from_the_environment(db, monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "another-demo-pass")

    seed(people=60)

    assert Client().login(request=HttpRequest(), username="member", password="another-demo-pass")
    assert not Client().login(request=HttpRequest(), username="member", password=DEMO_PASSWORD)


def test_an_existing_admin_account_keeps_its_password(db):
    get_user_model().objects.create_user("admin", password="my-own-admin-pass")

    output = seed(people=60)

    assert Client().login(request=HttpRequest(), username="admin", password="my-own-admin-pass")
    assert not Client().login(request=HttpRequest(), username="admin", password=DEMO_PASSWORD)
    assert "unchanged" in output


def test_if_empty_does_nothing_when_people_exist(db):
    PersonFactory(display_name="Already Here")

    output = seed(if_empty=True)

    assert "not loaded" in output
    assert list(Person.objects.values_list("display_name", flat=True)) == ["Already Here"]
    assert not get_user_model().objects.filter(username="organizer").exists()


def test_if_empty_loads_the_demo_into_an_empty_database(db):
    seed(people=60, if_empty=True)

    assert Person.objects.count() == 60


def test_without_if_empty_a_database_with_people_is_refused(db):
    PersonFactory()

    with pytest.raises(CommandError, match="--if-empty"):
        seed()

    assert Person.objects.count() == 1


def test_bulk_create_returns_primary_keys_on_this_database(db):
    # The loader relies on it for organizations (PostgreSQL, and SQLite 3.35+).
    created = Organization.objects.bulk_create(
        [Organization(name=f"Org {i}", kind=OrganizationKind.INFORMAL) for i in range(3)]
    )

    assert all(org.pk is not None for org in created)

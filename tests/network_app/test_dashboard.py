"""The organizer dashboard: who may use it, what the map data holds (privacy, checked on the
raw JSON), filters, snapshots, weaver actions, exports."""

from __future__ import annotations

import io
import json

import networkx as nx
import pytest
from django.urls import reverse

from network_app import dashboard
from network_app.models import NetworkSnapshot, PersonMetric
from people.models import PathSearch, Sector, SideStatus, Visibility
from people.roles import make_organizer
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    PersonFactory,
    UserFactory,
    make_tie,
)

GET_PAGES = ["dashboard:overview", "dashboard:map", "dashboard:map_data", "dashboard:table"]


@pytest.fixture
def eager_celery():
    """The snapshot job runs in-process here, also in CI's Redis pass."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def network(organizer, member, other_member, hidden_member, organizers_only_person):
    """A small network around the personas, with a hidden person tied to everyone."""
    food = CauseFactory(name="Food security", slug="food-security")
    housing = CauseFactory(name="Affordable housing", slug="affordable-housing")
    bea = PersonFactory(display_name="Bea Bridge", sector=Sector.FOOD, neighbourhood="Eastside")
    cal = PersonFactory(display_name="Cal Cook", sector=Sector.FOOD, neighbourhood="Eastside")
    dee = PersonFactory(display_name="Dee Lonely", neighbourhood="Westside")
    eve = PersonFactory(display_name="Eve Edge", neighbourhood="Westside")
    InterestFactory(person=bea, cause=food, passion=5)
    InterestFactory(person=cal, cause=food, passion=4)
    InterestFactory(person=member.person, cause=housing, passion=4)
    InterestFactory(person=eve, cause=food, passion=4)
    InterestFactory(person=hidden_member.person, cause=food, passion=5)
    make_tie(member.person, other_member.person, strength=4)
    make_tie(member.person, bea, strength=2)
    make_tie(other_member.person, bea, strength=5)
    make_tie(bea, cal, strength=5)
    make_tie(cal, eve, strength=3)
    make_tie(organizer.person, member.person, strength=3)
    make_tie(organizers_only_person, bea, strength=4)
    for other in (member.person, bea, cal, organizer.person, organizers_only_person):
        make_tie(hidden_member.person, other, strength=5)
    return {"bea": bea, "cal": cal, "dee": dee, "eve": eve, "food": food, "housing": housing}


def _snapshot() -> NetworkSnapshot:
    snapshot = NetworkSnapshot.objects.create()
    assert dashboard.snapshot_compute(snapshot_id=snapshot.pk)
    snapshot.refresh_from_db()
    return snapshot


# ------------------------------------------------------------------------------------------
# Who may use it
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", GET_PAGES)
def test_a_stranger_is_sent_to_the_login_page(stranger, name):
    response = stranger.client.get(reverse(name))

    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("name", GET_PAGES)
def test_members_are_refused_every_dashboard_page(member, hidden_member, name):
    for persona in (member, hidden_member):
        response = persona.client.get(reverse(name))
        assert response.status_code == 403
        assert b"Bea" not in response.content


@pytest.mark.parametrize("name", GET_PAGES)
def test_organizers_and_staff_open_every_dashboard_page(organizer, admin_user, name):
    for persona in (organizer, admin_user):
        assert persona.client.get(reverse(name)).status_code == 200


def test_members_cannot_ask_for_a_snapshot_nor_export_nor_open_a_panel(member, network):
    bea = network["bea"]
    assert member.client.post(reverse("dashboard:snapshot_create")).status_code == 403
    assert member.client.get(reverse("dashboard:export", args=["graphml"])).status_code == 403
    assert member.client.get(reverse("dashboard:person", args=[bea.public_id])).status_code == 403
    url = reverse("dashboard:pair_path", args=[bea.public_id, network["cal"].public_id])
    assert member.client.post(url).status_code == 403
    assert NetworkSnapshot.objects.count() == 0
    assert PathSearch.objects.count() == 0


def test_the_dashboard_link_shows_for_organizers_only(organizer, member):
    url = reverse("dashboard:overview").encode()
    assert url in organizer.client.get(reverse("people:directory")).content
    assert url not in member.client.get(reverse("people:directory")).content


# ------------------------------------------------------------------------------------------
# Privacy of the map data
# ------------------------------------------------------------------------------------------


def _leaks(content: bytes, person) -> bool:
    return person.display_name.encode() in content or str(person.public_id).encode() in content


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"cause": "food-security"},
        {"neighbourhood": "Old Mill"},
        {"min_strength": "5"},
        {"steps": "2"},
    ],
)
def test_a_hidden_person_is_absent_from_every_map_payload_for_every_persona(
    organizer, member, other_member, hidden_member, stranger, admin_user, network, query
):
    # given: metrics computed (the hidden person must not be in them either)
    _snapshot()
    hidden = hidden_member.person
    everyone = [organizer, member, other_member, hidden_member, stranger, admin_user]
    for persona in everyone:
        params = dict(query)
        if "steps" in params:
            params["focus"] = str(network["bea"].public_id)
        urls = [
            reverse("dashboard:map_data"),
            reverse("dashboard:map"),
            reverse("dashboard:table"),
            reverse("dashboard:overview"),
            reverse("dashboard:export", args=["graphml"]),
            reverse("dashboard:export", args=["gexf"]),
        ]
        for url in urls:
            response = persona.client.get(url, params)
            if persona is hidden_member:
                # (their own name is in the page header of the refusal: they see themself)
                assert response.status_code == 403
                continue
            # then: never in the raw bytes, whatever the persona and the page
            assert not _leaks(response.content, hidden), (persona, url, params)
    assert not PersonMetric.objects.filter(person=hidden).exists()


def test_the_organizer_map_holds_organizers_only_people_and_no_private_fields(
    organizer, organizers_only_person, network
):
    response = organizer.client.get(reverse("dashboard:map_data"))

    body = response.json()
    names = {p["name"] for p in body["people"]}
    assert organizers_only_person.display_name in names
    assert {"Bea Bridge", "Cal Cook", "Dee Lonely", "Mina Member"} <= names
    assert b"@example.org" not in response.content
    assert all(set(p) >= {"id", "name", "ties", "community", "betweenness"} for p in body["people"])
    # ties are index pairs with the effective strength
    for a, b, strength in body["ties"]:
        assert 0 <= a < len(body["people"]) and 0 <= b < len(body["people"])
        assert 1 <= strength <= 5


def test_a_hidden_organizer_is_not_on_their_own_map(organizer, network):
    organizer.person.visibility = Visibility.HIDDEN
    organizer.person.save()

    response = organizer.client.get(reverse("dashboard:map_data"))

    assert not _leaks(response.content, organizer.person)


def test_a_disputed_tie_is_not_drawn(organizer, network):
    tie = make_tie(network["dee"], network["eve"], strength=5)
    tie.a_status = SideStatus.DISPUTED
    tie.save()

    body = organizer.client.get(reverse("dashboard:map_data")).json()

    index = {p["name"]: i for i, p in enumerate(body["people"])}
    pairs = {frozenset((a, b)) for a, b, _ in body["ties"]}
    assert frozenset((index["Dee Lonely"], index["Eve Edge"])) not in pairs


def test_a_hidden_persons_panel_is_a_404(organizer, hidden_member, network):
    url = reverse("dashboard:person", args=[hidden_member.person.public_id])

    assert organizer.client.get(url).status_code == 404


# ------------------------------------------------------------------------------------------
# Filters
# ------------------------------------------------------------------------------------------


def _names(client, **params) -> set[str]:
    response = client.get(reverse("dashboard:map_data"), params)
    assert response.status_code == 200
    return {p["name"] for p in response.json()["people"]}


def test_filters_by_cause_neighbourhood_sector_and_organization(organizer, network):
    org = AffiliationFactory(person=network["cal"]).organization

    assert _names(organizer.client, cause="food-security") == {"Bea Bridge", "Cal Cook", "Eve Edge"}
    assert _names(organizer.client, neighbourhood="Westside") == {"Dee Lonely", "Eve Edge"}
    assert _names(organizer.client, sector=Sector.FOOD) == {"Bea Bridge", "Cal Cook"}
    assert _names(organizer.client, organization=str(org.public_id)) == {"Cal Cook"}


def test_minimum_strength_drops_weaker_ties(organizer, network):
    body = organizer.client.get(reverse("dashboard:map_data"), {"min_strength": 5}).json()

    assert body["ties"]
    assert all(strength == 5 for _, _, strength in body["ties"])


def test_focus_shows_one_or_two_steps_around_a_person(organizer, network):
    dee_eve = {"focus": str(network["eve"].public_id)}

    assert _names(organizer.client, **dee_eve, steps=1) == {"Eve Edge", "Cal Cook"}
    assert _names(organizer.client, **dee_eve, steps=2) == {"Eve Edge", "Cal Cook", "Bea Bridge"}


def test_bad_filters_answer_400_with_field_errors(organizer, network):
    for params in (
        {"min_strength": "9"},
        {"sector": "pirates"},
        {"focus": "not-a-uuid"},
        {"steps": "7"},
        {"organization": "00000000-0000-0000-0000-000000000001"},
    ):
        response = organizer.client.get(reverse("dashboard:map_data"), params)
        assert response.status_code == 400, params
        body = response.json()
        assert body["code"] == "invalid"
        assert set(body["errors"]) & set(params)
        assert organizer.client.get(reverse("dashboard:table"), params).status_code == 400
        assert organizer.client.get(reverse("dashboard:map"), params).status_code == 400
    response = organizer.client.get(reverse("dashboard:export", args=["pdf"]))
    assert response.status_code == 404


def test_the_map_data_takes_a_fixed_number_of_queries(
    organizer, network, django_assert_max_num_queries
):
    _snapshot()
    for i in range(30):
        make_tie(PersonFactory(), network["bea"], strength=1 + i % 5)

    with django_assert_max_num_queries(14):
        organizer.client.get(reverse("dashboard:map_data"))


# ------------------------------------------------------------------------------------------
# Snapshots
# ------------------------------------------------------------------------------------------


def test_compute_now_stores_a_snapshot_with_per_person_metrics(
    organizer, network, eager_celery, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer.client.post(reverse("dashboard:snapshot_create"))

    assert response.status_code == 302
    snapshot = NetworkSnapshot.objects.get()
    assert snapshot.status == NetworkSnapshot.Status.DONE
    assert snapshot.requested_by == organizer.user
    # 8 people: 3 listed personas, the organizers-only person, Bea, Cal, Dee, Eve (not Hana)
    assert snapshot.people == PersonMetric.objects.filter(snapshot=snapshot).count() == 8
    assert snapshot.isolated == 1  # Dee
    assert snapshot.ties == 7
    assert snapshot.compute_seconds is not None
    dee = PersonMetric.objects.get(snapshot=snapshot, person=network["dee"])
    assert dee.degree == 0
    bea = PersonMetric.objects.get(snapshot=snapshot, person=network["bea"])
    assert bea.betweenness > 0


def test_a_second_click_while_computing_does_not_queue_a_second_job(organizer, network):
    first, created = dashboard.snapshot_request(by=organizer.user)
    second, created_again = dashboard.snapshot_request(by=organizer.user)

    assert created and not created_again
    assert first.pk == second.pk
    assert NetworkSnapshot.objects.count() == 1


def test_a_redelivered_job_does_nothing_twice(network):
    snapshot = NetworkSnapshot.objects.create()

    assert dashboard.snapshot_compute(snapshot_id=snapshot.pk) is True
    assert dashboard.snapshot_compute(snapshot_id=snapshot.pk) is False
    assert PersonMetric.objects.filter(snapshot=snapshot).count() == 8


def test_the_nightly_task_asks_for_a_snapshot(
    network, eager_celery, django_capture_on_commit_callbacks
):
    from network_app.tasks import metrics_snapshot_nightly

    with django_capture_on_commit_callbacks(execute=True):
        pk = metrics_snapshot_nightly()

    snapshot = NetworkSnapshot.objects.get(pk=pk)
    assert snapshot.trigger == NetworkSnapshot.Trigger.NIGHTLY
    assert snapshot.status == NetworkSnapshot.Status.DONE


def test_the_nightly_snapshot_is_on_the_beat_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["network_app.metrics_snapshot_nightly"]
    assert entry["task"] == "network_app.metrics_snapshot_nightly"


def test_old_snapshots_are_kept_but_their_per_person_rows_are_pruned(network, settings):
    settings.DASHBOARD_KEEP_PERSON_METRICS = 2
    snapshots = [_snapshot() for _ in range(3)]

    assert NetworkSnapshot.objects.filter(status="done").count() == 3
    assert not PersonMetric.objects.filter(snapshot=snapshots[0]).exists()
    assert PersonMetric.objects.filter(snapshot=snapshots[2]).exists()


def test_a_lost_snapshot_is_failed_so_a_new_one_can_start(network, settings):
    import datetime as dt

    from django.utils import timezone

    lost = NetworkSnapshot.objects.create(status=NetworkSnapshot.Status.RUNNING)
    NetworkSnapshot.objects.filter(pk=lost.pk).update(
        started_at=timezone.now() - dt.timedelta(days=1),
        created_at=timezone.now() - dt.timedelta(days=1),
    )

    fresh, created = dashboard.snapshot_request()

    assert created and fresh.pk != lost.pk
    lost.refresh_from_db()
    assert lost.status == NetworkSnapshot.Status.FAILED


# ------------------------------------------------------------------------------------------
# Overview: health, trends, weaver actions
# ------------------------------------------------------------------------------------------


def test_the_overview_shows_health_trends_and_weaver_actions(organizer, network):
    _snapshot()

    response = organizer.client.get(reverse("dashboard:overview"))

    page = response.content.decode()
    assert "Network health" in page
    assert 'id="trend-data"' in page
    # bring them in: Dee has no tie; add redundancy: Cal holds Eve to the network
    loose = page[page.index('id="action-loose"') : page.index('id="action-cut-points"')]
    assert "Dee Lonely" in loose
    cut = page[page.index('id="action-cut-points"') : page.index('id="action-bridges"')]
    assert "Cal Cook" in cut
    assert "<script>" not in page


def test_a_person_who_hides_after_the_snapshot_leaves_the_actions(organizer, network):
    _snapshot()
    network["cal"].visibility = Visibility.HIDDEN
    network["cal"].save()

    response = organizer.client.get(reverse("dashboard:overview"))

    assert not _leaks(response.content, network["cal"])


def test_trends_count_new_ties_and_say_what_is_not_recorded(organizer, network):
    response = organizer.client.get(reverse("dashboard:overview"))

    trends = json.loads(
        response.content.decode()
        .split('id="trend-data" type="application/json">')[1]
        .split("</script>")[0]
    )
    assert sum(trends["new_ties"]) == 7  # the 5 ties of the hidden person are not counted
    assert len(trends["months"]) == 12
    assert len(trends["introductions_made"]) == 12
    assert len(trends["groups_convened"]) == 12


def test_weakly_linked_communities_get_candidate_pairs_who_share_a_cause(organizer, db):
    # given: two close-knit groups joined by a single tie, with food lovers on both sides
    food = CauseFactory(name="Food security", slug="food-security")
    left = [PersonFactory(display_name=f"Left {i}") for i in range(5)]
    right = [PersonFactory(display_name=f"Right {i}") for i in range(5)]
    for group in (left, right):
        for i, one in enumerate(group):
            for other in group[i + 1 :]:
                make_tie(one, other, strength=4)
    make_tie(left[0], right[0], strength=2)
    InterestFactory(person=left[3], cause=food, passion=5)
    InterestFactory(person=right[4], cause=food, passion=5)
    _snapshot()

    # when
    page = organizer.client.get(reverse("dashboard:overview")).content.decode()

    # then: the bridge and the pair, with the one-click action
    bridges = page[page.index('id="action-bridges"') : page.index('id="action-introductions"')]
    assert "Left 0" in bridges and "Right 0" in bridges
    assert "Left 3" in bridges and "Right 4" in bridges
    assert reverse("dashboard:pair_path", args=[left[3].public_id, right[4].public_id]) in bridges


# ------------------------------------------------------------------------------------------
# Person panel, actions, table, exports
# ------------------------------------------------------------------------------------------


def test_the_person_panel_shows_metrics_links_and_introduction_suggestions(organizer, network):
    _snapshot()
    url = reverse("dashboard:person", args=[network["eve"].public_id])

    response = organizer.client.get(url, {"partial": "1"})

    page = response.content.decode()
    assert "Eve Edge" in page
    assert "Brokerage" in page
    assert network["eve"].get_absolute_url() in page
    assert reverse("people:path_search_create", args=[network["eve"].public_id]) in page
    # Bea shares food security and does not know Eve yet
    assert (
        reverse("dashboard:pair_path", args=[network["eve"].public_id, network["bea"].public_id])
        in page
    )
    assert "<html" not in page
    assert "<html" in organizer.client.get(url).content.decode()


def test_an_organizer_starts_a_path_search_between_two_people(
    organizer, network, eager_celery, django_capture_on_commit_callbacks
):
    url = reverse("dashboard:pair_path", args=[network["eve"].public_id, network["bea"].public_id])

    with django_capture_on_commit_callbacks(execute=True):
        response = organizer.client.post(url)

    search = PathSearch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == search.get_absolute_url()
    assert (search.source, search.target) == (network["eve"], network["bea"])
    assert search.requester == organizer.user


def test_the_table_sorts_and_carries_the_same_people_as_the_map(organizer, network):
    _snapshot()
    map_names = _names(organizer.client, cause="food-security")

    response = organizer.client.get(
        reverse("dashboard:table"), {"cause": "food-security", "sort": "-betweenness"}
    )

    page = response.content.decode()
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert {name for name in map_names if name in rows} == map_names
    assert rows.index("Cal Cook") < rows.index("Eve Edge")
    assert 'aria-sort="descending"' in page


@pytest.mark.parametrize("fmt,reader", [("graphml", nx.read_graphml), ("gexf", nx.read_gexf)])
def test_exports_hold_the_filtered_view(organizer, network, fmt, reader):
    response = organizer.client.get(
        reverse("dashboard:export", args=[fmt]), {"cause": "food-security"}
    )

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    G = reader(io.BytesIO(response.content))
    labels = {G.nodes[n].get("label") or G.nodes[n].get("name") for n in G}
    assert labels == {"Bea Bridge", "Cal Cook", "Eve Edge"}
    assert G.number_of_edges() == 2


def test_organizers_of_the_organizer_group_only(db, network):
    user = UserFactory(username="newbie")
    PersonFactory(user=user)
    from django.test import Client

    client = Client()
    client.force_login(user)
    assert client.get(reverse("dashboard:overview")).status_code == 403
    make_organizer(user)
    assert client.get(reverse("dashboard:overview")).status_code == 200


def test_trends_count_introductions_made_and_groups_convened_this_month(organizer, network):
    from django.utils import timezone

    from causes.models import GroupSuggestion, SuggestionRun
    from people.models import Introduction

    now = timezone.now()
    Introduction.objects.create(
        requester=network["bea"],
        target=network["eve"],
        broker=network["cal"],
        message="Bea would love to meet Eve",
        state="made",
        decided_at=now,
    )
    run = SuggestionRun.objects.create()
    GroupSuggestion.objects.create(
        run=run,
        cause=network["food"],
        score=1.0,
        member_key="1,2,3",
        status="convened",
        convened_at=now,
    )

    trends = weaver_trends(organizer)

    assert trends["introductions_made"][-1] == 1
    assert trends["groups_convened"][-1] == 1
    assert trends["notes"] == []


def weaver_trends(persona) -> dict:
    from network_app.weaver import dashboard_trends
    from people.roles import viewer_for

    return dashboard_trends(viewer=viewer_for(persona.user))


def test_the_map_payload_is_sent_gzipped_to_browsers_and_plain_to_others(organizer, network):
    import gzip
    import json

    url = reverse("dashboard:map_data")
    plain = organizer.client.get(url)
    zipped = organizer.client.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    again = organizer.client.get(url, HTTP_ACCEPT_ENCODING="gzip")

    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"] and "Accept-Encoding" in plain["Vary"]
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    assert again.content == zipped.content  # served from the cache, compressed once
    assert "Mina Member" in {p["name"] for p in plain.json()["people"]}

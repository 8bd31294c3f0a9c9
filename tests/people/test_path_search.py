"""Path searches through the services, the resident graph, the pages and the API."""

from __future__ import annotations

import itertools
import time
import uuid

import pytest
from django.urls import reverse

from people import graph_log
from people.models import PathSearch, SideStatus, Tie, Visibility
from people.paths import path_search_execute, path_search_start
from people.resident_graph import resident_graph
from people.services import person_update, tie_side_update
from tests.factories import PersonFactory, UserFactory, make_tie

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_celery():
    """These tests check the flow in-process, also in CI's Redis run: the same code through a
    real worker is tested in tests/integration/test_path_search_worker.py."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


@pytest.fixture
def run_on_commit(django_capture_on_commit_callbacks):
    """Start a search and run the enqueued task (eager Celery) as the commit would."""

    def start(**kwargs) -> PathSearch:
        with django_capture_on_commit_callbacks(execute=True):
            search = path_search_start(**kwargs)
        search.refresh_from_db()
        return search

    return start


@pytest.fixture
def network(member):
    """member -> broker (5) -> bridge (4) -> target, plus a weaker detour via 'weak'."""
    broker = PersonFactory(display_name="Bea Broker")
    bridge = PersonFactory(display_name="Ben Bridge")
    target = PersonFactory(display_name="Tara Target")
    weak = PersonFactory(display_name="Walt Weak")
    make_tie(member.person, broker, strength=5, context="same co-op board since 2019")
    make_tie(broker, bridge, strength=4)
    make_tie(bridge, target, strength=4)
    make_tie(member.person, weak, strength=1)
    make_tie(weak, target, strength=2)
    return {"broker": broker, "bridge": bridge, "target": target, "weak": weak}


def test_member_finds_the_most_likely_path_with_a_plain_explanation(member, network, run_on_commit):
    # when
    search = run_on_commit(by=member.user, target=network["target"])
    # then
    assert search.status == PathSearch.Status.DONE
    body = member.client.get(
        reverse("api:path-search-detail", kwargs={"public_id": search.public_id})
    ).json()
    best = body["paths"][0]
    ids = [str(p.public_id) for p in (member.person, network["broker"], network["bridge"])]
    assert best["people"] == [*ids, str(network["target"].public_id)]
    assert best["strengths"] == [5, 4, 4]
    assert best["likelihood"] == pytest.approx(0.9 * 0.72 * 0.72, abs=1e-4)
    assert best["hops"] == 3
    assert best["explanation"].startswith(
        "You know Bea Broker very well (5/5, same co-op board since 2019)"
    )
    assert "Estimated chance: 47%." in best["explanation"]
    assert body["paths"][1]["people"][1] == str(network["weak"].public_id)


def test_hidden_person_never_appears_on_a_path(member, network, run_on_commit):
    # given the only strong bridge becomes hidden
    person_update(
        by=network["bridge"].user or UserFactory(is_staff=True),
        person=network["bridge"],
        data={"visibility": Visibility.HIDDEN},
    )
    # when
    search = run_on_commit(by=member.user, target=network["target"])
    # then the path goes around them, and their id is in no response
    url = reverse("api:path-search-detail", kwargs={"public_id": search.public_id})
    response = member.client.get(url)
    assert str(network["bridge"].public_id) not in response.content.decode()
    assert "Ben Bridge" not in response.content.decode()
    assert [p["people"][1] for p in response.json()["paths"]] == [str(network["weak"].public_id)]


def test_organizers_only_intermediary_is_masked_for_a_member(member, network, run_on_commit):
    network["bridge"].visibility = Visibility.ORGANIZERS
    network["bridge"].save()
    search = run_on_commit(by=member.user, target=network["target"])
    page = member.client.get(search.get_absolute_url()).content.decode()
    body = member.client.get(
        reverse("api:path-search-detail", kwargs={"public_id": search.public_id})
    ).json()
    best = body["paths"][0]
    assert best["people"][2] is None
    assert (
        "Bea Broker knows someone you cannot see (4/5); they know Tara Target (4/5)"
        in (best["explanation"])
    )
    assert "Ben Bridge" not in page and str(network["bridge"].public_id) not in page
    assert "Ben Bridge" not in str(body)


def test_a_private_tie_masks_the_hop_behind_it(member, network, run_on_commit):
    tie = Tie.objects.between(network["broker"], network["bridge"]).get()
    tie.a_visible_to_members = False
    tie.save()
    search = run_on_commit(by=member.user, target=network["target"])
    body = member.client.get(
        reverse("api:path-search-detail", kwargs={"public_id": search.public_id})
    ).json()
    assert body["paths"][0]["people"][2] is None


def test_only_the_requester_and_staff_can_read_a_search(
    member, other_member, organizer, admin_user, network, run_on_commit
):
    search = run_on_commit(by=member.user, target=network["target"])
    url = reverse("api:path-search-detail", kwargs={"public_id": search.public_id})
    assert other_member.client.get(url).status_code == 404
    assert organizer.client.get(url).status_code == 404
    assert admin_user.client.get(url).status_code == 200
    assert other_member.client.get(search.get_absolute_url()).status_code == 404


def test_stranger_cannot_start_or_read_searches(stranger, member, network, run_on_commit):
    search = run_on_commit(by=member.user, target=network["target"])
    url = reverse("api:path-search-detail", kwargs={"public_id": search.public_id})
    assert stranger.client.get(url).status_code in (401, 403)
    response = stranger.client.post(
        reverse("api:path-search-list"), {"target": str(network["target"].public_id)}
    )
    assert response.status_code in (401, 403)


def test_api_post_answers_202_with_location(member, network, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = member.client.post(
            reverse("api:path-search-list"),
            {"target": str(network["target"].public_id), "k": 2, "max_hops": 4},
            content_type="application/json",
        )
    assert response.status_code == 202
    body = response.json()
    assert response["Location"].endswith(f"/api/v1/path-searches/{body['id']}/")
    assert body["k"] == 2 and body["source"] == str(member.person.public_id)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"k": 9}, "k"),
        ({"k": 0}, "k"),
        ({"max_hops": 5}, "max_hops"),
        ({"target": "not-a-uuid"}, "target"),
        ({"target": str(uuid.uuid4())}, "target"),
    ],
)
def test_api_validation_errors_are_400_with_field_errors(member, network, payload, field):
    data = {"target": str(network["target"].public_id), **payload}
    response = member.client.post(
        reverse("api:path-search-list"), data, content_type="application/json"
    )
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_member_cannot_search_from_someone_else(member, network):
    response = member.client.post(
        reverse("api:path-search-list"),
        {"target": str(network["target"].public_id), "source": str(network["broker"].public_id)},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_organizer_can_search_from_someone_in_their_network(
    organizer, member, network, run_on_commit
):
    search = run_on_commit(by=organizer.user, source=member.person, target=network["target"])
    assert search.status == PathSearch.Status.DONE
    assert search.result["paths"][0]["people"][0] == member.person.pk


def test_hidden_target_is_refused_as_unknown(member, hidden_member):
    response = member.client.post(
        reverse("api:path-search-list"),
        {"target": str(hidden_member.person.public_id)},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"]["target"] == ["No such person."]


def test_target_closed_to_introductions_gets_a_clear_message(member, network, run_on_commit):
    network["target"].open_to_introductions = False
    network["target"].save()
    search = run_on_commit(by=member.user, target=network["target"])
    assert search.error_code == "not_accepting"
    page = member.client.get(search.get_absolute_url()).content.decode()
    assert "not accepting introductions" in page


def test_no_path_within_four_hops_is_explained(member, run_on_commit):
    chain = [member.person] + [PersonFactory() for _ in range(5)]
    for one, other in itertools.pairwise(chain):
        make_tie(one, other)
    search = run_on_commit(by=member.user, target=chain[-1])
    assert search.error_code == "no_path"
    assert "No path within 4 hops" in member.client.get(search.get_absolute_url()).content.decode()


def test_a_changed_tie_is_seen_by_the_next_search_without_a_rebuild(member, network, run_on_commit):
    # given a first search built the resident graph
    run_on_commit(by=member.user, target=network["target"])
    graph = resident_graph()
    built_at = graph.built_at
    # when the broker disputes the strong tie (a service writes the change log)
    tie = Tie.objects.between(member.person, network["broker"]).get()
    broker_user = UserFactory()
    network["broker"].user = broker_user
    network["broker"].save()
    tie_side_update(
        by=broker_user,
        tie=tie,
        strength=5,
        status=SideStatus.DISPUTED,
        allows_introductions=True,
        visible_to_members=True,
    )
    search = run_on_commit(by=member.user, target=network["target"], k=1)
    # then the next search no longer uses it, and the graph was updated, not rebuilt
    assert search.result["paths"][0]["people"][1] == network["weak"].pk
    assert graph.built_at == built_at
    assert graph is resident_graph()


def test_a_rebuild_marker_makes_the_resident_graph_rebuild(member, network, run_on_commit):
    run_on_commit(by=member.user, target=network["target"])
    graph = resident_graph()
    first = graph.built_at
    time.sleep(0.01)
    graph_log.note_rebuild()
    assert graph.refresh().rebuilt
    assert graph.built_at > first


def test_running_a_search_twice_does_nothing_the_second_time(member, network):
    search = path_search_start(by=member.user, target=network["target"])
    assert path_search_execute(search_id=search.pk) is True
    assert path_search_execute(search_id=search.pk) is False


def test_an_identical_recent_search_is_reused_until_the_graph_changes(
    member, network, run_on_commit
):
    first = run_on_commit(by=member.user, target=network["target"])
    again = run_on_commit(by=member.user, target=network["target"])
    assert again.pk == first.pk
    graph_log.note_tie_changed(member.person.pk, network["broker"].pk)
    third = run_on_commit(by=member.user, target=network["target"])
    assert third.pk != first.pk


def test_profile_button_starts_a_search_and_redirects_to_it(
    member, network, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = member.client.post(
            reverse("people:path_search_create", kwargs={"public_id": network["target"].public_id})
        )
    search = PathSearch.objects.get()
    assert response.status_code == 302 and response["Location"] == search.get_absolute_url()
    page = member.client.get(search.get_absolute_url()).content.decode()
    assert "Ask Bea Broker for an introduction" in page
    assert "47% estimated chance" in page


def test_pending_search_fragment_keeps_polling_and_finished_one_stops(member, network):
    search = path_search_start(by=member.user, target=network["target"])
    pending = member.client.get(search.get_absolute_url(), headers={"HX-Request": "true"})
    assert 'hx-trigger="every 1s"' in pending.content.decode()
    path_search_execute(search_id=search.pk)
    done = member.client.get(search.get_absolute_url(), headers={"HX-Request": "true"})
    assert "hx-trigger" not in done.content.decode()
    assert "<html" not in done.content.decode()


def test_api_wait_parameter_is_validated(member, network):
    search = path_search_start(by=member.user, target=network["target"])
    url = reverse("api:path-search-detail", kwargs={"public_id": search.public_id})
    for bad in ("soon", "-1", "60"):
        response = member.client.get(url, {"wait": bad})
        assert response.status_code == 400
        assert "wait" in response.json()["errors"]
    # a pending search answered after the (short) wait, still pending
    assert member.client.get(url, {"wait": "0.05"}).json()["status"] == "pending"


def test_pruning_the_change_log_makes_resident_graphs_rebuild(member, network, run_on_commit):
    import datetime as dt

    from django.utils import timezone

    from people.graph_log import graph_log_prune
    from people.models import GraphChange

    # given a resident graph, and old change-log rows it has already seen
    run_on_commit(by=member.user, target=network["target"])
    graph = resident_graph()
    graph_log.note_tie_changed(member.person.pk, network["broker"].pk)
    assert graph.refresh().applied == 1
    GraphChange.objects.update(at=timezone.now() - dt.timedelta(days=30))
    # when the old rows are pruned
    assert graph_log_prune(older_than=dt.timedelta(days=7)) >= 1
    # then only the rebuild marker is left, and the graph rebuilds instead of missing rows
    assert list(GraphChange.objects.values_list("kind", flat=True)) == ["rebuild"]
    assert graph.refresh().rebuilt

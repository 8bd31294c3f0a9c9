"""The suggestions API: groups, weaving suggestions and runs."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from causes.models import GroupSuggestion, SuggestionRun
from tests.causes.conftest import Network
from tests.conftest import Persona


@pytest.fixture
def eager_celery():
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _group_with(network: Network, key: str) -> GroupSuggestion:
    group = GroupSuggestion.objects.filter(
        is_current=True, memberships__person=network.people[key]
    ).first()
    assert group is not None
    return group


def test_organizers_list_groups_by_cause_and_neighbourhood(
    network: Network, organizer: Persona
) -> None:
    run = network.run()
    url = reverse("api:group-list")
    body = organizer.client.get(url, {"cause": "food-security"}).json()
    assert body["count"] == GroupSuggestion.objects.filter(run=run).count() > 0
    first = body["results"][0]
    assert set(first) >= {"id", "cause", "score", "parts", "explanation", "members", "status"}
    assert first["cause"] == {"slug": "food-security", "name": "Food security"}
    assert first["graph_version"] == run.graph_version
    assert [g["score"] for g in body["results"]] == sorted(
        (g["score"] for g in body["results"]), reverse=True
    )
    elsewhere = organizer.client.get(url, {"neighbourhood": "Nowhere"}).json()
    assert elsewhere["count"] == 0
    old_mill = organizer.client.get(url, {"neighbourhood": "Old Mill"}).json()
    assert old_mill["count"] == body["count"]


def test_an_unknown_cause_is_a_field_error(organizer: Persona) -> None:
    response = organizer.client.get(reverse("api:group-list"), {"cause": "nope"})
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "No such cause.",
        "errors": {"cause": ["No such cause."]},
    }


def test_a_member_lists_only_their_groups(network: Network, member: Persona) -> None:
    network.run()
    body = member.client.get(reverse("api:group-list")).json()
    assert member.person is not None
    mine = str(member.person.public_id)
    assert body["count"] > 0
    for group in body["results"]:
        assert mine in {m["id"] for m in group["members"]}
        for person in network.forbidden:
            assert str(person.public_id) not in {m["id"] for m in group["members"]}


def test_a_member_gets_404_for_a_group_they_are_not_in(network: Network, member: Persona) -> None:
    network.run()
    other = GroupSuggestion.objects.exclude(memberships__person=network.people["mina"]).first()
    assert other is not None
    response = member.client.get(reverse("api:group-detail", args=[other.public_id]))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_a_stranger_is_refused(network: Network, stranger: Persona) -> None:
    for name in ("api:group-list", "api:weaving-suggestion-list", "api:suggestion-run-list"):
        assert stranger.client.get(reverse(name)).status_code == 403


def test_convene_outcome_and_dismiss_through_the_api(network: Network, organizer: Persona) -> None:
    network.run()
    groups = list(GroupSuggestion.objects.filter(is_current=True)[:2])
    assert len(groups) == 2
    one, two = groups
    convene = organizer.client.post(
        reverse("api:group-convene", args=[one.public_id]),
        {"message": "Let's meet"},
        content_type="application/json",
    )
    assert convene.status_code == 200 and convene.json()["status"] == "convened"
    again = organizer.client.post(
        reverse("api:group-convene", args=[one.public_id]), {}, content_type="application/json"
    )
    assert again.status_code == 400
    outcome = organizer.client.post(
        reverse("api:group-outcome", args=[one.public_id]),
        {"outcome": "met", "note": "Good start"},
        content_type="application/json",
    )
    assert outcome.status_code == 200 and outcome.json()["outcome"] == "met"
    bad = organizer.client.post(
        reverse("api:group-outcome", args=[one.public_id]),
        {"outcome": "party"},
        content_type="application/json",
    )
    assert bad.status_code == 400 and "outcome" in bad.json()["errors"]
    no_reason = organizer.client.post(
        reverse("api:group-dismiss", args=[two.public_id]), {}, content_type="application/json"
    )
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["errors"]
    dismissed = organizer.client.post(
        reverse("api:group-dismiss", args=[two.public_id]),
        {"reason": "Already a committee"},
        content_type="application/json",
    )
    assert dismissed.status_code == 200 and dismissed.json()["status"] == "dismissed"


def test_a_member_is_refused_convene_dismiss_and_outcome(network: Network, member: Persona) -> None:
    network.run()
    group = _group_with(network, "mina")
    for action, data in (
        ("convene", {}),
        ("dismiss", {"reason": "x"}),
        ("outcome", {"outcome": "met"}),
    ):
        response = member.client.post(
            reverse(f"api:group-{action}", args=[group.public_id]),
            data,
            content_type="application/json",
        )
        assert response.status_code == 403
        assert response.json()["code"] == "not_allowed"


def test_a_member_says_not_for_me_through_the_api(network: Network, member: Persona) -> None:
    network.run()
    group = _group_with(network, "mina")
    response = member.client.post(
        reverse("api:group-respond", args=[group.public_id]),
        {"response": "opted_out"},
        content_type="application/json",
    )
    assert response.status_code == 204
    assert member.client.get(reverse("api:group-detail", args=[group.public_id])).status_code == 404


def test_weaving_suggestions_for_a_member_carry_the_introduction_link(
    network: Network, member: Persona
) -> None:
    network.run()
    body = member.client.get(reverse("api:weaving-suggestion-list")).json()
    assert member.person is not None
    me = str(member.person.public_id)
    assert body["count"] > 0
    for item in body["results"]:
        named = {item["person"]["id"], item["other"]["id"], (item["broker"] or {}).get("id")}
        assert me in named
        if me in (item["person"]["id"], item["other"]["id"]):
            assert item["introduction_url"].startswith("/people/introductions/new/?target=")


def test_weaving_kind_filter_is_validated(organizer: Persona) -> None:
    response = organizer.client.get(reverse("api:weaving-suggestion-list"), {"kind": "x"})
    assert response.status_code == 400 and "kind" in response.json()["errors"]


def test_an_organizer_starts_a_run_and_polls_it(
    network: Network, organizer: Persona, eager_celery, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer.client.post(
            reverse("api:suggestion-run-list"),
            {"cause": "food-security"},
            content_type="application/json",
        )
    assert response.status_code == 202
    run = SuggestionRun.objects.get()
    assert response["Location"].endswith(reverse("api:suggestion-run-detail", args=[run.public_id]))
    body = organizer.client.get(response["Location"], {"wait": "1"}).json()
    assert body["status"] == "done" and body["stats"]["groups"] > 0
    assert body["graph_version"] is not None


def test_a_member_cannot_start_or_read_runs(network: Network, member: Persona) -> None:
    run = SuggestionRun.objects.create()
    response = member.client.post(
        reverse("api:suggestion-run-list"), {}, content_type="application/json"
    )
    assert response.status_code == 403
    assert (
        member.client.get(reverse("api:suggestion-run-detail", args=[run.public_id])).status_code
        == 403
    )
    assert SuggestionRun.objects.count() == 1


def test_run_input_errors_are_field_errors(organizer: Persona) -> None:
    response = organizer.client.post(
        reverse("api:suggestion-run-list"),
        {"cause": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errors"] == {
        "cause": ["No such cause."]
    }
    response = organizer.client.post(
        reverse("api:suggestion-run-list"),
        {"groups": False, "weaving": False},
        content_type="application/json",
    )
    assert response.status_code == 400
    wait = organizer.client.get(
        reverse("api:suggestion-run-detail", args=[SuggestionRun.objects.create().public_id]),
        {"wait": "forever"},
    )
    assert wait.status_code == 400


def test_unknown_ids_are_404_in_the_one_error_shape(organizer: Persona) -> None:
    missing = uuid.uuid4()
    for name in ("api:group-detail", "api:weaving-suggestion-detail", "api:suggestion-run-detail"):
        response = organizer.client.get(reverse(name, args=[missing]))
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"

"""Suggestion pages: who sees what, the organizer flows, members' answers, no 500s."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from causes.models import GroupSuggestion, SuggestionRun, WeavingSuggestion
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
    group = (
        GroupSuggestion.objects.filter(is_current=True, memberships__person=network.people[key])
        .order_by("-score")
        .first()
    )
    assert group is not None
    return group


def _group_without(network: Network, key: str) -> GroupSuggestion:
    group = (
        GroupSuggestion.objects.filter(is_current=True)
        .exclude(memberships__person=network.people[key])
        .first()
    )
    assert group is not None
    return group


def test_an_organizer_sees_ranked_groups_with_explanations_on_a_cause(
    network: Network, organizer: Persona
) -> None:
    network.run()
    response = organizer.client.get(reverse("causes:cause_groups", args=[network.cause.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Small-batch groups for Food security" in body
    assert "offers a commercial kitchen that Ben Example needs." in body
    assert "Refresh suggestions for this cause" in body
    for person in network.forbidden:
        assert person.display_name not in body


def test_the_cause_page_links_to_its_groups(network: Network, member: Persona) -> None:
    response = member.client.get(network.cause.get_absolute_url())
    assert reverse("causes:cause_groups", args=[network.cause.slug]) in response.content.decode()


def test_a_member_sees_only_their_groups_and_no_refresh_button(
    network: Network, member: Persona
) -> None:
    network.run()
    response = member.client.get(reverse("causes:groups"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Refresh suggestions" not in body
    mine = GroupSuggestion.objects.filter(memberships__person=network.people["mina"]).count()
    assert body.count('class="group-card"') == mine


def test_a_member_cannot_open_a_group_they_are_not_in(network: Network, member: Persona) -> None:
    network.run()
    group = _group_without(network, "mina")
    assert member.client.get(group.get_absolute_url()).status_code == 404


def test_a_stranger_is_sent_to_log_in(network: Network, stranger: Persona) -> None:
    network.run()
    group = GroupSuggestion.objects.first()
    assert group is not None
    for url in (
        reverse("causes:groups"),
        group.get_absolute_url(),
        reverse("causes:weaving"),
        reverse("causes:runs"),
    ):
        response = stranger.client.get(url)
        assert response.status_code == 302 and "/login" in response["Location"]


def test_an_organizer_convenes_and_the_members_see_it(
    network: Network, organizer: Persona, member: Persona
) -> None:
    network.run()
    group = _group_with(network, "mina")
    response = organizer.client.post(
        reverse("causes:group_convene", args=[group.public_id]), {"message": "Tea on Monday"}
    )
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.status == "convened"
    page = member.client.get(group.get_absolute_url()).content.decode()
    assert "Tea on Monday" in page and "I'm in" in page
    inbox = member.client.get(reverse("people:notifications")).content.decode()
    assert "A small group for Food security" in inbox


def test_a_member_is_refused_convening_dismissing_and_outcomes(
    network: Network, member: Persona
) -> None:
    network.run()
    group = _group_with(network, "mina")
    for name, data in (
        ("causes:group_convene", {}),
        ("causes:group_dismiss", {"reason": "nope"}),
        ("causes:group_outcome", {"outcome": "met"}),
    ):
        response = member.client.post(reverse(name, args=[group.public_id]), data)
        assert response.status_code == 403
    group.refresh_from_db()
    assert group.status == "suggested"


def test_dismissing_without_a_reason_shows_an_error(network: Network, organizer: Persona) -> None:
    network.run()
    group = GroupSuggestion.objects.first()
    assert group is not None
    response = organizer.client.post(
        reverse("causes:group_dismiss", args=[group.public_id]), {"reason": ""}, follow=True
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    group.refresh_from_db()
    assert group.status == "suggested"


def test_an_organizer_dismisses_then_records_nothing_more(
    network: Network, organizer: Persona
) -> None:
    network.run()
    group = GroupSuggestion.objects.first()
    assert group is not None
    organizer.client.post(
        reverse("causes:group_dismiss", args=[group.public_id]), {"reason": "Too far apart"}
    )
    group.refresh_from_db()
    assert (group.status, group.dismiss_reason) == ("dismissed", "Too far apart")
    response = organizer.client.post(
        reverse("causes:group_convene", args=[group.public_id]), follow=True
    )
    assert "dismissed and cannot be convened" in response.content.decode()


def test_an_outcome_is_recorded_from_the_page(network: Network, organizer: Persona) -> None:
    network.run()
    group = GroupSuggestion.objects.first()
    assert group is not None
    organizer.client.post(reverse("causes:group_convene", args=[group.public_id]))
    organizer.client.post(
        reverse("causes:group_outcome", args=[group.public_id]),
        {"outcome": "fizzled", "note": "Schedules clashed"},
    )
    group.refresh_from_db()
    assert group.outcome == "fizzled"
    response = organizer.client.post(
        reverse("causes:group_outcome", args=[group.public_id]), {"outcome": "<b>"}, follow=True
    )
    assert response.status_code == 200
    assert "<b>" not in response.content.decode().split("<main", 1)[-1].split("</main>")[0]


def test_not_for_me_from_the_page(network: Network, member: Persona) -> None:
    network.run()
    group = _group_with(network, "mina")
    response = member.client.post(
        reverse("causes:group_respond", args=[group.public_id]), {"response": "opted_out"}
    )
    assert response.status_code == 302
    assert member.client.get(group.get_absolute_url()).status_code == 404


def test_weaving_page_offers_an_introduction_through_the_mutual_contact(
    network: Network, member: Persona
) -> None:
    network.run()
    body = member.client.get(reverse("causes:weaving")).content.decode()
    assert "/people/introductions/new/?target=" in body
    assert "&amp;broker=" in body
    for person in network.forbidden:
        assert person.display_name not in body


def test_weaving_page_for_organizers_lists_everyone(network: Network, organizer: Persona) -> None:
    run = network.run()
    body = organizer.client.get(reverse("causes:weaving") + "?kind=triangle").content.decode()
    shown = body.count('class="weaving-card"')
    assert shown == min(20, WeavingSuggestion.objects.filter(run=run, kind="triangle").count())


def test_an_organizer_refreshes_and_watches_progress(
    network: Network, organizer: Persona, eager_celery, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = organizer.client.post(reverse("causes:run_create"), {"cause": network.cause.pk})
    run = SuggestionRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert (run.cause, run.include_weaving) == (network.cause, False)
    page = organizer.client.get(run.get_absolute_url())
    assert "See the groups for Food security" in page.content.decode()
    fragment = organizer.client.get(run.get_absolute_url(), headers={"HX-Request": "true"})
    assert fragment.content.decode().lstrip().startswith('<section id="run-progress"')


def test_a_running_run_is_polled_with_htmx(network: Network, organizer: Persona) -> None:
    run = SuggestionRun.objects.create(status="running", progress=40, stage="Groups for Food")
    body = organizer.client.get(run.get_absolute_url()).content.decode()
    assert 'hx-trigger="every 1s"' in body and "Groups for Food" in body


def test_members_cannot_see_or_start_runs(network: Network, member: Persona) -> None:
    run = SuggestionRun.objects.create()
    assert member.client.get(reverse("causes:runs")).status_code == 404
    assert member.client.get(run.get_absolute_url()).status_code == 404
    assert member.client.post(reverse("causes:run_create"), {}).status_code == 403
    assert SuggestionRun.objects.count() == 1


@pytest.mark.parametrize(
    "query",
    ["?cause=abc", "?cause=999999", "?status=<script>", "?page=-1", "?neighbourhood=%00"],
)
def test_odd_filters_never_fail(network: Network, organizer: Persona, query: str) -> None:
    network.run()
    # NUL in any query string is refused with 400 before the view (network_app/input_guards.py)
    expected = 400 if "%00" in query else 200
    assert organizer.client.get(reverse("causes:groups") + query).status_code == expected
    assert organizer.client.get(reverse("causes:weaving") + query).status_code == expected


def test_unknown_ids_are_404(organizer: Persona) -> None:
    missing = uuid.uuid4()
    assert organizer.client.get(reverse("causes:group_detail", args=[missing])).status_code == 404
    assert organizer.client.get(reverse("causes:run_detail", args=[missing])).status_code == 404
    assert (
        organizer.client.post(reverse("causes:weaving_dismiss", args=[missing])).status_code == 404
    )
    assert organizer.client.get("/causes/no-such-cause/groups/").status_code == 404


def test_odd_posts_never_fail(network: Network, organizer: Persona) -> None:
    network.run()
    group = GroupSuggestion.objects.first()
    assert group is not None
    for name in ("group_convene", "group_dismiss", "group_outcome", "group_respond"):
        response = organizer.client.post(
            reverse(f"causes:{name}", args=[group.public_id]),
            {"message": "x" * 5000, "reason": "y" * 5000, "outcome": "z", "response": "q"},
        )
        assert response.status_code in (302, 403)
    assert organizer.client.post(reverse("causes:run_create"), {"cause": "x"}).status_code == 302

"""Suggestion runs, services and selectors on a small network (tests/causes/conftest.py)."""

from __future__ import annotations

import pytest

from causes.models import (
    GroupMember,
    GroupSuggestion,
    SuggestionExclusion,
    SuggestionRun,
    WeavingSuggestion,
)
from causes.suggestions import selectors, services
from causes.suggestions.compute import run_execute
from people.errors import DomainError, NotAllowed
from people.models import AuditEvent, Visibility
from people.paths import graph_version
from people.roles import viewer_for
from tests.causes.conftest import Network
from tests.conftest import Persona


def _ids_in_groups(run: SuggestionRun) -> set[int]:
    return set(GroupMember.objects.filter(group__run=run).values_list("person_id", flat=True))


def _ids_in_weaving(run: SuggestionRun) -> set[int]:
    ids: set[int] = set()
    for row in WeavingSuggestion.objects.filter(run=run).values_list(
        "person_id", "other_id", "broker_id"
    ):
        ids.update(i for i in row if i is not None)
    return ids


def test_a_run_stores_ranked_groups_with_parts_and_explanations(network: Network) -> None:
    run = network.run()
    assert run.status == SuggestionRun.Status.DONE
    assert run.graph_version == graph_version()
    groups = list(GroupSuggestion.objects.filter(run=run, cause=network.cause).order_by("rank"))
    assert groups
    assert [g.score for g in groups] == sorted((g.score for g in groups), reverse=True)
    for group in groups:
        assert 3 <= group.memberships.count() <= 6
        assert set(group.parts) == {
            "passion",
            "diversity",
            "locality",
            "cohesion",
            "novelty",
            "reach",
            "complementarity",
        }
        assert all(item["text"] for item in group.explanation)
    assert run.stats["groups"] == GroupSuggestion.objects.filter(run=run).count()


def test_an_explanation_names_the_offer_that_meets_a_need(network: Network) -> None:
    run = network.run()
    texts = [
        item["text"]
        for g in GroupSuggestion.objects.filter(run=run)
        for item in g.explanation
        if {network.people["ana"].pk, network.people["ben"].pk}
        <= set(g.members.values_list("pk", flat=True))
    ]
    assert (
        "Ana Example (Harbour Housing Co-op) offers a commercial kitchen that Ben Example needs."
        in texts
    )


def test_hidden_closed_and_do_not_contact_people_never_appear(network: Network) -> None:
    run = network.run()
    forbidden = {p.pk for p in network.forbidden}
    assert _ids_in_groups(run)
    assert not forbidden & _ids_in_groups(run)
    assert not forbidden & _ids_in_weaving(run)


def test_weaving_closes_a_triangle_through_the_mutual_contact(network: Network) -> None:
    run = network.run()
    mina, ana, ben = (network.people[k] for k in ("mina", "ana", "ben"))
    pair = WeavingSuggestion.objects.get(
        run=run, kind="triangle", person_id=min(mina.pk, ben.pk), other_id=max(mina.pk, ben.pk)
    )
    assert pair.broker_id in {ana.pk, network.people["cy"].pk}
    assert any("could introduce them" in item["text"] for item in pair.explanation)


def test_a_person_who_hides_later_disappears_from_stored_suggestions(
    network: Network, organizer: Persona
) -> None:
    network.run()
    viewer = viewer_for(organizer.user)
    ana = network.people["ana"]
    assert any(
        ana.pk in {m.person_id for m in g.memberships.all()}
        for g in selectors.group_list_visible_to(viewer=viewer)
    )
    ana.visibility = Visibility.HIDDEN
    ana.save()
    for group in selectors.group_list_visible_to(viewer=viewer):
        assert ana.pk not in {m.person_id for m in group.memberships.all()}
    for s in selectors.weaving_list_visible_to(viewer=viewer):
        assert ana.pk not in (s.person_id, s.other_id, s.broker_id)


def test_a_member_sees_only_the_groups_they_are_in(
    network: Network, member: Persona, organizer: Persona
) -> None:
    run = network.run()
    mine = list(selectors.group_list_visible_to(viewer=viewer_for(member.user)))
    everyone = list(selectors.group_list_visible_to(viewer=viewer_for(organizer.user)))
    assert len(everyone) == GroupSuggestion.objects.filter(run=run).count()
    assert len(mine) < len(everyone)
    for group in mine:
        assert member.person is not None
        assert member.person.pk in {m.person_id for m in group.memberships.all()}
    weaving = list(selectors.weaving_list_visible_to(viewer=viewer_for(member.user)))
    assert weaving
    for s in weaving:
        assert member.person.pk in (s.person_id, s.other_id, s.broker_id)


def test_a_stranger_sees_no_suggestions(network: Network, stranger: Persona) -> None:
    network.run()
    viewer = viewer_for(stranger.client.session.get("_auth_user_id"))
    assert not selectors.group_list_visible_to(viewer=viewer).exists()
    assert not selectors.weaving_list_visible_to(viewer=viewer).exists()
    assert not selectors.run_list_visible_to(viewer=viewer).exists()


def _first_group(network: Network, *, with_person: str | None = None) -> GroupSuggestion:
    groups = GroupSuggestion.objects.filter(is_current=True).order_by("-score")
    if with_person:
        groups = groups.filter(memberships__person=network.people[with_person])
    group = groups.first()
    assert group is not None
    return group


def test_an_organizer_convenes_a_group_and_its_members_are_notified(
    network: Network, organizer: Persona
) -> None:
    network.run()
    group = _first_group(network)
    services.group_convene(by=organizer.user, group=group, message="Coffee on Friday?")
    group.refresh_from_db()
    assert group.status == GroupSuggestion.Status.CONVENED
    assert set(group.memberships.values_list("response", flat=True)) == {"invited"}
    assert AuditEvent.objects.filter(
        action="group.convene", object_id=str(group.public_id)
    ).exists()
    from people.models import Notification

    notified = set(Notification.objects.values_list("recipient_id", flat=True))
    assert notified == set(group.memberships.values_list("person_id", flat=True))
    assert all(n.url == group.get_absolute_url() for n in Notification.objects.all())


def test_members_cannot_convene_dismiss_or_record_outcomes(
    network: Network, member: Persona
) -> None:
    network.run()
    group = _first_group(network, with_person="mina")
    with pytest.raises(NotAllowed):
        services.group_convene(by=member.user, group=group)
    with pytest.raises(NotAllowed):
        services.group_dismiss(by=member.user, group=group, reason="no")
    with pytest.raises(NotAllowed):
        services.group_outcome_record(by=member.user, group=group, outcome="met")
    with pytest.raises(NotAllowed):
        services.suggestion_run_start(by=member.user)


def test_a_dismissed_group_needs_a_reason_and_is_never_proposed_again(
    network: Network, organizer: Persona
) -> None:
    network.run()
    group = _first_group(network)
    with pytest.raises(DomainError):
        services.group_dismiss(by=organizer.user, group=group, reason="  ")
    services.group_dismiss(by=organizer.user, group=group, reason="They fell out last year")
    assert SuggestionExclusion.objects.filter(group=group, kind="dismissed").exists()
    # when the suggestions are computed again
    run = network.run()
    # then
    keys = set(GroupSuggestion.objects.filter(run=run).values_list("member_key", flat=True))
    dismissed = set(group.member_key.split(","))
    assert all(not dismissed <= set(k.split(",")) for k in keys)


def test_an_outcome_is_recorded_only_for_a_convened_group(
    network: Network, organizer: Persona
) -> None:
    network.run()
    group = _first_group(network)
    with pytest.raises(DomainError):
        services.group_outcome_record(by=organizer.user, group=group, outcome="met")
    services.group_convene(by=organizer.user, group=group)
    with pytest.raises(DomainError):
        services.group_outcome_record(by=organizer.user, group=group, outcome="party")
    services.group_outcome_record(
        by=organizer.user, group=group, outcome="project", note="A Saturday kitchen"
    )
    group.refresh_from_db()
    assert (group.outcome, group.outcome_note) == ("project", "A Saturday kitchen")


def test_not_for_me_removes_the_member_and_the_group_does_not_return_with_them(
    network: Network, member: Persona, other_member: Persona, organizer: Persona
) -> None:
    network.run()
    group = _first_group(network, with_person="mina")
    assert member.person is not None
    services.group_member_respond(by=member.user, group=group, response="opted_out")
    # the member no longer sees it; others see it without her
    assert not selectors.group_list_visible_to(viewer=viewer_for(member.user)).filter(pk=group.pk)
    org_view = selectors.group_present(viewer=viewer_for(organizer.user), group=group)
    assert member.person.pk not in {m.person.pk for m in org_view.members}
    assert all("Mina" not in sentence for sentence in org_view.explanation)
    # a second answer is refused: she is out
    with pytest.raises(NotAllowed):
        services.group_member_respond(by=member.user, group=group, response="opted_out")
    # and a new run does not propose her with two or more of the same people
    run = network.run()
    others = set(map(int, group.member_key.split(","))) - {member.person.pk}
    for key in GroupSuggestion.objects.filter(run=run).values_list("member_key", flat=True):
        ids = set(map(int, key.split(",")))
        assert not (member.person.pk in ids and len(ids & others) >= 2)


def test_only_a_member_of_the_group_can_answer(network: Network, other_member: Persona) -> None:
    network.run()
    group = (
        GroupSuggestion.objects.filter(is_current=True)
        .exclude(memberships__person=network.people["owen"])
        .first()
    )
    assert group is not None
    with pytest.raises(NotAllowed):
        services.group_member_respond(by=other_member.user, group=group, response="accepted")


def test_accepting_waits_until_the_group_is_convened(
    network: Network, member: Persona, organizer: Persona
) -> None:
    network.run()
    group = _first_group(network, with_person="mina")
    with pytest.raises(DomainError):
        services.group_member_respond(by=member.user, group=group, response="accepted")
    services.group_convene(by=organizer.user, group=group)
    services.group_member_respond(by=member.user, group=group, response="accepted")
    assert group.memberships.get(person=member.person).response == "accepted"


def test_a_newer_run_replaces_current_groups_and_keeps_old_ones(network: Network) -> None:
    first = network.run()
    second = network.run()
    assert GroupSuggestion.objects.filter(run=first).exists()
    assert not GroupSuggestion.objects.filter(run=first, is_current=True).exists()
    assert GroupSuggestion.objects.filter(run=second, is_current=True).exists()


def test_a_run_is_computed_once_even_if_its_task_is_delivered_twice(network: Network) -> None:
    run = SuggestionRun.objects.create(include_groups=True)
    assert run_execute(run_id=run.pk) is True
    assert run_execute(run_id=run.pk) is False
    assert GroupSuggestion.objects.filter(run=run).count() == run.groups.count()


def test_the_same_seed_gives_the_same_groups(network: Network) -> None:
    one = network.run(include_weaving=False)
    two = network.run(include_weaving=False)
    keys = lambda run: list(  # noqa: E731
        GroupSuggestion.objects.filter(run=run)
        .order_by("cause_id", "rank")
        .values_list("member_key", flat=True)
    )
    assert keys(one) == keys(two)


def test_starting_a_run_twice_reuses_the_waiting_one(
    network: Network, organizer: Persona, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False):
        first = services.suggestion_run_start(by=organizer.user, cause=network.cause)
        second = services.suggestion_run_start(by=organizer.user, cause=network.cause)
    assert first.pk == second.pk
    assert first.include_weaving is False


def test_a_weaving_pair_dismissed_is_not_suggested_again(network: Network, member: Persona) -> None:
    network.run()
    viewer = viewer_for(member.user)
    suggestion = selectors.weaving_list_visible_to(viewer=viewer).filter(kind="triangle").first()
    assert suggestion is not None
    services.weaving_dismiss(by=member.user, suggestion=suggestion, reason="We met already")
    run = network.run()
    assert not WeavingSuggestion.objects.filter(
        run=run, person_id=suggestion.person_id, other_id=suggestion.other_id
    ).exists()


def test_a_member_outside_a_weaving_pair_cannot_dismiss_it(
    network: Network, other_member: Persona
) -> None:
    network.run()
    assert other_member.person is not None
    me = other_member.person.pk
    suggestion = WeavingSuggestion.objects.exclude(person_id=me).exclude(other_id=me).first()
    assert suggestion is not None
    with pytest.raises(NotAllowed):
        services.weaving_dismiss(by=other_member.user, suggestion=suggestion)


def test_a_weaving_suggestion_leads_into_an_introduction_request(
    network: Network, member: Persona
) -> None:
    network.run()
    viewer = viewer_for(member.user)
    suggestion = selectors.weaving_list_visible_to(viewer=viewer).filter(kind="triangle").first()
    assert suggestion is not None and suggestion.broker is not None
    presented = selectors.weaving_present(viewer=viewer, suggestion=suggestion)
    assert presented.introduction_url is not None
    assert presented.introduction_url.startswith("/people/introductions/new/?target=")
    assert str(presented.counterpart.public_id) in presented.introduction_url
    assert f"broker={suggestion.broker.public_id}" in presented.introduction_url


def test_group_list_query_count_does_not_grow_with_groups(
    network: Network, organizer: Persona, django_assert_max_num_queries
) -> None:
    network.run()
    viewer = viewer_for(organizer.user)
    with django_assert_max_num_queries(4):
        groups = list(selectors.group_list_visible_to(viewer=viewer))
        for g in groups:
            selectors.group_present(viewer=viewer, group=g)

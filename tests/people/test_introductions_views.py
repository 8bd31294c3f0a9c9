"""Introduction pages: asking from a path card or a weaving suggestion, the inbox, one
introduction and its actions (with and without htmx), the organizer view, the notification
inbox and the unread count in the navigation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.introductions import introduction_accept, introduction_decline, introduction_request
from people.models import Introduction, IntroductionState, Notification, PathSearch
from people.paths import path_search_start
from tests.people import introductions_fixtures

pytestmark = pytest.mark.django_db
chain = introductions_fixtures.chain
eager_celery = introductions_fixtures.eager_celery

State = IntroductionState


@pytest.fixture
def search(chain, django_capture_on_commit_callbacks) -> PathSearch:
    with django_capture_on_commit_callbacks(execute=True):
        found = path_search_start(by=chain["requester"].user, target=chain["target"].person)
    found.refresh_from_db()
    assert found.status == PathSearch.Status.DONE
    return found


@pytest.fixture
def requested(chain, django_capture_on_commit_callbacks) -> Introduction:
    with django_capture_on_commit_callbacks(execute=True):
        intro = introduction_request(
            by=chain["requester"].user,
            target=chain["target"].person,
            path=chain["short"],
            message="We both run <b>tenant</b> clinics.",
        )
    return intro


def new_url(**params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('people:introduction_new')}?{query}"


def action_url(intro: Introduction, action: str) -> str:
    return reverse("people:introduction_action", args=[intro.public_id, action])


# ---------------------------------------------------------------------------------------------
# Asking


def test_the_path_card_links_to_the_introduction_form(chain, search):
    page = chain["requester"].client.get(search.get_absolute_url()).content.decode()
    assert f"{reverse('people:introduction_new')}?search={search.public_id}&amp;path=0" in page
    assert "Ask Bea Broker for an introduction" in page


def test_a_member_asks_from_a_path_card_and_lands_on_the_introduction(chain, search):
    client = chain["requester"].client
    url = new_url(search=str(search.public_id), path="0")
    form = client.get(url)
    assert form.status_code == 200
    assert "Ask Bea Broker to introduce you to Tara Target" in form.content.decode()
    response = client.post(url, {"message": "Tenant organizing in Old Mill."})
    intro = Introduction.objects.get()
    assert response.status_code == 302
    assert response["Location"] == intro.get_absolute_url()
    assert intro.path_search == search
    assert intro.path == search.result["paths"][0]["people"]
    page = client.get(intro.get_absolute_url()).content.decode()
    assert "Your request to meet Tara Target" in page
    assert "Your request went to Bea Broker" in page


def test_a_member_asks_from_a_weaving_suggestion_with_target_and_broker(chain):
    client = chain["requester"].client
    url = new_url(
        target=str(chain["target"].person.public_id), broker=str(chain["broker"].person.public_id)
    )
    response = client.post(url, {"message": "Bea suggested we meet."})
    assert response.status_code == 302
    intro = Introduction.objects.get()
    assert intro.path == [p.pk for p in chain["short"]]


def test_an_empty_message_is_a_400_with_the_field_error(chain):
    url = new_url(
        target=str(chain["target"].person.public_id), broker=str(chain["broker"].person.public_id)
    )
    response = chain["requester"].client.post(url, {"message": "  "})
    assert response.status_code == 400
    assert "This field is required." in response.content.decode()
    assert not Introduction.objects.exists()


def test_a_refusal_from_the_service_is_shown_on_the_form(chain):
    target = chain["target"].person
    target.open_to_introductions = False
    target.save()
    url = new_url(target=str(target.public_id), broker=str(chain["broker"].person.public_id))
    response = chain["requester"].client.post(url, {"message": "Hello"})
    assert response.status_code == 400
    assert "Tara Target is not taking introductions right now." in response.content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "",
        "search=not-a-uuid&path=0",
        "search=00000000-0000-0000-0000-000000000000&path=0",
        "target=xyz&broker=abc",
    ],
)
def test_bad_links_to_the_form_are_404_not_500(chain, query):
    response = chain["requester"].client.get(f"{reverse('people:introduction_new')}?{query}")
    assert response.status_code == 404


@pytest.mark.parametrize("path", ["7", "-1", "x"])
def test_a_path_index_out_of_range_is_404(chain, search, path):
    response = chain["requester"].client.get(new_url(search=str(search.public_id), path=path))
    assert response.status_code == 404


def test_someone_elses_path_search_is_404(chain, search, other_member):
    response = other_member.client.get(new_url(search=str(search.public_id), path="0"))
    assert response.status_code == 404


def test_the_form_warns_when_the_broker_is_at_capacity(chain):
    broker = chain["broker"].person
    broker.monthly_intro_capacity = 0
    broker.save()
    url = new_url(target=str(chain["target"].person.public_id), broker=str(broker.public_id))
    page = chain["requester"].client.get(url).content.decode()
    assert "all the introductions they can broker this month" in page


def test_a_stranger_is_sent_to_log_in(stranger, chain):
    response = stranger.client.get(reverse("people:introductions"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


# ---------------------------------------------------------------------------------------------
# The inbox and one introduction


def test_the_inbox_tabs_show_what_was_asked_of_me_and_what_i_asked(chain, requested):
    asked_of_me = chain["broker"].client.get(reverse("people:introductions")).content.decode()
    assert "Mina Member" in asked_of_me
    assert "your turn" in asked_of_me
    mine = chain["requester"].client.get(reverse("people:introductions") + "?tab=i-asked")
    assert "You → Tara Target" in mine.content.decode()
    empty = chain["target"].client.get(reverse("people:introductions")).content.decode()
    assert "Nobody has asked you for an introduction yet." in empty


def test_an_htmx_tab_switch_gets_only_the_list(chain, requested):
    response = chain["broker"].client.get(
        reverse("people:introductions") + "?tab=made", headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="introduction-list"')
    assert "<html" not in body


def test_the_broker_sees_who_asks_and_why_and_the_actions(chain, requested):
    page = chain["broker"].client.get(requested.get_absolute_url()).content.decode()
    assert "Mina Member would like to meet Tara Target" in page
    assert "We both run &lt;b&gt;tenant&lt;/b&gt; clinics." in page
    assert "Agree and ask Tara Target" in page
    assert action_url(requested, "decline") in page


def test_reading_an_introduction_marks_its_notifications_read(chain, requested):
    broker = chain["broker"]
    assert Notification.objects.filter(recipient=broker.person, read_at__isnull=True).count() == 1
    nav = broker.client.get(reverse("people:directory")).content.decode()
    assert 'aria-label="1 unread"' in nav
    broker.client.get(requested.get_absolute_url())
    assert not Notification.objects.filter(recipient=broker.person, read_at__isnull=True).exists()
    nav = broker.client.get(reverse("people:directory")).content.decode()
    assert "unread" not in nav


@pytest.mark.parametrize("persona", ["other_member", "hidden_member"])
def test_people_outside_the_chain_get_404(request, chain, requested, persona):
    client = request.getfixturevalue(persona).client
    assert client.get(requested.get_absolute_url()).status_code == 404
    assert client.post(action_url(requested, "accept")).status_code == 404


def test_the_target_does_not_see_the_request_before_it_reaches_them(chain, requested):
    assert chain["target"].client.get(requested.get_absolute_url()).status_code == 404


def test_the_whole_flow_through_the_pages_without_javascript(chain, requested):
    broker, target, requester = chain["broker"], chain["target"], chain["requester"]
    assert broker.client.post(action_url(requested, "accept")).status_code == 302
    page = target.client.get(requested.get_absolute_url()).content.decode()
    assert "Mina Member would like to meet you" in page
    assert "Yes, introduce us" in page
    assert target.client.post(action_url(requested, "accept")).status_code == 302
    assert (
        "Make the introduction" in broker.client.get(requested.get_absolute_url()).content.decode()
    )
    assert broker.client.post(action_url(requested, "accept")).status_code == 302
    requested.refresh_from_db()
    assert requested.state == State.MADE
    page = requester.client.get(requested.get_absolute_url()).content.decode()
    assert target.person.email in page  # both agreed to be put in touch
    response = requester.client.post(
        action_url(requested, "record-outcome"), {"met": "yes", "rating": "4", "note": "Thanks!"}
    )
    assert response.status_code == 302
    requested.refresh_from_db()
    assert (requested.requester_met, requested.requester_rating) == (True, 4)
    assert "Thanks!" in broker.client.get(requested.get_absolute_url()).content.decode()


def test_an_htmx_action_swaps_the_introduction_in_place(chain, requested):
    response = chain["broker"].client.post(
        action_url(requested, "accept"), headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="introduction"')
    assert "Thank you: your answer is recorded." in body


def test_someone_in_the_chain_who_may_not_act_gets_403(chain, requested):
    requester = chain["requester"]
    for action in ("accept", "decline", "forward"):
        assert requester.client.post(action_url(requested, action)).status_code == 403
    assert chain["broker"].client.post(action_url(requested, "withdraw")).status_code == 403
    requested.refresh_from_db()
    assert requested.state == State.REQUESTED


def test_an_organizer_sees_but_cannot_act(chain, requested, organizer):
    assert organizer.client.get(requested.get_absolute_url()).status_code == 200
    for action in ("accept", "decline", "withdraw"):
        assert organizer.client.post(action_url(requested, action)).status_code == 403


def test_an_unknown_action_is_404_and_get_is_405(chain, requested):
    client = chain["broker"].client
    assert client.post(action_url(requested, "explode")).status_code == 404
    assert client.get(action_url(requested, "accept")).status_code == 405


def test_a_wrong_state_step_shows_a_message_not_an_error_page(chain, requested):
    client = chain["requester"].client
    client.post(action_url(requested, "withdraw"))
    response = client.post(action_url(requested, "withdraw"), follow=True)
    assert response.status_code == 200
    response = chain["broker"].client.post(action_url(requested, "accept"), follow=True)
    assert "This introduction is closed (withdrawn)." in response.content.decode()


def test_an_invalid_outcome_is_a_400_with_field_errors(chain, requested):
    for user in ("broker", "target", "broker"):
        introduction_accept(by=chain[user].user, introduction=requested)
    response = chain["requester"].client.post(
        action_url(requested, "record-outcome"), {"met": "yes"}
    )
    assert response.status_code == 400
    assert "Rate how well you know each other now" in response.content.decode()


def test_a_declined_request_reads_declined_to_the_requester(chain, requested):
    introduction_accept(by=chain["broker"].user, introduction=requested)
    introduction_decline(by=chain["target"].user, introduction=requested, reason="not now")
    page = chain["requester"].client.get(requested.get_absolute_url()).content.decode()
    assert "Declined" in page
    assert "Declined by the target" not in page
    assert "not now" not in page
    assert "Tara Target declined" not in page


# ---------------------------------------------------------------------------------------------
# Organizers and the notification inbox


def test_the_organizer_view_shows_counts_median_stale_and_load(chain, requested, organizer):
    page = organizer.client.get(reverse("people:introductions_network"))
    assert page.status_code == 200
    body = page.content.decode()
    assert 'data-state="requested">1<' in body
    assert "Bea Broker" in body
    assert "no decisions yet" in body
    assert (
        organizer.client.get(reverse("people:introductions_network") + "?state=bogus").status_code
        == 200
    )


@pytest.mark.parametrize("persona", ["member", "other_member"])
def test_members_cannot_open_the_organizer_view(request, persona, chain):
    client = request.getfixturevalue(persona).client
    assert client.get(reverse("people:introductions_network")).status_code == 403


def test_the_notification_inbox_lists_and_marks_all_read(chain, requested):
    broker = chain["broker"]
    page = broker.client.get(reverse("people:notifications")).content.decode()
    assert "Mina Member asks you for an introduction to Tara Target" in page
    response = broker.client.post(reverse("people:notifications_read"))
    assert response.status_code == 302
    assert not Notification.objects.filter(recipient=broker.person, read_at__isnull=True).exists()


def test_an_admin_without_a_person_has_an_empty_inbox(admin_user):
    assert admin_user.client.get(reverse("people:notifications")).status_code == 200
    assert admin_user.client.post(reverse("people:notifications_read")).status_code == 403


def test_the_inbox_runs_a_bounded_number_of_queries(chain, django_assert_max_num_queries):
    broker = chain["broker"]
    broker.person.monthly_intro_capacity = 50
    broker.person.save()
    for i in range(6):
        other = introductions_fixtures.make_member(f"asker{i}", f"Asker {i}")
        introductions_fixtures.make_tie(other.person, broker.person, strength=4)
        introduction_request(
            by=other.user, target=chain["target"].person, broker=broker.person, message="Hi"
        )
    with django_assert_max_num_queries(14):
        page = broker.client.get(reverse("people:introductions")).content.decode()
    assert page.count("introduction-row") == 6

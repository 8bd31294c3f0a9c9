"""Introductions through the services: the state machine, every refusal, expiry, outcomes."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from people.errors import DomainError, NotAllowed
from people.introductions import (
    IntroductionStateError,
    broker_load_this_month,
    introduction_accept,
    introduction_counts_by_state,
    introduction_decline,
    introduction_forward,
    introduction_list_for,
    introduction_list_stale,
    introduction_median_days_to_decision,
    introduction_record_outcome,
    introduction_request,
    introduction_withdraw,
)
from people.introductions.present import introduction_present
from people.models import (
    Introduction,
    IntroductionEvent,
    IntroductionState,
    Notification,
    PathSearch,
    Provenance,
    SideStatus,
    Tie,
    TieKind,
    Visibility,
)
from people.paths import path_search_start
from people.roles import viewer_for
from people.tasks import introductions_expire_due
from tests.factories import PersonFactory, make_tie
from tests.people import introductions_fixtures
from tests.people.introductions_fixtures import make_member

pytestmark = pytest.mark.django_db
chain = introductions_fixtures.chain
eager_celery = introductions_fixtures.eager_celery

State = IntroductionState
Kind = IntroductionEvent.Kind


@pytest.fixture
def ask(django_capture_on_commit_callbacks):
    """Call a service as the commit would: on-commit email tasks run (eagerly) afterwards."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            result = service(**kwargs)
        if isinstance(result, Introduction):
            result.refresh_from_db()
        return result

    return run


def request_short(chain, ask, **extra):
    return ask(
        introduction_request,
        by=chain["requester"].user,
        target=chain["target"].person,
        path=chain["short"],
        message="We both run tenant clinics; I'd love to compare notes.",
        **extra,
    )


def kinds(introduction):
    return list(introduction.events.order_by("id").values_list("kind", flat=True))


# ---------------------------------------------------------------------------------------------
# The flow


def test_a_request_goes_to_the_broker_who_is_notified_in_the_inbox_and_by_email(chain, ask):
    intro = request_short(chain, ask)
    assert intro.state == State.REQUESTED
    assert intro.current_holder == chain["broker"].person
    assert intro.broker == chain["broker"].person
    assert intro.path == [p.pk for p in chain["short"]]
    assert intro.expires_at is not None
    assert kinds(intro) == [Kind.REQUESTED]
    note = Notification.objects.get(recipient=chain["broker"].person)
    assert note.kind == Notification.Kind.NEW_REQUEST
    assert note.read_at is None
    assert note.email_status == Notification.EmailStatus.SENT
    assert [m.to for m in mail.outbox] == [[chain["broker"].person.email]]
    assert "Mina Member asks you for an introduction to Tara Target" in mail.outbox[0].subject


def test_broker_then_target_accept_and_the_broker_makes_the_introduction(chain, ask):
    # given
    intro = request_short(chain, ask)
    # when the broker accepts, the target now decides
    intro = ask(introduction_accept, by=chain["broker"].user, introduction=intro)
    assert (intro.state, intro.current_holder) == (State.ACCEPTED_BY_BROKER, chain["target"].person)
    # when the target accepts, the broker is asked to make the introduction
    intro = ask(introduction_accept, by=chain["target"].user, introduction=intro)
    assert (intro.state, intro.current_holder) == (State.ACCEPTED_BY_TARGET, chain["broker"].person)
    # when the broker makes it
    intro = ask(introduction_accept, by=chain["broker"].user, introduction=intro)
    # then
    assert intro.state == State.MADE
    assert intro.current_holder is None
    assert intro.decided_at is not None
    assert kinds(intro) == [
        Kind.REQUESTED,
        Kind.ACCEPTED_BY_BROKER,
        Kind.ACCEPTED_BY_TARGET,
        Kind.MADE,
    ]
    made = Notification.objects.filter(kind=Notification.Kind.MADE)
    assert {n.recipient for n in made} == {chain["requester"].person, chain["target"].person}
    made_mail = [m for m in mail.outbox if "introduced you to" in m.subject]
    assert sorted(m.to[0] for m in made_mail) == sorted(
        [chain["requester"].person.email, chain["target"].person.email]
    )


def test_forwarding_lets_the_next_intermediary_decide_and_only_then_reach_the_target(chain, ask):
    intro = ask(
        introduction_request,
        by=chain["requester"].user,
        target=chain["target"].person,
        path=chain["long"],
        message="Looking for a land trust contact.",
    )
    target_viewer = viewer_for(chain["target"].user)
    bridge_viewer = viewer_for(chain["bridge"].user)
    # nobody further along sees it yet
    assert not introduction_list_for(viewer=bridge_viewer).exists()
    assert not introduction_list_for(viewer=target_viewer).exists()
    # accepting is refused to someone not yet holding it
    with pytest.raises(NotAllowed):
        introduction_accept(by=chain["bridge"].user, introduction=intro)

    intro = ask(introduction_forward, by=chain["broker"].user, introduction=intro)
    assert intro.current_holder == chain["bridge"].person
    assert intro.state == State.ACCEPTED_BY_BROKER
    assert introduction_list_for(viewer=bridge_viewer).get() == intro
    assert not introduction_list_for(viewer=target_viewer).exists()

    # the bridge cannot "forward" to the target: it accepts instead
    with pytest.raises(IntroductionStateError):
        introduction_forward(by=chain["bridge"].user, introduction=intro)
    intro = ask(introduction_accept, by=chain["bridge"].user, introduction=intro)
    assert intro.current_holder == chain["target"].person
    assert introduction_list_for(viewer=target_viewer).get() == intro
    assert kinds(intro) == [Kind.REQUESTED, Kind.FORWARDED, Kind.ACCEPTED_BY_BROKER]


def test_accept_by_the_broker_on_a_long_path_passes_it_to_the_next_intermediary(chain, ask):
    intro = ask(
        introduction_request,
        by=chain["requester"].user,
        target=chain["target"].person,
        path=chain["long"],
        message="Hello",
    )
    intro = ask(introduction_accept, by=chain["broker"].user, introduction=intro)
    assert intro.current_holder == chain["bridge"].person


def test_repeating_a_step_does_nothing_twice(chain, ask):
    intro = request_short(chain, ask)
    ask(introduction_accept, by=chain["broker"].user, introduction=intro)
    again = ask(introduction_accept, by=chain["broker"].user, introduction=intro)
    assert again.state == State.ACCEPTED_BY_BROKER
    assert kinds(again) == [Kind.REQUESTED, Kind.ACCEPTED_BY_BROKER]
    assert Notification.objects.filter(recipient=chain["target"].person).count() == 1
    ask(introduction_withdraw, by=chain["requester"].user, introduction=intro)
    ask(introduction_withdraw, by=chain["requester"].user, introduction=intro)
    assert kinds(intro).count(Kind.WITHDRAWN) == 1


def test_target_decline_reaches_the_requester_only_as_declined(chain, ask):
    intro = request_short(chain, ask)
    intro = ask(introduction_accept, by=chain["broker"].user, introduction=intro)
    intro = ask(
        introduction_decline,
        by=chain["target"].user,
        introduction=intro,
        reason="I am swamped until spring",
    )
    assert intro.state == State.DECLINED_BY_TARGET
    # the requester reads "declined", never who, never the reason
    view = introduction_present(viewer=viewer_for(chain["requester"].user), introduction=intro)
    assert view.state_label == "Declined"
    texts = " ".join(line.text for line in view.history)
    assert "The request was declined." in texts
    assert "Tara Target declined" not in texts
    assert all(not line.private_note for line in view.history)
    note = Notification.objects.get(
        recipient=chain["requester"].person,
        kind=Notification.Kind.DECISION,
        event__kind="declined_by_target",
    )
    assert "Tara Target declined" not in note.title
    assert "swamped" not in note.title + note.body
    assert not any("swamped" in m.body for m in mail.outbox)
    # the target sees their own decline and their private reason
    view = introduction_present(viewer=viewer_for(chain["target"].user), introduction=intro)
    assert view.state_label == "Declined by the target"
    assert any(line.private_note == "I am swamped until spring" for line in view.history)
    # the broker reads only "declined" too
    view = introduction_present(viewer=viewer_for(chain["broker"].user), introduction=intro)
    assert view.state_label == "Declined"


def test_broker_decline_ends_the_request(chain, ask):
    intro = request_short(chain, ask)
    intro = ask(introduction_decline, by=chain["broker"].user, introduction=intro)
    assert intro.state == State.DECLINED_BY_BROKER
    assert intro.decided_at is not None
    assert not Notification.objects.filter(recipient=chain["target"].person).exists()


def test_requester_withdraws_and_the_holder_is_told(chain, ask):
    intro = request_short(chain, ask)
    intro = ask(introduction_withdraw, by=chain["requester"].user, introduction=intro)
    assert intro.state == State.WITHDRAWN
    assert Notification.objects.filter(
        recipient=chain["broker"].person, title__contains="withdrew"
    ).exists()


# ---------------------------------------------------------------------------------------------
# Who may act


def test_nobody_but_the_holder_can_accept_decline_or_forward(
    chain, ask, organizer, other_member, admin_user
):
    intro = request_short(chain, ask)
    outsiders = [
        chain["requester"].user,
        chain["target"].user,
        chain["bridge"].user,
        organizer.user,
        other_member.user,
        admin_user.user,
    ]
    for user in outsiders:
        for service in (introduction_accept, introduction_decline, introduction_forward):
            with pytest.raises(NotAllowed):
                service(by=user, introduction=intro)
    intro.refresh_from_db()
    assert intro.state == State.REQUESTED
    assert kinds(intro) == [Kind.REQUESTED]


def test_only_the_requester_can_withdraw(chain, ask, organizer, other_member):
    intro = request_short(chain, ask)
    for user in (chain["broker"].user, chain["target"].user, organizer.user, other_member.user):
        with pytest.raises(NotAllowed):
            introduction_withdraw(by=user, introduction=intro)


def test_a_closed_introduction_refuses_every_step(chain, ask):
    intro = request_short(chain, ask)
    ask(introduction_withdraw, by=chain["requester"].user, introduction=intro)
    with pytest.raises(IntroductionStateError):
        introduction_accept(by=chain["broker"].user, introduction=intro)
    with pytest.raises(IntroductionStateError):
        introduction_decline(by=chain["broker"].user, introduction=intro)
    with pytest.raises(IntroductionStateError):
        introduction_record_outcome(
            by=chain["requester"].user, introduction=intro, met=True, rating=4
        )


def test_a_made_introduction_cannot_be_withdrawn(chain, ask):
    intro = made_introduction(chain, ask)
    with pytest.raises(IntroductionStateError):
        introduction_withdraw(by=chain["requester"].user, introduction=intro)


# ---------------------------------------------------------------------------------------------
# Consent and limits


@pytest.mark.parametrize(
    "change",
    [
        {"open_to_introductions": False},
        {"do_not_contact": True},
    ],
)
def test_a_target_closed_to_introductions_cannot_be_asked(chain, ask, change):
    target = chain["target"].person
    for name, value in change.items():
        setattr(target, name, value)
    target.save()
    with pytest.raises(DomainError) as refused:
        request_short(chain, ask)
    assert refused.value.message == "Tara Target is not taking introductions right now."
    assert refused.value.field == "target"
    assert not Introduction.objects.exists()


def test_a_block_is_refused_with_the_same_neutral_sentence(chain, ask):
    chain["target"].person.do_not_introduce.add(chain["requester"].person)
    with pytest.raises(DomainError) as refused:
        request_short(chain, ask)
    assert refused.value.message == "Tara Target is not taking introductions right now."
    assert not Notification.objects.exists()


def test_a_hidden_target_cannot_be_asked(chain, ask):
    target = chain["target"].person
    target.visibility = Visibility.HIDDEN
    target.save()
    with pytest.raises(DomainError, match="No such person"):
        request_short(chain, ask)


@pytest.mark.parametrize("change", [{"open_to_introductions": False}, {"do_not_contact": True}])
def test_a_broker_closed_to_introductions_cannot_be_asked(chain, ask, change):
    broker = chain["broker"].person
    for name, value in change.items():
        setattr(broker, name, value)
    broker.save()
    with pytest.raises(DomainError) as refused:
        request_short(chain, ask)
    assert refused.value.field == "broker"


def test_a_broker_who_blocks_the_requester_cannot_be_asked(chain, ask):
    chain["broker"].person.do_not_introduce.add(chain["requester"].person)
    with pytest.raises(DomainError, match="not taking introductions"):
        request_short(chain, ask)


def test_a_closed_intermediary_further_along_refuses_the_path(chain, ask):
    bridge = chain["bridge"].person
    bridge.open_to_introductions = False
    bridge.save()
    with pytest.raises(DomainError) as refused:
        ask(
            introduction_request,
            by=chain["requester"].user,
            target=chain["target"].person,
            path=chain["long"],
            message="Hi",
        )
    assert refused.value.field == "path"


def test_a_broker_at_monthly_capacity_is_refused_with_a_clear_message(chain, ask, settings):
    broker = chain["broker"].person
    broker.monthly_intro_capacity = 1
    broker.save()
    other = make_member("olive", "Olive Other")
    make_tie(other.person, broker, strength=4)
    ask(
        introduction_request,
        by=other.user,
        target=chain["target"].person,
        broker=broker,
        message="First",
    )
    with pytest.raises(DomainError) as refused:
        request_short(chain, ask)
    assert refused.value.field == "broker"
    assert "all the introductions they can broker this month" in refused.value.message
    # a withdrawn request gives the capacity back
    first = Introduction.objects.get(requester=other.person)
    ask(introduction_withdraw, by=other.user, introduction=first)
    assert request_short(chain, ask).state == State.REQUESTED


def test_a_broker_with_no_capacity_is_never_asked(chain, ask):
    broker = chain["broker"].person
    broker.monthly_intro_capacity = 0
    broker.save()
    with pytest.raises(DomainError, match="this month"):
        request_short(chain, ask)


def test_a_duplicate_open_request_for_the_same_target_is_refused(chain, ask):
    request_short(chain, ask)
    with pytest.raises(DomainError, match="already have an open request"):
        ask(
            introduction_request,
            by=chain["requester"].user,
            target=chain["target"].person,
            path=chain["long"],
            message="Again",
        )


def test_a_requester_has_at_most_the_configured_number_of_open_requests(chain, ask, settings):
    settings.INTRODUCTION_MAX_OPEN = 1
    request_short(chain, ask)
    with pytest.raises(DomainError, match="open requests"):
        ask(
            introduction_request,
            by=chain["requester"].user,
            target=chain["bridge"].person,
            broker=chain["broker"].person,
            message="Another",
        )


@pytest.mark.parametrize("message", ["", "   "])
def test_a_message_is_required(chain, ask, message):
    with pytest.raises(DomainError) as refused:
        ask(
            introduction_request,
            by=chain["requester"].user,
            target=chain["target"].person,
            path=chain["short"],
            message=message,
        )
    assert refused.value.field == "message"


def test_a_message_over_the_limit_is_refused(chain, ask, settings):
    settings.INTRODUCTION_MESSAGE_MAX = 20
    with pytest.raises(DomainError) as refused:
        ask(
            introduction_request,
            by=chain["requester"].user,
            target=chain["target"].person,
            path=chain["short"],
            message="x" * 21,
        )
    assert refused.value.field == "message"


def test_a_path_without_a_usable_tie_is_refused(chain, ask, other_member):
    with pytest.raises(DomainError, match="path has changed"):
        ask(
            introduction_request,
            by=chain["requester"].user,
            target=chain["target"].person,
            broker=other_member.person,
            message="Hi",
        )


def test_a_disputed_tie_on_the_path_is_refused(chain, ask):
    tie = Tie.objects.between(chain["broker"].person, chain["target"].person).get()
    tie.a_status = SideStatus.DISPUTED
    tie.save()
    with pytest.raises(DomainError, match="path has changed"):
        request_short(chain, ask)


def test_nobody_asks_on_someone_elses_behalf(chain, ask, organizer):
    make_tie(organizer.person, chain["broker"].person)
    with pytest.raises(NotAllowed):
        ask(
            introduction_request,
            by=organizer.user,
            target=chain["target"].person,
            path=chain["short"],
            message="On Mina's behalf",
        )


def test_a_path_must_come_from_the_search_it_names(chain, ask):
    search = PathSearch.objects.create(
        requester=chain["requester"].user,
        source=chain["requester"].person,
        target=chain["target"].person,
        status=PathSearch.Status.DONE,
        result={"paths": [{"people": [p.pk for p in chain["long"]], "strengths": [5, 4, 4]}]},
    )
    with pytest.raises(DomainError, match="not one of your search"):
        request_short(chain, ask, path_search=search)
    intro = ask(
        introduction_request,
        by=chain["requester"].user,
        target=chain["target"].person,
        path=chain["long"],
        message="From the card",
        path_search=search,
    )
    assert intro.path_search == search


# ---------------------------------------------------------------------------------------------
# Expiry and reminders


def test_the_beat_task_expires_unanswered_requests_and_tells_both_sides(chain, ask, settings):
    intro = request_short(chain, ask)
    Introduction.objects.filter(pk=intro.pk).update(
        expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    fresh = ask(
        introduction_request,
        by=chain["requester"].user,
        target=chain["bridge"].person,
        broker=chain["broker"].person,
        message="Not due yet",
    )
    mail.outbox.clear()
    # when the beat task runs (eagerly here; the schedule is in settings)
    assert "people.introductions_expire_due" in {
        entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()
    }
    result = introductions_expire_due.apply().get()
    # then
    intro.refresh_from_db()
    fresh.refresh_from_db()
    assert intro.state == State.EXPIRED
    assert intro.current_holder is None
    assert fresh.state == State.REQUESTED
    assert result["expired"] == 1
    assert kinds(intro)[-1] == Kind.EXPIRED
    recipients = {n.recipient for n in Notification.objects.filter(kind="expired")}
    assert recipients == {chain["requester"].person, chain["broker"].person}
    # and running it again changes nothing
    assert introductions_expire_due.apply().get()["expired"] == 0


def test_the_holder_is_reminded_once_before_expiry(chain, ask, settings):
    settings.INTRODUCTION_REMINDER_DAYS = 3
    intro = request_short(chain, ask)
    Introduction.objects.filter(pk=intro.pk).update(
        expires_at=timezone.now() + dt.timedelta(days=2)
    )
    first = introductions_expire_due.apply().get()
    second = introductions_expire_due.apply().get()
    assert (first["reminded"], second["reminded"]) == (1, 0)
    reminders = Notification.objects.filter(kind=Notification.Kind.REMINDER)
    assert [n.recipient for n in reminders] == [chain["broker"].person]
    # a new holder gets a new reminder window
    intro = ask(introduction_accept, by=chain["broker"].user, introduction=intro)
    assert intro.reminded_at is None


# ---------------------------------------------------------------------------------------------
# Outcomes


def made_introduction(chain, ask):
    intro = request_short(chain, ask)
    intro = ask(introduction_accept, by=chain["broker"].user, introduction=intro)
    intro = ask(introduction_accept, by=chain["target"].user, introduction=intro)
    return ask(introduction_accept, by=chain["broker"].user, introduction=intro)


def test_a_meeting_creates_an_introduced_tie_used_by_the_next_path_search(
    chain, ask, django_capture_on_commit_callbacks
):
    # given a first search uses the broker
    requester, target = chain["requester"], chain["target"]
    with django_capture_on_commit_callbacks(execute=True):
        before = path_search_start(by=requester.user, target=target.person)
    before.refresh_from_db()
    assert all(len(p["people"]) > 2 for p in before.result["paths"])
    intro = made_introduction(chain, ask)
    # when both record that they met
    ask(
        introduction_record_outcome,
        by=requester.user,
        introduction=intro,
        met=True,
        rating=5,
        note="Thank you Bea!",
    )
    ask(introduction_record_outcome, by=target.user, introduction=intro, met=True, rating=4)
    # then a tie exists, each side rated by its own person
    tie = Tie.objects.between(requester.person, target.person).get()
    assert tie.provenance == Provenance.INTRODUCTION
    assert tie.kind == TieKind.INTRODUCED
    assert tie.strength_of(tie.side_of(requester.person)) == 5
    assert tie.strength_of(tie.side_of(target.person)) == 4
    # and the next path search finds the direct tie first
    with django_capture_on_commit_callbacks(execute=True):
        after = path_search_start(by=requester.user, target=target.person)
    after.refresh_from_db()
    assert after.pk != before.pk
    best = after.result["paths"][0]
    assert best["people"] == [requester.person.pk, target.person.pk]
    assert best["strengths"] == [4]
    # and the broker sees the thanks
    thanks = Notification.objects.filter(recipient=chain["broker"].person, kind="thanks")
    assert thanks.count() == 2
    assert any("Thank you Bea!" in n.body for n in thanks)
    intro.refresh_from_db()
    view = introduction_present(viewer=viewer_for(chain["broker"].user), introduction=intro)
    assert ("Mina Member met", "Thank you Bea!") in view.thanks


def test_a_meeting_strengthens_an_existing_tie_and_never_weakens_it(chain, ask):
    requester, target = chain["requester"], chain["target"]
    existing = make_tie(requester.person, target.person, strength=2, other_strength=5)
    intro = made_introduction(chain, ask)
    ask(introduction_record_outcome, by=requester.user, introduction=intro, met=True, rating=4)
    ask(introduction_record_outcome, by=target.user, introduction=intro, met=True, rating=3)
    existing.refresh_from_db()
    assert existing.strength_of(existing.side_of(requester.person)) == 4
    assert existing.strength_of(existing.side_of(target.person)) == 5
    assert existing.provenance == Provenance.SELF_REPORTED


def test_not_meeting_creates_no_tie(chain, ask):
    intro = made_introduction(chain, ask)
    ask(introduction_record_outcome, by=chain["requester"].user, introduction=intro, met=False)
    assert not Tie.objects.between(chain["requester"].person, chain["target"].person).exists()


def test_only_the_two_people_introduced_can_record_an_outcome(chain, ask, organizer):
    intro = made_introduction(chain, ask)
    for user in (chain["broker"].user, chain["bridge"].user, organizer.user):
        with pytest.raises(NotAllowed):
            introduction_record_outcome(by=user, introduction=intro, met=True, rating=3)


def test_an_outcome_needs_a_rating_when_they_met(chain, ask):
    intro = made_introduction(chain, ask)
    with pytest.raises(DomainError) as refused:
        introduction_record_outcome(by=chain["requester"].user, introduction=intro, met=True)
    assert refused.value.field == "rating"


def test_an_outcome_before_the_introduction_is_made_is_refused(chain, ask):
    intro = request_short(chain, ask)
    with pytest.raises(IntroductionStateError):
        introduction_record_outcome(
            by=chain["requester"].user, introduction=intro, met=True, rating=3
        )


def test_recording_the_same_outcome_twice_is_a_no_op(chain, ask):
    intro = made_introduction(chain, ask)
    for _ in range(2):
        ask(
            introduction_record_outcome,
            by=chain["requester"].user,
            introduction=intro,
            met=True,
            rating=3,
        )
    assert kinds(intro).count(Kind.OUTCOME) == 1
    assert Notification.objects.filter(kind="thanks").count() == 1


# ---------------------------------------------------------------------------------------------
# Notifications


def test_a_person_with_email_off_gets_the_inbox_line_but_no_email(chain, ask):
    broker = chain["broker"].person
    broker.email_notifications = False
    broker.save()
    request_short(chain, ask)
    note = Notification.objects.get(recipient=broker)
    assert note.email_status == Notification.EmailStatus.SKIPPED
    assert mail.outbox == []


def test_emails_carry_no_private_data_of_third_parties(chain, ask):
    intro = made_introduction(chain, ask)
    assert intro.state == State.MADE
    private = [
        p.email for p in (chain["requester"].person, chain["broker"].person, chain["target"].person)
    ]
    for message in mail.outbox:
        others = [e for e in private if e not in message.to]
        for email in others:
            assert email not in message.body
            assert email not in message.subject


def test_an_email_is_sent_at_most_once_per_notification(chain, ask):
    from people.notifications import notification_email_send

    request_short(chain, ask)
    note = Notification.objects.get(recipient=chain["broker"].person)
    assert notification_email_send(notification_id=note.pk) is False
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert note.email_status == Notification.EmailStatus.SENT
    assert "Mina Member" in note.email_body


# ---------------------------------------------------------------------------------------------
# Organizer figures


def test_organizers_get_counts_median_stale_requests_and_broker_load(chain, ask, organizer):
    made_introduction(chain, ask)
    stale = ask(
        introduction_request,
        by=chain["requester"].user,
        target=chain["bridge"].person,
        broker=chain["broker"].person,
        message="Stale one",
    )
    Introduction.objects.filter(pk=stale.pk).update(
        updated_at=timezone.now() - dt.timedelta(days=10)
    )
    viewer = viewer_for(organizer.user)
    counts = introduction_counts_by_state(viewer=viewer)
    assert counts[State.MADE] == 1
    assert counts[State.REQUESTED] == 1
    assert counts[State.EXPIRED] == 0
    assert list(introduction_list_stale(viewer=viewer, older_than_days=7)) == [stale]
    assert introduction_median_days_to_decision(viewer=viewer) == 0.0
    load = broker_load_this_month(viewer=viewer)
    assert load == [(chain["broker"].person, 2, 5)]


def test_a_member_counts_only_their_own_introductions(chain, ask, other_member):
    request_short(chain, ask)
    counts = introduction_counts_by_state(viewer=viewer_for(other_member.user))
    assert sum(counts.values()) == 0
    assert broker_load_this_month(viewer=viewer_for(other_member.user)) == []


def test_a_stranger_and_an_outsider_see_no_introduction(chain, ask, other_member, stranger):
    request_short(chain, ask)
    assert not introduction_list_for(viewer=viewer_for(other_member.user)).exists()
    assert not introduction_list_for(viewer=viewer_for(None)).exists()


def test_a_requester_cannot_filter_declines_by_who_declined(chain, ask):
    intro = request_short(chain, ask)
    intro = ask(introduction_decline, by=chain["broker"].user, introduction=intro)
    viewer = viewer_for(chain["requester"].user)
    assert list(introduction_list_for(viewer=viewer, state="declined_by_target")) == [intro]
    assert list(introduction_list_for(viewer=viewer, state="declined")) == [intro]


def test_people_along_the_path_are_named_only_next_to_you(chain, ask):
    intro = ask(
        introduction_request,
        by=chain["requester"].user,
        target=chain["target"].person,
        path=chain["long"],
        message="Hi",
    )
    view = introduction_present(viewer=viewer_for(chain["requester"].user), introduction=intro)
    assert [h.label for h in view.chain] == [
        "You",
        "Bea Broker",
        "another contact on the path",
        "Tara Target",
    ]
    assert view.chain[2].person is None


def test_person_factory_persons_without_login_cannot_act(chain, ask):
    nobody = PersonFactory()
    assert nobody.user is None
    intro = request_short(chain, ask)
    with pytest.raises(NotAllowed):
        introduction_accept(by=None, introduction=intro)

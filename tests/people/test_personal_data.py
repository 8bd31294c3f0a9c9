"""A member downloads everything held about them, then deletes their account: checked against
every model that refers to a person (found at run time, so models added later are covered)."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from network_app.exchange.personal import (
    FORMER_MEMBER,
    account_delete,
    person_relations,
    personal_data,
)
from people.models import AuditEvent, GraphChange, PathSearch, Person, Tie
from people.services import person_update
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    PersonFactory,
    make_tie,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def eager_celery() -> Iterator[None]:
    """Deleting an account starts a suggestions run after commit: in-process here."""
    from network_app.celery import app

    previous = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = previous


def _model(label: str):
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _everything_about(me: Person, other: Person, third: Person, admin) -> dict[str, int]:
    """A row in every model that can refer to a person (the models that exist today)."""
    cause = CauseFactory(name="Affordable housing")
    InterestFactory(person=me, cause=cause, passion=5, offers="My offer")
    AffiliationFactory(person=me, role="Treasurer")
    make_tie(me, other, strength=4)
    make_tie(third, me, strength=2)
    make_tie(other, third, strength=3)
    me.do_not_introduce.add(third)
    other.do_not_introduce.add(me)
    person_update(by=admin, person=me, data={"headline": "Changed by an admin"})
    PathSearch.objects.create(requester=other.user or admin, source=other, target=me)
    PathSearch.objects.create(requester=admin, source=me, target=other)
    made: dict[str, int] = {}
    Introduction = _model("people.Introduction")
    if Introduction is not None:
        from people.models import (
            IntroductionEvent,
            IntroductionHop,
            IntroductionState,
            Notification,
        )

        in_flight = Introduction.objects.create(
            requester=me,
            target=third,
            broker=other,
            path=[me.pk, other.pk, third.pk],
            current_holder=other,
            message="Please introduce me, I am Mina Member",
        )
        received = Introduction.objects.create(
            requester=other,
            target=me,
            broker=third,
            path=[other.pk, third.pk, me.pk],
            state=IntroductionState.MADE,
            message="Hello",
            target_note="Mina's private note",
        )
        brokered = Introduction.objects.create(
            requester=third,
            target=other,
            broker=me,
            path=[third.pk, me.pk, other.pk],
            state=IntroductionState.ACCEPTED_BY_BROKER,
            current_holder=me,
            message="Hi",
        )
        for intro in (in_flight, received, brokered):
            for position, pk in enumerate(intro.path):
                IntroductionHop.objects.create(
                    introduction=intro,
                    person_id=pk,
                    position=position,
                    role="requester"
                    if position == 0
                    else "target"
                    if position == len(intro.path) - 1
                    else "intermediary",
                    reached_at=timezone.now(),
                )
        event = IntroductionEvent.objects.create(
            introduction=brokered,
            kind="accepted_by_broker",
            actor=me,
            next_holder=other,
            private_note="only mine",
        )
        IntroductionEvent.objects.create(
            introduction=received, kind="requested", actor=other, next_holder=me
        )
        Notification.objects.create(recipient=me, kind="new_request", title="For Mina")
        Notification.objects.create(
            recipient=other,
            introduction=received,
            event=event,
            kind="decision",
            title="Mina Member agreed",
            body="Mina Member will introduce you",
        )
        made.update(in_flight=in_flight.pk, received=received.pk, brokered=brokered.pk)
    if _model("causes.GroupSuggestion") is not None:
        from causes.models import (
            GroupMember,
            GroupSuggestion,
            SuggestionExclusion,
            SuggestionRun,
            WeavingSuggestion,
        )

        run = SuggestionRun.objects.create()
        suggested = GroupSuggestion.objects.create(
            run=run, cause=cause, score=0.8, member_key="x", explanation=["Mina Member leads"]
        )
        convened = GroupSuggestion.objects.create(
            run=run,
            cause=cause,
            score=0.7,
            member_key="y",
            status="convened",
            explanation=["Mina Member and Omar Other share housing"],
        )
        for group in (suggested, convened):
            GroupMember.objects.create(group=group, person=me, role="Treasurer")
            GroupMember.objects.create(group=group, person=other)
        SuggestionExclusion.objects.create(
            kind="not_for_me", cause=cause, member_ids=[me.pk, other.pk], person=me
        )
        SuggestionExclusion.objects.create(
            kind="dismissed", cause=cause, member_ids=[me.pk, other.pk]
        )
        WeavingSuggestion.objects.create(
            run=run, kind="triangle", person=me, other=third, broker=other, score=0.5
        )
        WeavingSuggestion.objects.create(
            run=run, kind="triangle", person=other, other=third, broker=me, score=0.5
        )
        made.update(convened=convened.pk, suggested=suggested.pk)
    WeavingDismissal = _model("causes.WeavingDismissal")
    if WeavingDismissal is not None:
        low, high = sorted([me.pk, other.pk])
        WeavingDismissal.objects.create(person_low_id=low, person_high_id=high)
    NetworkSnapshot = _model("network_app.NetworkSnapshot")
    if NetworkSnapshot is not None:
        from network_app.models import PersonMetric

        snapshot = NetworkSnapshot.objects.create()
        PersonMetric.objects.create(snapshot=snapshot, person=me)
    return made


def _rows_pointing_at(pk: int) -> dict[str, int]:
    return {
        r.label: r.model._default_manager.filter(**{f"{r.field}_id": pk}).count()
        for r in person_relations()
    }


def test_every_relation_to_person_is_found_including_hidden_reverse_names():
    labels = {r.label for r in person_relations()}
    # Person._meta.related_objects skips related_name="+"; ours does not.
    for rel in Person._meta.related_objects:
        if rel.many_to_many:
            continue
        assert f"{rel.related_model._meta.label}.{rel.field.name}" in labels
    assert "people.Person_do_not_introduce.from_person" in labels
    if _model("people.Introduction") is not None:
        assert "people.Introduction.current_holder" in labels  # related_name="+"


def test_a_member_downloads_everything_held_about_them(member, other_member, admin_user):
    third = PersonFactory(display_name="Thea Third")
    _everything_about(member.person, other_member.person, third, admin_user.user)
    # when
    data = personal_data(user=member.user)
    # then: every relation with rows about them is in the download
    sections = json.dumps(data, default=str)
    for label, count in _rows_pointing_at(member.person.pk).items():
        if count:
            assert label in data["other_records"] or _covered(label, data), label
    assert data["profile"]["email"] == member.person.email
    assert data["interests"][0]["offers"] == "My offer"
    assert {t["with"] for t in data["ties"]} == {"Omar Other", "Thea Third"}
    assert data["notification_settings"]["email_notifications"] is True
    assert data["audit_log"][0]["after"] == {"headline": "Changed by an admin"}
    if _model("people.Introduction") is not None:
        assert len(data["introductions"]) == 3
        assert "Please introduce me" in sections
        assert "Hello" not in sections  # another person's message to them is theirs
    if _model("causes.GroupSuggestion") is not None:
        assert len(data["suggestions"]["groups"]) == 2
        assert len(data["suggestions"]["weaving"]) == 2
    assert "Omar Other's email" not in sections
    assert other_member.person.email not in sections


def _covered(label: str, data: dict) -> bool:
    sections = {
        "causes.Interest.person": "interests",
        "people.Affiliation.person": "affiliations",
        "people.Tie.person_a": "ties",
        "people.Tie.person_b": "ties",
        "people.Person_do_not_introduce.from_person": "do_not_introduce",
        "people.Person_do_not_introduce.to_person": "do_not_introduce",
        "people.Introduction.requester": "introductions",
        "people.Introduction.target": "introductions",
        "people.Introduction.broker": "introductions",
        "people.Introduction.current_holder": "introductions",
        "people.IntroductionHop.person": "introductions",
        "people.Notification.recipient": "notification_settings",
        "causes.GroupMember.person": "suggestions",
        "causes.WeavingSuggestion.person": "suggestions",
        "causes.WeavingSuggestion.other": "suggestions",
        "causes.WeavingSuggestion.broker": "suggestions",
    }
    return label in sections and bool(data.get(sections[label]))


def test_the_download_pages_answer_json_and_a_csv_zip(member, stranger):
    page = member.client.get(reverse("people:me_data"))
    assert page.status_code == 200
    as_json = member.client.get(reverse("people:me_data_export", args=["json"]))
    assert as_json.status_code == 200 and as_json["Cache-Control"] == "no-store"
    assert json.loads(as_json.content)["profile"]["display_name"] == "Mina Member"
    as_csv = member.client.get(reverse("people:me_data_export", args=["csv"]))
    names = zipfile.ZipFile(io.BytesIO(as_csv.content)).namelist()
    assert {"profile.csv", "ties.csv", "interests.csv", "notification_settings.csv"} <= set(names)
    assert member.client.get(reverse("people:me_data_export", args=["pdf"])).status_code == 404
    assert stranger.client.get(reverse("people:me_data_export", args=["json"])).status_code == 302


def test_deleting_an_account_leaves_nothing_of_them_that_should_not_stay(
    member, other_member, admin_user
):
    # given
    third = PersonFactory(display_name="Thea Third")
    made = _everything_about(member.person, other_member.person, third, admin_user.user)
    pk, public_id, user_pk = member.person.pk, str(member.person.public_id), member.user.pk
    pairs = set(Tie.objects.involving(pk).values_list("person_a_id", "person_b_id"))
    last_change = GraphChange.objects.order_by("-id").values_list("id", flat=True).first() or 0
    # when
    account_delete(by=member.user)
    # then: no row of any model points at them any more
    assert not Person.objects.filter(pk=pk).exists()
    assert not get_user_model().objects.filter(pk=user_pk).exists()
    leftovers = {label: n for label, n in _rows_pointing_at(pk).items() if n}
    assert leftovers == {}
    # the path engine is told, in the same transaction
    changes = GraphChange.objects.filter(id__gt=last_change)
    assert changes.filter(kind="person", person_id=pk).exists()
    assert {(c.person_id, c.other_id) for c in changes.filter(kind="tie")} >= pairs
    # the tie between the two others stays
    assert Tie.objects.between(other_member.person, third).exists()
    # audit events about them keep what happened, not the values
    assert not AuditEvent.objects.filter(object_id=public_id).exists()
    assert not AuditEvent.objects.filter(after__headline="Changed by an admin").exists()
    if made.get("received"):
        from people.models import Introduction, Notification

        received = Introduction.objects.get(pk=made["received"])
        stand_in = received.target
        assert stand_in.display_name == FORMER_MEMBER and stand_in.visibility == "hidden"
        assert stand_in.email == "" and stand_in.user is None
        assert received.target_note == ""
        assert pk not in received.path
        in_flight = Introduction.objects.get(pk=made["in_flight"])
        assert in_flight.state == "withdrawn" and in_flight.message == ""
        assert Introduction.objects.get(pk=made["brokered"]).state == "withdrawn"
        note = Notification.objects.get(recipient=other_member.person)
        assert "Mina" not in note.title + note.body
    if made.get("convened"):
        from causes.models import GroupSuggestion, SuggestionExclusion

        convened = GroupSuggestion.objects.get(pk=made["convened"])
        assert "Mina" not in " ".join(convened.explanation)
        assert not GroupSuggestion.objects.filter(pk=made["suggested"]).exists()
        assert all(pk not in e.member_ids for e in SuggestionExclusion.objects.all())
    # and nothing anywhere still carries their name or email
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if field.get_internal_type() in ("CharField", "TextField", "EmailField"):
                assert not model._default_manager.filter(
                    **{f"{field.name}__contains": "Mina"}
                ).exists(), f"{model._meta.label}.{field.name}"


def test_the_delete_page_needs_the_word_and_the_password(member, password):
    page = member.client.get(reverse("people:me_data_delete"))
    assert page.status_code == 200
    wrong = member.client.post(
        reverse("people:me_data_delete"), {"confirm": "yes", "password": "nope"}
    )
    assert wrong.status_code == 400
    assert Person.objects.filter(pk=member.person.pk).exists()
    done = member.client.post(
        reverse("people:me_data_delete"), {"confirm": "DELETE", "password": password}
    )
    assert done.status_code == 302 and done["Location"] == reverse("login")
    assert not Person.objects.filter(pk=member.person.pk).exists()
    assert member.client.get(reverse("people:me_data")).status_code == 302


def test_only_the_member_themself_deletes_their_account(member, other_member, stranger):
    assert stranger.client.post(reverse("people:me_data_delete")).status_code == 302
    other_member.client.post(
        reverse("people:me_data_delete"), {"confirm": "DELETE", "password": "x"}
    )
    assert Person.objects.filter(pk=member.person.pk).exists()
    assert Person.objects.filter(pk=other_member.person.pk).exists()

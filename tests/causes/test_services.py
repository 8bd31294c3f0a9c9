"""interest_set / interest_remove: only the person or staff; staff changes are audited."""

from __future__ import annotations

import pytest

from causes.models import Interest
from causes.services import interest_remove, interest_set
from people.errors import DomainError, NotAllowed
from people.models import AuditEvent
from tests.factories import CauseFactory, InterestFactory

pytestmark = pytest.mark.django_db


def test_a_person_sets_and_updates_their_own_interest(member):
    cause = CauseFactory(name="Food security")
    interest_set(by=member.user, person=member.person, cause=cause, passion=3, offers="Van")
    interest = interest_set(by=member.user, person=member.person, cause=cause, passion=5)
    assert Interest.objects.get(person=member.person).passion == 5
    assert interest.offers == ""
    assert not AuditEvent.objects.exists()


def test_another_member_or_organizer_cannot_set_my_interest(member, other_member, organizer):
    cause = CauseFactory(name="Food security")
    for actor in (other_member.user, organizer.user):
        with pytest.raises(NotAllowed):
            interest_set(by=actor, person=member.person, cause=cause, passion=3)
    assert not Interest.objects.exists()


def test_staff_may_change_an_interest_and_it_is_audited(member, admin_user):
    cause = CauseFactory(name="Food security")
    interest_set(by=admin_user.user, person=member.person, cause=cause, passion=4)
    interest_remove(by=admin_user.user, person=member.person, cause=cause)
    actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["interest.create", "interest.remove"]
    assert not Interest.objects.exists()


@pytest.mark.parametrize("passion", [0, 6, -1])
def test_passion_out_of_range_is_refused(member, passion):
    cause = CauseFactory(name="Food security")
    with pytest.raises(DomainError) as excinfo:
        interest_set(by=member.user, person=member.person, cause=cause, passion=passion)
    assert excinfo.value.field == "passion"
    assert not Interest.objects.exists()


def test_too_long_offers_are_refused(member):
    cause = CauseFactory(name="Food security")
    with pytest.raises(DomainError):
        interest_set(by=member.user, person=member.person, cause=cause, passion=3, offers="x" * 301)


def test_removing_an_interest_that_does_not_exist_is_harmless(member):
    assert interest_remove(by=member.user, person=member.person, cause=CauseFactory()) is False


def test_another_member_cannot_remove_my_interest(member, other_member):
    interest = InterestFactory(person=member.person)
    with pytest.raises(NotAllowed):
        interest_remove(by=other_member.user, person=member.person, cause=interest.cause)
    assert Interest.objects.filter(pk=interest.pk).exists()

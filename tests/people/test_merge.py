"""Merging duplicate people: nothing is lost, nothing is duplicated, each side stays its owner's."""

from __future__ import annotations

import datetime as dt

import pytest

from causes.models import Interest
from people.errors import DomainError, NotAllowed
from people.merge import person_merge
from people.models import (
    Affiliation,
    AuditEvent,
    GraphChange,
    Person,
    SideStatus,
    Tie,
    Visibility,
)
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
    make_tie,
)

pytestmark = pytest.mark.django_db


def contacts_of(person: Person) -> set[int]:
    """The ids of everyone ``person`` has a tie with."""
    return {
        b if a == person.pk else a
        for a, b in Tie.objects.involving(person).values_list("person_a_id", "person_b_id")
    }


def test_ties_of_the_removed_person_move_to_the_kept_person(admin_user):
    # given
    keep, remove = PersonFactory(), PersonFactory()
    x, y = PersonFactory(), PersonFactory()
    make_tie(remove, x)
    make_tie(remove, y)
    # when
    report = person_merge(by=admin_user.user, keep=keep, remove=remove)
    # then
    assert contacts_of(keep) == {x.pk, y.pk}
    assert report.ties_moved == 2
    assert not Person.objects.filter(pk=remove.pk).exists()
    assert Tie.objects.count() == 2


def test_tie_between_the_two_is_dropped_not_turned_into_a_self_tie(admin_user):
    keep, remove, x = PersonFactory(), PersonFactory(), PersonFactory()
    make_tie(keep, remove)
    make_tie(remove, x)

    report = person_merge(by=admin_user.user, keep=keep, remove=remove)

    assert report.ties_dropped == 1
    assert report.ties_moved == 1
    assert contacts_of(keep) == {x.pk}
    assert not Tie.objects.filter(person_a_id=keep.pk, person_b_id=keep.pk).exists()


def test_shared_contact_is_merged_into_one_tie_with_the_stronger_strength(admin_user):
    # given: both profiles know X; X rated the duplicate higher, the duplicate rated X higher
    keep, remove, x = PersonFactory(), PersonFactory(), PersonFactory()
    existing = make_tie(keep, x, strength=2, other_strength=3, context="")
    make_tie(remove, x, strength=5, other_strength=4, context="Food co-op board")
    # when
    report = person_merge(by=admin_user.user, keep=keep, remove=remove)
    # then: one tie remains, each side keeps its owner's stronger rating
    ties = list(Tie.objects.involving(x))
    assert len(ties) == 1
    tie = ties[0]
    assert tie.pk == existing.pk
    assert report.ties_merged == 1
    assert tie.strength_of(tie.side_of(keep)) == 5
    assert tie.strength_of(tie.side_of(x)) == 4
    assert tie.context == "Food co-op board"


def test_merged_tie_keeps_a_dispute_a_confirmation_and_any_refusal(admin_user):
    keep, remove, x = PersonFactory(), PersonFactory(), PersonFactory()
    existing = make_tie(keep, x, status=SideStatus.UNANSWERED, allows=None)
    duplicate = make_tie(remove, x, status=SideStatus.CONFIRMED, allows=True)
    # X disputes the tie with the duplicate and forbids it for introductions
    x_side = duplicate.side_of(x)
    setattr(duplicate, f"{x_side}_status", SideStatus.DISPUTED)
    setattr(duplicate, f"{x_side}_allows_introductions", False)
    duplicate.save()

    person_merge(by=admin_user.user, keep=keep, remove=remove)

    existing.refresh_from_db()
    keep_side, x_side = existing.side_of(keep), existing.side_of(x)
    assert existing.status_of(keep_side) == SideStatus.CONFIRMED
    assert existing.allows_introductions_of(keep_side) is True
    assert existing.status_of(x_side) == SideStatus.DISPUTED
    assert existing.allows_introductions_of(x_side) is False


def test_sides_swap_when_the_pair_order_flips(admin_user):
    # given: ids remove < x < keep, so remove-X is stored (remove, X) but keep-X is (X, keep)
    remove = PersonFactory(display_name="Remove Low")
    x = PersonFactory(display_name="Xavier Middle")
    keep = PersonFactory(display_name="Keep High")
    assert remove.pk < x.pk < keep.pk
    tie = make_tie(remove, x, strength=2, other_strength=5)
    tie.a_status, tie.b_status = SideStatus.CONFIRMED, SideStatus.DISPUTED
    tie.a_allows_introductions, tie.b_allows_introductions = True, False
    tie.a_visible_to_members, tie.b_visible_to_members = True, False
    tie.save()
    # when
    person_merge(by=admin_user.user, keep=keep, remove=remove)
    # then: the pair is stored (X, keep) and each side's answers stayed with their owner
    tie.refresh_from_db()
    assert (tie.person_a_id, tie.person_b_id) == (x.pk, keep.pk)
    assert (tie.a_strength, tie.a_status) == (5, SideStatus.DISPUTED)
    assert (tie.a_allows_introductions, tie.a_visible_to_members) == (False, False)
    assert (tie.b_strength, tie.b_status) == (2, SideStatus.CONFIRMED)
    assert (tie.b_allows_introductions, tie.b_visible_to_members) == (True, True)


def test_sides_stay_when_the_pair_order_does_not_flip(admin_user):
    keep, remove, x = PersonFactory(), PersonFactory(), PersonFactory()
    tie = make_tie(remove, x, strength=1, other_strength=4)

    person_merge(by=admin_user.user, keep=keep, remove=remove)

    tie.refresh_from_db()
    assert (tie.person_a_id, tie.person_b_id) == (keep.pk, x.pk)
    assert (tie.a_strength, tie.b_strength) == (1, 4)


def test_no_tie_of_a_third_person_is_lost(admin_user):
    # given: a small network around both duplicates
    keep, remove = PersonFactory(), PersonFactory()
    others = [PersonFactory() for _ in range(6)]
    make_tie(keep, remove)
    for person in others[:4]:
        make_tie(remove, person)
    for person in others[2:]:
        make_tie(keep, person)
    make_tie(others[0], others[5])
    before = {p.pk: contacts_of(p) for p in others}
    # when
    report = person_merge(by=admin_user.user, keep=keep, remove=remove)
    # then: every third person still knows the same people, with remove replaced by keep
    for person in others:
        expected = {keep.pk if pk == remove.pk else pk for pk in before[person.pk]}
        assert contacts_of(person) == expected
    assert contacts_of(keep) == {p.pk for p in others}
    assert (report.ties_moved, report.ties_merged, report.ties_dropped) == (2, 2, 1)
    assert Tie.objects.count() == 7


def test_interests_move_and_a_shared_cause_is_merged_into_one_row(admin_user):
    keep, remove = PersonFactory(), PersonFactory()
    housing, food = CauseFactory(name="Housing"), CauseFactory(name="Food")
    InterestFactory(person=keep, cause=housing, passion=2, offers="Spreadsheets", needs="")
    InterestFactory(person=remove, cause=housing, passion=5, offers="Legal advice", needs="Space")
    InterestFactory(person=remove, cause=food, passion=3)

    report = person_merge(by=admin_user.user, keep=keep, remove=remove)

    interests = {i.cause.name: i for i in Interest.objects.filter(person_id=keep.pk)}
    assert set(interests) == {"Housing", "Food"}
    assert interests["Housing"].passion == 5
    assert interests["Housing"].offers == "Spreadsheets; Legal advice"
    assert interests["Housing"].needs == "Space"
    assert (report.interests_moved, report.interests_merged) == (1, 1)
    assert Interest.objects.count() == 2


def test_affiliations_move_and_the_same_role_is_merged(admin_user):
    keep, remove = PersonFactory(), PersonFactory()
    coop, school = OrganizationFactory(), OrganizationFactory()
    AffiliationFactory(person=keep, organization=coop, role="Board", start=dt.date(2020, 1, 1))
    AffiliationFactory(
        person=remove,
        organization=coop,
        role="Board",
        start=dt.date(2018, 5, 1),
        end=dt.date(2021, 1, 1),
    )
    AffiliationFactory(person=remove, organization=school, role="Teacher")

    report = person_merge(by=admin_user.user, keep=keep, remove=remove)

    rows = list(Affiliation.objects.filter(person_id=keep.pk).order_by("organization_id"))
    assert [(a.organization_id, a.role) for a in rows] == [
        (coop.pk, "Board"),
        (school.pk, "Teacher"),
    ]
    board = rows[0]
    assert board.start == dt.date(2018, 5, 1)
    assert board.end is None  # still current on the kept profile
    assert (report.affiliations_moved, report.affiliations_merged) == (1, 1)


def test_do_not_introduce_lists_move_in_both_directions(admin_user):
    keep, remove = PersonFactory(), PersonFactory()
    avoided, avoider = PersonFactory(), PersonFactory()
    remove.do_not_introduce.add(avoided)
    avoider.do_not_introduce.add(remove)
    keep.do_not_introduce.add(remove)  # becomes a block of oneself: dropped

    report = person_merge(by=admin_user.user, keep=keep, remove=remove)

    assert set(keep.do_not_introduce.all()) == {avoided}
    assert set(avoider.do_not_introduce.all()) == {keep}
    assert report.do_not_introduce_moved == 2


def test_blank_fields_are_filled_the_login_moves_and_privacy_keeps_the_stricter_choice(
    admin_user,
):
    user = UserFactory(username="dup")
    keep = PersonFactory(headline="", phone="", visibility=Visibility.LISTED)
    remove = PersonFactory(
        user=user,
        headline="Tenant organizer",
        phone="555-0100",
        visibility=Visibility.HIDDEN,
        open_to_introductions=False,
    )

    report = person_merge(by=admin_user.user, keep=keep, remove=remove)

    keep.refresh_from_db()
    assert keep.headline == "Tenant organizer"
    assert keep.phone == "555-0100"
    assert keep.user == user
    assert keep.visibility == Visibility.HIDDEN
    assert keep.open_to_introductions is False
    assert report.login_moved
    assert "visibility" in report.privacy_tightened


def test_merge_writes_one_audit_event_with_both_people_and_the_report(admin_user):
    keep, remove, x = PersonFactory(), PersonFactory(display_name="Dupe"), PersonFactory()
    make_tie(remove, x)
    remove_public_id = str(remove.public_id)

    person_merge(by=admin_user.user, keep=keep, remove=remove)

    event = AuditEvent.objects.get(action="person.merge")
    assert event.actor == admin_user.user
    assert event.channel == AuditEvent.Channel.ADMIN
    assert event.object_id == str(keep.public_id)
    assert event.before["remove"]["public_id"] == remove_public_id
    assert event.before["remove"]["display_name"] == "Dupe"
    assert event.after["report"]["ties_moved"] == 1
    assert event.after["keep"]["merged_from"] == remove_public_id


@pytest.mark.parametrize("persona", ["member", "organizer"])
def test_only_staff_may_merge(request, persona):
    user = request.getfixturevalue(persona).user
    keep, remove, x = PersonFactory(), PersonFactory(), PersonFactory()
    make_tie(remove, x)

    with pytest.raises(NotAllowed):
        person_merge(by=user, keep=keep, remove=remove)

    assert Person.objects.filter(pk=remove.pk).exists()
    assert contacts_of(remove) == {x.pk}
    assert not AuditEvent.objects.filter(action="person.merge").exists()


def test_a_stranger_may_not_merge():
    keep, remove = PersonFactory(), PersonFactory()
    with pytest.raises(NotAllowed):
        person_merge(by=None, keep=keep, remove=remove)
    assert Person.objects.count() == 2


def test_a_person_cannot_be_merged_into_themself(admin_user):
    person = PersonFactory()
    with pytest.raises(DomainError, match="two different people"):
        person_merge(by=admin_user.user, keep=person, remove=person)
    assert Person.objects.filter(pk=person.pk).exists()


def test_merge_tells_the_path_graphs_to_rebuild(admin_user):
    keep, remove = PersonFactory(), PersonFactory()
    make_tie(remove, PersonFactory())
    person_merge(by=admin_user.user, keep=keep, remove=remove)
    assert GraphChange.objects.filter(kind=GraphChange.Kind.REBUILD).exists()

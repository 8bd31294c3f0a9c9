"""Visibility rules: each has a test in which the wrong persona sees nothing."""

from __future__ import annotations

import pytest

from people import selectors
from people.models import SideStatus
from people.roles import viewer_for
from tests.factories import PersonFactory, make_tie

pytestmark = pytest.mark.django_db


def visible_names(user) -> set[str]:
    return {p.display_name for p in selectors.person_list_visible_to(viewer=viewer_for(user))}


def test_stranger_sees_nobody(member, hidden_member, organizers_only_person):
    assert visible_names(None) == set()


def test_member_sees_listed_people_and_themself_only(
    member, other_member, hidden_member, organizers_only_person
):
    names = visible_names(member.user)
    assert names == {"Mina Member", "Omar Other"}


def test_organizer_also_sees_organizers_only_people_but_never_hidden(
    organizer, member, hidden_member, organizers_only_person
):
    names = visible_names(organizer.user)
    assert "Otto Organizers-Only" in names
    assert "Hana Hidden" not in names


def test_hidden_member_sees_themself(hidden_member, member):
    assert "Hana Hidden" in visible_names(hidden_member.user)


def test_staff_on_the_site_never_sees_hidden_people(admin_user, hidden_member):
    assert "Hana Hidden" not in visible_names(admin_user.user)


def test_member_sees_a_tie_only_when_both_sides_allow_members(member, other_member):
    third = PersonFactory(display_name="Tess Third")
    public = make_tie(other_member.person, third)
    private = make_tie(other_member.person, PersonFactory(display_name="Pia Private"))
    private.b_visible_to_members = False
    private.save()
    ties = set(selectors.tie_list_visible_to(viewer=viewer_for(member.user)))
    assert public in ties
    assert private not in ties


def test_disputed_tie_is_not_shown_to_members_but_to_organizers(member, other_member, organizer):
    third = PersonFactory()
    tie = make_tie(other_member.person, third)
    tie.a_status = SideStatus.DISPUTED
    tie.save()
    assert tie not in selectors.tie_list_visible_to(viewer=viewer_for(member.user))
    assert tie in selectors.tie_list_visible_to(viewer=viewer_for(organizer.user))


def test_tie_with_hidden_person_is_invisible_even_to_organizers(
    organizer, other_member, hidden_member
):
    tie = make_tie(other_member.person, hidden_member.person)
    assert tie not in selectors.tie_list_visible_to(viewer=viewer_for(organizer.user))
    # ... but the hidden person sees their own tie.
    assert tie in selectors.tie_list_visible_to(viewer=viewer_for(hidden_member.user))


def test_private_fields_only_for_the_person_and_staff(member, other_member, organizer, admin_user):
    person = member.person
    assert selectors.can_see_private_fields(viewer=viewer_for(member.user), person=person)
    assert selectors.can_see_private_fields(viewer=viewer_for(admin_user.user), person=person)
    assert not selectors.can_see_private_fields(viewer=viewer_for(other_member.user), person=person)
    assert not selectors.can_see_private_fields(viewer=viewer_for(organizer.user), person=person)

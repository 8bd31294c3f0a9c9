"""Invitation links: organizers and admins invite; a link works once, expires and can be
revoked; only a hash of the token is stored; every step is audited."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from people.accounts.services import invitation_create, token_hash
from people.models import AuditEvent, Invitation, Person, Visibility
from tests.factories import PersonFactory
from tests.security.accounts.conftest import logged_in_user_id

pytestmark = pytest.mark.django_db

STRONG = "lantern-orchard-42-quietly"
LIST = "/accounts/invitations/"


def _invite(persona: Any, email: str = "newcomer@example.org", person: Any = None) -> str:
    data = {"email": email}
    if person is not None:
        data["person"] = str(person.public_id)
    response = persona.client.post(reverse("accounts:invitations"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    match = re.search(r"https?://\S+/accounts/invite/(\S+)/", mail.outbox[-1].body)
    assert match is not None
    return match.group(1)


def _accept(client: Client, token: str, **data: str) -> Any:
    fields = {
        "username": "newcomer",
        "password1": STRONG,
        "password2": STRONG,
        "display_name": "Nia Newcomer",
    }
    fields.update(data)
    return client.post(reverse("accounts:invite_accept", kwargs={"token": token}), fields)


def test_the_url_is_the_one_in_the_brief() -> None:
    assert reverse("accounts:invite_accept", kwargs={"token": "abc"}) == "/accounts/invite/abc/"
    assert reverse("accounts:invitations") == LIST


def test_an_organizer_invites_by_email_with_a_link_from_site_url(
    organizer: Any, settings: Any
) -> None:
    settings.SITE_URL = "https://network.example.org"
    token = _invite(organizer)
    message = mail.outbox[-1]
    assert message.to == ["newcomer@example.org"]
    assert f"https://network.example.org/accounts/invite/{token}/" in message.body
    invitation = Invitation.objects.get()
    assert invitation.invited_by == organizer.user
    assert invitation.status == Invitation.Status.PENDING
    # only the hash is stored, nowhere the token itself
    assert invitation.token_hash == token_hash(token) != token
    for field in ("email", "token_hash"):
        assert token not in str(getattr(invitation, field))
    event = AuditEvent.objects.get(action="invitation.create")
    assert event.actor == organizer.user and event.object_id == str(invitation.public_id)
    assert token not in str(event.after) and "newcomer@example.org" not in str(event.after)
    page = organizer.client.get(LIST).content.decode()
    assert "newcomer@example.org" in page and "Waiting" in page


def test_the_link_expires_after_invitation_ttl_days(organizer: Any, settings: Any) -> None:
    settings.INVITATION_TTL_DAYS = 2
    _invite(organizer)
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == pytest.approx(
        dt.timedelta(days=2), abs=dt.timedelta(seconds=5)
    )


def test_an_admin_may_invite_too(admin_user: Any) -> None:
    _invite(admin_user)
    assert Invitation.objects.get().invited_by == admin_user.user


def test_members_are_refused_and_strangers_sent_to_log_in(
    member: Any, stranger: Any, organizer: Any
) -> None:
    assert member.client.get(LIST).status_code == 403
    assert member.client.post(LIST, {"email": "x@example.org"}).status_code == 403
    assert stranger.client.get(LIST)["Location"].startswith(reverse("login"))
    assert stranger.client.post(LIST, {"email": "x@example.org"}).status_code == 302
    assert not Invitation.objects.exists() and not mail.outbox
    _invite(organizer)
    invitation = Invitation.objects.get()
    revoke = reverse("accounts:invitation_revoke", kwargs={"public_id": invitation.public_id})
    assert member.client.post(revoke).status_code == 403
    assert stranger.client.post(revoke).status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.PENDING


def test_a_newcomer_chooses_username_and_password_and_is_logged_in(organizer: Any) -> None:
    token = _invite(organizer)
    newcomer = Client()
    page = newcomer.get(reverse("accounts:invite_accept", kwargs={"token": token}))
    assert page.status_code == 200 and "newcomer@example.org" in page.content.decode()
    response = _accept(newcomer, token)
    assert response.status_code == 302 and response["Location"] == reverse("people:me")
    user = get_user_model().objects.get(username="newcomer")
    assert logged_in_user_id(newcomer) == str(user.pk)
    assert user.check_password(STRONG) and user.email == "newcomer@example.org"
    person = Person.objects.get(user=user)
    assert person.display_name == "Nia Newcomer"
    assert person.visibility == Visibility.ORGANIZERS  # private until they choose otherwise
    invitation = Invitation.objects.get()
    assert invitation.status == Invitation.Status.ACCEPTED
    assert invitation.accepted_user == user and invitation.person == person
    event = AuditEvent.objects.get(action="invitation.accept")
    assert event.actor == user and event.object_id == str(invitation.public_id)


def test_an_invitation_for_a_recorded_person_gives_that_person_the_login(
    organizer: Any, organizers_only_person: Person
) -> None:
    token = _invite(organizer, person=organizers_only_person)
    newcomer = Client()
    page = newcomer.get(reverse("accounts:invite_accept", kwargs={"token": token}))
    assert 'name="display_name"' not in page.content.decode()
    assert _accept(newcomer, token, username="otto").status_code == 302
    organizers_only_person.refresh_from_db()
    assert organizers_only_person.user is not None
    assert organizers_only_person.user.username == "otto"
    assert Person.objects.filter(user__username="otto").count() == 1


def test_a_link_works_once(organizer: Any) -> None:
    token = _invite(organizer)
    assert _accept(Client(), token).status_code == 302
    again = _accept(Client(), token, username="someone-else")
    assert again.status_code == 410
    assert "already used" in again.content.decode()
    assert not get_user_model().objects.filter(username="someone-else").exists()
    assert (
        Client().get(reverse("accounts:invite_accept", kwargs={"token": token})).status_code == 410
    )


def test_an_expired_link_shows_a_clear_page(organizer: Any) -> None:
    token = _invite(organizer)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    response = _accept(Client(), token)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert not get_user_model().objects.filter(username="newcomer").exists()


def test_a_revoked_link_no_longer_works(organizer: Any) -> None:
    token = _invite(organizer)
    invitation = Invitation.objects.get()
    response = organizer.client.post(
        reverse("accounts:invitation_revoke", kwargs={"public_id": invitation.public_id})
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.REVOKED
    assert AuditEvent.objects.filter(action="invitation.revoke", actor=organizer.user).exists()
    refused = _accept(Client(), token)
    assert refused.status_code == 410 and "withdrawn" in refused.content.decode()


def test_a_used_invitation_cannot_be_revoked(organizer: Any) -> None:
    token = _invite(organizer)
    _accept(Client(), token)
    invitation = Invitation.objects.get()
    organizer.client.post(
        reverse("accounts:invitation_revoke", kwargs={"public_id": invitation.public_id})
    )
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED


def test_an_unknown_token_is_a_plain_404(db: None) -> None:
    response = Client().get(reverse("accounts:invite_accept", kwargs={"token": "made-up"}))
    assert response.status_code == 404
    assert "does not work" in response.content.decode()


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("short1", "This password is too short"),
        ("password123", "This password is too common"),
        ("84736251947362", "This password is entirely numeric"),
        ("newcomer@example", "too similar to the email address"),
    ],
)
def test_a_weak_password_is_refused_on_acceptance(
    organizer: Any, password: str, message: str
) -> None:
    token = _invite(organizer)
    response = _accept(Client(), token, password1=password, password2=password)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_a_taken_username_is_refused_and_the_link_stays_usable(organizer: Any, member: Any) -> None:
    token = _invite(organizer)
    response = _accept(Client(), token, username="MINA")
    assert response.status_code == 400
    assert "already exists" in response.content.decode()
    assert _accept(Client(), token).status_code == 302


def test_a_logged_in_visitor_does_not_use_up_the_link(organizer: Any, member: Any) -> None:
    token = _invite(organizer)
    assert _accept(member.client, token).status_code == 409
    assert Invitation.objects.get().status == Invitation.Status.PENDING


def test_only_people_the_organizer_sees_without_a_login_can_be_linked(
    organizer: Any, member: Any, hidden_member: Any
) -> None:
    hidden_no_login = PersonFactory(display_name="Hidden Hilda", visibility=Visibility.HIDDEN)
    page = organizer.client.get(LIST).content.decode()
    assert "Hidden Hilda" not in page and "Mina Member" not in page
    for person in (hidden_no_login, member.person):
        response = organizer.client.post(
            LIST, {"email": "x@example.org", "person": str(person.public_id)}
        )
        assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_the_list_does_not_name_a_person_who_became_hidden(
    organizer: Any, organizers_only_person: Person
) -> None:
    invitation_create(by=organizer.user, email="otto@example.org", person=organizers_only_person)
    assert "Otto Organizers-Only" in organizer.client.get(LIST).content.decode()
    Person.objects.filter(pk=organizers_only_person.pk).update(visibility=Visibility.HIDDEN)
    page = organizer.client.get(LIST).content.decode()
    assert "Otto Organizers-Only" not in page and "not visible to you" in page


def test_hostile_input_is_refused_without_a_500(organizer: Any) -> None:
    for email in ("<script>@x", "a\x00b@example.org", "x" * 300 + "@example.org"):
        assert organizer.client.post(LIST, {"email": email}).status_code == 400
    assert (
        organizer.client.post(LIST, {"email": "a@example.org", "person": "nope"}).status_code == 400
    )
    token = _invite(organizer)
    for username in ("bad name", "nul\x00", "x" * 200, "<b>"):
        assert _accept(Client(), token, username=username).status_code == 400
    assert _accept(Client(), token, display_name="Nia\x00").status_code == 400
    url = reverse("accounts:invite_accept", kwargs={"token": "x" * 5000})
    assert Client().get(url).status_code == 404


def test_the_profile_link_prefills_the_person_for_organizers_only(
    organizer: Any, member: Any, organizers_only_person: Person
) -> None:
    profile = reverse("people:profile", kwargs={"public_id": organizers_only_person.public_id})
    link = f"{LIST}?person={organizers_only_person.public_id}"
    assert link in organizer.client.get(profile).content.decode()
    page = organizer.client.get(link).content.decode()
    assert "Invite Otto Organizers-Only to log in" in page
    own_profile = reverse("people:profile", kwargs={"public_id": member.person.public_id})
    assert "to log in" not in organizer.client.get(own_profile).content.decode()  # has a login
    listed = PersonFactory(display_name="Lou Listed", visibility=Visibility.LISTED)
    listed_profile = reverse("people:profile", kwargs={"public_id": listed.public_id})
    assert "to log in" not in member.client.get(listed_profile).content.decode()


def test_a_prefilled_hidden_person_is_neither_named_nor_linked(organizer: Any) -> None:
    hidden = PersonFactory(display_name="Hidden Hilda", visibility=Visibility.HIDDEN)
    page = organizer.client.get(f"{LIST}?person={hidden.public_id}").content.decode()
    assert "Hidden Hilda" not in page
    response = organizer.client.post(
        LIST, {"email": "h@example.org", "person": str(hidden.public_id)}
    )
    assert response.status_code == 400
    assert "cannot be invited" in response.content.decode()
    assert "Hidden Hilda" not in response.content.decode()


def test_deleting_the_account_deletes_the_invitation_and_its_email(organizer: Any) -> None:
    token = _invite(organizer, email="nia.private@example.org")
    newcomer = Client()
    assert _accept(newcomer, token).status_code == 302
    done = newcomer.post(
        reverse("people:me_data_delete"), {"confirm": "DELETE", "password": STRONG}
    )
    assert done.status_code == 302
    assert not Invitation.objects.filter(email="nia.private@example.org").exists()
    assert not AuditEvent.objects.filter(after__icontains="nia.private").exists()

"""People, organizations, affiliations, ties, causes, interests, metrics and me: what each
persona reads, and writes going through the services (privacy, consent, constraints)."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from network_app.models import NetworkSnapshot
from people.models import AuditEvent, Person, Provenance, Tie, Visibility
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    OrganizationFactory,
    PersonFactory,
    make_tie,
)

pytestmark = pytest.mark.django_db


def api(persona) -> APIClient:
    client = APIClient()
    client.force_login(persona.user)
    return client


def ids(response) -> set[str]:
    return {row["id"] for row in response.json()["results"]}


# ---------------------------------------------------------------------------------------------
# People: reads


def test_people_list_follows_the_directorys_visibility(
    member, organizer, hidden_member, organizers_only_person
):
    listed = str(member.person.public_id)
    organizers_only = str(organizers_only_person.public_id)
    hidden = str(hidden_member.person.public_id)
    as_member = ids(api(member).get("/api/v1/people/"))
    as_organizer = ids(api(organizer).get("/api/v1/people/"))
    assert listed in as_member and organizers_only not in as_member and hidden not in as_member
    assert organizers_only in as_organizer and hidden not in as_organizer
    assert api(member).get(f"/api/v1/people/{organizers_only}/").status_code == 404
    assert api(organizer).get(f"/api/v1/people/{hidden}/").status_code == 404


def test_people_list_uses_the_directory_filters_and_refuses_bad_ones(member):
    PersonFactory(display_name="Eastsider", neighbourhood="Eastside", visibility="listed")
    PersonFactory(display_name="Westsider", neighbourhood="Westside", visibility="listed")
    response = api(member).get("/api/v1/people/", {"neighbourhood": "eastside"})
    assert [r["display_name"] for r in response.json()["results"]] == ["Eastsider"]
    bad = api(member).get("/api/v1/people/", {"sector": "pirates"})
    assert bad.status_code == 400
    assert "sector" in bad.json()["errors"]
    assert api(member).get("/api/v1/people/", {"ordering": "email"}).status_code == 400
    ordered = api(member).get("/api/v1/people/", {"ordering": "-display_name"}).json()
    names = [r["display_name"] for r in ordered["results"]]
    assert names == sorted(names, reverse=True)


def test_email_and_phone_show_only_to_the_person_and_admins(member, organizer, admin_user):
    Person.objects.filter(pk=member.person.pk).update(email="mina@example.org")
    url = f"/api/v1/people/{member.person.public_id}/"
    assert api(organizer).get(url).json()["email"] is None
    assert api(member).get(url).json()["email"] == "mina@example.org"
    assert api(admin_user).get(url).json()["email"] == "mina@example.org"
    # A member does not see another's privacy settings or external ids.
    other = api(organizer).get(url).json()
    assert other["visibility"] == "listed"
    seen_by_peer = PersonFactory(visibility="listed")
    peer = api(member).get(f"/api/v1/people/{seen_by_peer.public_id}/").json()
    assert peer["visibility"] is None and peer["external_id"] is None


def test_the_people_list_takes_a_fixed_number_of_queries(member, django_assert_max_num_queries):
    for _ in range(12):
        p = PersonFactory(visibility="listed")
        AffiliationFactory(person=p)
        InterestFactory(person=p)
    client = api(member)
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/people/")
    assert response.json()["count"] == 13


# ---------------------------------------------------------------------------------------------
# People: writes


def test_an_organizer_records_a_person_visible_to_organizers_only(organizer, member):
    response = api(organizer).post(
        "/api/v1/people/", {"display_name": "Amara", "neighbourhood": "Eastside"}, format="json"
    )
    assert response.status_code == 201
    person = Person.objects.get(public_id=response.json()["id"])
    assert person.visibility == Visibility.ORGANIZERS and person.user is None
    assert AuditEvent.objects.filter(action="person.create", channel="api").exists()
    assert api(member).get(f"/api/v1/people/{person.public_id}/").status_code == 404


def test_nobody_is_listed_for_members_without_their_own_consent(organizer):
    response = api(organizer).post(
        "/api/v1/people/", {"display_name": "Amara", "visibility": "listed"}, format="json"
    )
    assert response.status_code == 400
    assert "visibility" in response.json()["errors"]
    assert not Person.objects.filter(display_name="Amara").exists()


def test_a_member_cannot_record_other_people(member):
    response = api(member).post("/api/v1/people/", {"display_name": "X"}, format="json")
    assert response.status_code == 403
    assert not Person.objects.filter(display_name="X").exists()


def test_upserting_by_external_id_twice_changes_one_row(organizer):
    client = api(organizer)
    url = "/api/v1/people/external/eventhub/att-1/"
    first = client.put(url, {"display_name": "Amara", "city": "Riverton"}, format="json")
    second = client.put(url, {"display_name": "Amara O.", "city": "Riverton"}, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Person.objects.filter(external_source="eventhub", external_id="att-1").count() == 1
    assert client.get(url).json()["display_name"] == "Amara O."
    # POST with the external fields is the same upsert.
    again = client.post(
        "/api/v1/people/",
        {"display_name": "Amara", "external_source": "eventhub", "external_id": "att-1"},
        format="json",
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]


def test_an_external_id_held_by_a_hidden_person_is_a_conflict_that_names_nobody(
    organizer, hidden_member
):
    Person.objects.filter(pk=hidden_member.person.pk).update(
        external_source="crm", external_id="h-1"
    )
    response = api(organizer).put(
        "/api/v1/people/external/crm/h-1/", {"display_name": "Guess"}, format="json"
    )
    assert response.status_code == 409
    assert "Hana" not in response.content.decode()
    hidden_member.person.refresh_from_db()
    assert hidden_member.person.display_name == "Hana Hidden"
    assert api(organizer).get("/api/v1/people/external/crm/h-1/").status_code == 404


def test_people_with_an_account_keep_their_own_profile(organizer, member):
    url = f"/api/v1/people/{member.person.public_id}/"
    refused = api(organizer).patch(url, {"headline": "Changed"}, format="json")
    assert refused.status_code == 403
    mine = api(member).patch(url, {"headline": "Mine"}, format="json")
    assert mine.status_code == 200 and mine.json()["headline"] == "Mine"
    recorded = PersonFactory(visibility="organizers")
    ok = api(organizer).patch(
        f"/api/v1/people/{recorded.public_id}/", {"headline": "Tenant organizer"}, format="json"
    )
    assert ok.status_code == 200 and ok.json()["headline"] == "Tenant organizer"


# ---------------------------------------------------------------------------------------------
# Ties


def test_a_members_own_tie_with_a_hidden_person_never_names_them(member, hidden_member):
    make_tie(member.person, hidden_member.person)
    response = api(member).get("/api/v1/ties/")
    assert response.json()["count"] == 0
    assert str(hidden_member.person.public_id) not in response.content.decode()


def test_members_see_ties_both_sides_share_and_organizers_see_the_sides(
    member, other_member, organizer
):
    shared = make_tie(member.person, other_member.person, visible=True)
    third = PersonFactory(visibility="listed")
    private = make_tie(other_member.person, third, visible=False)
    as_member = ids(api(member).get("/api/v1/ties/"))
    assert str(shared.public_id) in as_member and str(private.public_id) not in as_member
    body = api(organizer).get(f"/api/v1/ties/{private.public_id}/").json()
    assert body["sides"] is not None and len(body["sides"]) == 2
    peer_view = api(member).get(f"/api/v1/ties/{private.public_id}/")
    assert peer_view.status_code == 404


def test_an_organizer_records_a_tie_once_per_pair_as_a_partner(organizer, member, other_member):
    client = api(organizer)
    body = {
        "person": str(member.person.public_id),
        "other": str(other_member.person.public_id),
        "strength": 3,
        "kind": "met_at_event",
        "external_source": "eventhub",
        "external_id": "meet-1",
    }
    first = client.post("/api/v1/ties/", body, format="json")
    second = client.post("/api/v1/ties/", body, format="json")
    assert (first.status_code, second.status_code) == (201, 200)
    tie = Tie.objects.get()
    assert tie.provenance == Provenance.PARTNER
    assert (tie.external_source, tie.external_id) == ("eventhub", "meet-1")
    put = client.put("/api/v1/ties/external/eventhub/meet-1/", body, format="json")
    assert put.status_code == 200 and put.json()["id"] == first.json()["id"]
    assert Tie.objects.count() == 1


def test_an_external_tie_id_cannot_be_moved_to_another_pair(organizer, member, other_member):
    third = PersonFactory(visibility="listed")
    client = api(organizer)
    url = "/api/v1/ties/external/crm/t-1/"
    pair = {"person": str(member.person.public_id), "other": str(other_member.person.public_id)}
    assert client.put(url, {**pair, "strength": 2}, format="json").status_code == 201
    moved = {"person": str(member.person.public_id), "other": str(third.public_id)}
    response = client.put(url, {**moved, "strength": 2}, format="json")
    assert response.status_code == 400
    assert Tie.objects.count() == 1


def test_a_member_records_only_their_own_ties(member, other_member):
    third = PersonFactory(visibility="listed")
    client = api(member)
    mine = client.post(
        "/api/v1/ties/",
        {"person": str(member.person.public_id), "other": str(third.public_id), "strength": 4},
        format="json",
    )
    assert mine.status_code == 201
    theirs = client.post(
        "/api/v1/ties/",
        {
            "person": str(other_member.person.public_id),
            "other": str(third.public_id),
            "strength": 4,
        },
        format="json",
    )
    assert theirs.status_code == 403


def test_recording_a_tie_with_someone_hidden_is_refused_without_naming_them(
    organizer, member, hidden_member
):
    response = api(organizer).post(
        "/api/v1/ties/",
        {
            "person": str(member.person.public_id),
            "other": str(hidden_member.person.public_id),
            "strength": 3,
        },
        format="json",
    )
    assert response.status_code == 400
    assert "other" in response.json()["errors"]
    assert not Tie.objects.exists()


def test_only_the_people_in_a_tie_change_their_side(member, other_member, organizer):
    tie = make_tie(member.person, other_member.person)
    body = {
        "strength": 5,
        "status": "confirmed",
        "allows_introductions": False,
        "visible_to_members": True,
    }
    ok = api(member).post(f"/api/v1/ties/{tie.public_id}/side/", body, format="json")
    assert ok.status_code == 200
    tie.refresh_from_db()
    assert tie.strength_of(tie.side_of(member.person)) == 5
    refused = api(organizer).post(f"/api/v1/ties/{tie.public_id}/side/", body, format="json")
    assert refused.status_code == 404


# ---------------------------------------------------------------------------------------------
# Organizations, affiliations, causes, interests


def test_an_organization_known_only_through_hidden_people_stays_unknown(member, hidden_member):
    secret = OrganizationFactory(name="Secret Co-op")
    AffiliationFactory(person=hidden_member.person, organization=secret)
    public = OrganizationFactory(name="Open Co-op")
    AffiliationFactory(person=member.person, organization=public)
    client = api(member)
    names = [o["name"] for o in client.get("/api/v1/organizations/").json()["results"]]
    assert names == ["Open Co-op"]
    assert client.get(f"/api/v1/organizations/{secret.public_id}/").status_code == 404
    affiliations = client.get("/api/v1/affiliations/").json()["results"]
    assert [a["organization"] for a in affiliations] == [str(public.public_id)]
    assert client.get("/api/v1/affiliations/", {"person": "nope"}).status_code == 400


def test_causes_are_public_and_interests_follow_visibility(member, hidden_member):
    housing = CauseFactory(name="Housing", slug="housing")
    InterestFactory(person=member.person, cause=housing, passion=5)
    InterestFactory(person=hidden_member.person, cause=housing, passion=5)
    client = api(member)
    assert client.get("/api/v1/causes/housing/").json()["name"] == "Housing"
    assert client.get("/api/v1/causes/nope/").status_code == 404
    interests = client.get("/api/v1/interests/", {"cause": "housing"}).json()["results"]
    assert [i["person"] for i in interests] == [str(member.person.public_id)]


# ---------------------------------------------------------------------------------------------
# Metrics and me


def test_only_organizers_read_the_latest_metrics(member, organizer):
    assert api(member).get("/api/v1/metrics/latest/").status_code == 403
    assert api(organizer).get("/api/v1/metrics/latest/").status_code == 404
    NetworkSnapshot.objects.create(
        status=NetworkSnapshot.Status.DONE, finished_at=timezone.now(), people=12, ties=30
    )
    body = api(organizer).get("/api/v1/metrics/latest/").json()
    assert (body["people"], body["ties"]) == (12, 30)


def test_me_describes_the_session_user(member, stranger):
    body = api(member).get("/api/v1/me/").json()
    assert body["username"] == member.user.username
    assert body["person"]["id"] == str(member.person.public_id)
    assert body["api_key"] is None
    assert stranger.client.get("/api/v1/me/").status_code == 403


def test_the_docs_are_self_hosted_and_the_schema_lists_every_scope(member):
    docs = member.client.get("/api/v1/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn" not in html.lower() and "/static/" in html
    schema = member.client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    assert "/api/v1/people/sync/" in schema["paths"]
    from network_app.apikeys import SCOPES

    for scope in SCOPES:
        assert f"`{scope}`" in schema["info"]["description"]
    operation = schema["paths"]["/api/v1/ties/"]["post"]
    assert operation["x-required-scope"] == "ties:write"
    assert {"400", "401", "403", "429"} <= set(operation["responses"])


def test_nul_characters_are_refused_before_they_reach_the_database(organizer):
    client = api(organizer)
    assert client.get("/api/v1/people/", {"q": "a\x00b"}).status_code == 400
    response = client.post("/api/v1/people/", {"display_name": "A\x00B"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert client.get("/api/v1/people/external/crm/a%00b/").status_code == 404
    assert not Person.objects.filter(display_name__startswith="A").exists()

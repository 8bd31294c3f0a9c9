"""The introductions API: create three ways, list by role and state, take steps, and the
refusals in the one error shape."""

from __future__ import annotations

import pytest
from django.urls import reverse

from people.models import Introduction, PathSearch
from people.paths import path_search_start
from tests.people import introductions_fixtures

pytestmark = pytest.mark.django_db
chain = introductions_fixtures.chain
eager_celery = introductions_fixtures.eager_celery

LIST = reverse("api:introduction-list")


def step_url(intro_id: str, action: str) -> str:
    return f"{LIST}{intro_id}/{action}/"


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


@pytest.fixture
def created(chain) -> dict:
    response = post(
        chain["requester"].client,
        LIST,
        {
            "message": "Tenant clinics",
            "target": str(chain["target"].person.public_id),
            "broker": str(chain["broker"].person.public_id),
        },
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_from_a_path_search_result(chain, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        search = path_search_start(by=chain["requester"].user, target=chain["target"].person)
    search.refresh_from_db()
    assert search.status == PathSearch.Status.DONE
    response = post(
        chain["requester"].client,
        LIST,
        {"message": "From the card", "path_search": str(search.public_id), "path_index": 0},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["state"] == "requested"
    assert body["role"] == "requester"
    assert body["broker"] == str(chain["broker"].person.public_id)
    assert Introduction.objects.get().path_search == search


def test_create_from_an_explicit_path(chain):
    ids = [str(p.public_id) for p in chain["long"]]
    response = post(chain["requester"].client, LIST, {"message": "Explicit", "path": ids})
    assert response.status_code == 201
    body = response.json()
    assert [hop["role"] for hop in body["chain"]] == [
        "requester",
        "intermediary",
        "intermediary",
        "target",
    ]
    assert body["chain"][2]["id"] is None  # masked for the requester
    assert body["actions"] == ["withdraw"]


def test_create_from_a_weaving_suggestion(created, chain):
    assert created["chain"][1]["name"] == "Bea Broker"
    assert created["waiting_on_you"] is False


@pytest.mark.parametrize(
    "data, field",
    [
        ({"message": "x"}, "non_field_errors"),
        ({"message": "", "target": "00000000-0000-0000-0000-000000000000"}, "message"),
        (
            {
                "message": "x",
                "target": "00000000-0000-0000-0000-000000000000",
                "broker": "00000000-0000-0000-0000-000000000000",
            },
            "target",
        ),
        ({"message": "x", "path_search": "00000000-0000-0000-0000-000000000000"}, "path_index"),
        ({"message": "x", "path": ["nope"]}, "path"),
    ],
)
def test_create_refuses_bad_input_with_field_errors(chain, data, field):
    response = post(chain["requester"].client, LIST, data)
    assert response.status_code == 400
    body = response.json()
    assert body["code"] in ("invalid", "invalid_state")
    assert field in body["errors"], body


def test_create_refused_by_consent_uses_the_error_shape(chain):
    target = chain["target"].person
    target.do_not_contact = True
    target.save()
    response = post(
        chain["requester"].client,
        LIST,
        {
            "message": "Hi",
            "target": str(target.public_id),
            "broker": str(chain["broker"].person.public_id),
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "message": "Tara Target is not taking introductions right now.",
        "errors": {"target": ["Tara Target is not taking introductions right now."]},
    }


def test_list_by_role_and_state(created, chain):
    broker = chain["broker"].client
    assert [i["id"] for i in broker.get(LIST + "?role=broker").json()["results"]] == [created["id"]]
    assert broker.get(LIST + "?role=requester").json()["results"] == []
    assert broker.get(LIST + "?role=broker&state=made").json()["results"] == []
    mine = chain["requester"].client.get(LIST + "?role=requester&state=requested").json()
    assert mine["count"] == 1
    assert chain["target"].client.get(LIST).json()["count"] == 0


@pytest.mark.parametrize("query", ["?role=boss", "?state=lost"])
def test_list_refuses_unknown_filters(created, chain, query):
    response = chain["requester"].client.get(LIST + query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_the_full_flow_through_the_api(created, chain):
    intro_id = created["id"]
    body = post(chain["broker"].client, step_url(intro_id, "accept")).json()
    assert body["state"] == "accepted_by_broker"
    body = post(chain["target"].client, step_url(intro_id, "accept")).json()
    assert body["state"] == "accepted_by_target"
    body = post(chain["broker"].client, step_url(intro_id, "accept")).json()
    assert body["state"] == "made"
    response = post(
        chain["requester"].client,
        step_url(intro_id, "record-outcome"),
        {"met": True, "rating": 5, "note": "Thank you"},
    )
    assert response.status_code == 200
    assert response.json()["actions"] == ["record-outcome"]
    intro = Introduction.objects.get()
    assert (intro.requester_met, intro.requester_rating) == (True, 5)


def test_forward_and_decline_through_the_api(chain):
    ids = [str(p.public_id) for p in chain["long"]]
    intro_id = post(chain["requester"].client, LIST, {"message": "Long", "path": ids}).json()["id"]
    assert post(chain["broker"].client, step_url(intro_id, "forward")).status_code == 200
    response = post(chain["bridge"].client, step_url(intro_id, "decline"), {"reason": "No"})
    assert response.status_code == 200
    assert response.json()["state"] == "declined_by_broker"
    # the requester reads only "declined"
    body = chain["requester"].client.get(f"{LIST}{intro_id}/").json()
    assert body["state"] == "declined"
    assert "Ben Bridge" not in str(body)


def test_withdraw_through_the_api(created, chain):
    response = post(chain["requester"].client, step_url(created["id"], "withdraw"))
    assert response.json()["state"] == "withdrawn"


def test_the_wrong_person_gets_403_and_outsiders_404(created, chain, other_member, organizer):
    intro_id = created["id"]
    response = post(chain["requester"].client, step_url(intro_id, "accept"))
    assert response.status_code == 403
    assert response.json()["code"] == "not_allowed"
    assert post(organizer.client, step_url(intro_id, "accept")).status_code == 403
    assert post(other_member.client, step_url(intro_id, "accept")).status_code == 404
    assert other_member.client.get(f"{LIST}{intro_id}/").status_code == 404
    assert post(chain["target"].client, step_url(intro_id, "decline")).status_code == 404


def test_a_wrong_state_step_is_400(created, chain):
    post(chain["requester"].client, step_url(created["id"], "withdraw"))
    response = post(chain["broker"].client, step_url(created["id"], "accept"))
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_state"


def test_an_invalid_outcome_is_400_with_field_errors(created, chain):
    response = post(
        chain["requester"].client, step_url(created["id"], "record-outcome"), {"rating": 9}
    )
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"met", "rating"}


def test_organizers_and_staff_see_every_introduction(created, organizer, admin_user):
    assert organizer.client.get(LIST).json()["count"] == 1
    assert admin_user.client.get(f"{LIST}{created['id']}/").status_code == 200


def test_strangers_get_403(stranger, created):
    assert stranger.client.get(LIST).status_code == 403


def test_no_400_for_a_malformed_id_but_404(chain):
    assert chain["requester"].client.get(f"{LIST}not-a-uuid/").status_code == 404


def test_the_list_runs_a_fixed_number_of_queries(chain, organizer, django_assert_max_num_queries):
    from people.introductions import introduction_request

    for i in range(6):
        other = introductions_fixtures.make_member(f"asker{i}", f"Asker {i}")
        introductions_fixtures.make_tie(other.person, chain["broker"].person, strength=4)
        chain["broker"].person.monthly_intro_capacity = 50
        chain["broker"].person.save()
        introduction_request(
            by=other.user,
            target=chain["target"].person,
            broker=chain["broker"].person,
            message=f"Hello {i}",
        )
    organizer.client.get(LIST)  # warm the session and the viewer lookups
    with django_assert_max_num_queries(12):
        body = organizer.client.get(LIST).json()
    assert body["count"] == 6

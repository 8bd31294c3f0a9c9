"""The suggestion models in the admin: listed for staff, never editable by hand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from causes.models import Cause
from tests.factories import CauseFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("model", ["suggestionrun", "groupsuggestion", "weavingsuggestion"])
def test_staff_can_list_suggestions_but_not_add_them(admin_user, member, model):
    changelist = reverse(f"admin:causes_{model}_changelist")
    assert admin_user.client.get(changelist).status_code == 200
    assert admin_user.client.get(changelist, {"q": "Ana"}).status_code == 200
    assert admin_user.client.get(reverse(f"admin:causes_{model}_add")).status_code == 403
    assert member.client.get(changelist).status_code == 302  # to the admin login


@pytest.mark.parametrize("slug", ["groups", "weaving", "runs"])
def test_a_cause_cannot_take_the_slug_of_a_page(admin_user, slug):
    response = admin_user.client.post(
        reverse("admin:causes_cause_add"), {"name": f"Cause {slug}", "slug": slug}
    )
    assert response.status_code == 200  # the form again, with an error
    assert "taken by a page" in response.content.decode()
    assert not Cause.objects.filter(slug=slug).exists()
    assert CauseFactory(slug="groups-and-gardens").pk  # a longer slug is fine

"""Races on PostgreSQL (two connections at once): one invitation makes one account, and one
username goes to one newcomer; the loser gets a clear answer, never a 500.

SQLite's in-memory test database locks whole tables across connections, so these run in CI's
PostgreSQL pass only."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from people.accounts.services import InvitationUnusable, invitation_accept, invitation_create
from people.errors import DomainError
from people.models import Invitation

pytestmark = pytest.mark.django_db(transaction=True)

STRONG = "lantern-orchard-42-quietly"


def _at_once(*calls: Any) -> list[Any]:
    """Run the calls in threads released together; return each result or exception."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Any) -> None:
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.fixture(autouse=True)
def _postgresql_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs two concurrent connections (runs in CI's PostgreSQL pass)")


def test_two_tabs_accepting_one_invitation_make_one_account(organizer: Any) -> None:
    _invitation, token = invitation_create(by=organizer.user, email="nia@example.org")
    results = _at_once(
        lambda: invitation_accept(token=token, username="nia", password=STRONG),
        lambda: invitation_accept(token=token, username="nia2", password=STRONG),
    )
    winners = [r for r in results if isinstance(r, tuple)]
    losers = [r for r in results if isinstance(r, InvitationUnusable)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].reason == Invitation.Status.ACCEPTED
    assert get_user_model().objects.filter(username__in=["nia", "nia2"]).count() == 1


def test_two_newcomers_choosing_one_username_at_once(organizer: Any) -> None:
    _a, token_a = invitation_create(by=organizer.user, email="a@example.org")
    _b, token_b = invitation_create(by=organizer.user, email="b@example.org")
    results = _at_once(
        lambda: invitation_accept(token=token_a, username="sam", password=STRONG),
        lambda: invitation_accept(token=token_b, username="sam", password=STRONG),
    )
    winners = [r for r in results if isinstance(r, tuple)]
    losers = [r for r in results if isinstance(r, DomainError)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].field == "username"
    assert Invitation.objects.filter(accepted_at__isnull=True).count() == 1

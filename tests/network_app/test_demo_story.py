"""The demo network's introduction story: member -> broker -> target, checked independently."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.http import HttpRequest
from django.test import Client

from network_app.graph import brute_force_paths
from people.models import Person, Tie
from people.resident_graph import build_graph

pytestmark = pytest.mark.django_db


def test_demo_has_broker_and_target_logins_on_the_members_best_path(capsys):
    # given a small demo network
    call_command("seed_demo", people=300, seed=3)
    printed = capsys.readouterr().out
    member = Person.objects.get(user__username="member")
    broker = Person.objects.get(user__username="broker")
    target = Person.objects.get(user__username="target")
    # then the logins are printed and work
    assert "broker" in printed and "target" in printed
    client = Client()
    assert client.login(request=HttpRequest(), username="target", password="smallbatch-demo")
    # the member does not know the target, knows the broker
    assert not Tie.objects.between(member, target).exists()
    assert Tie.objects.between(member, broker).exists()
    # and the best path (by the brute-force oracle, not the engine) goes through the broker
    G, _ = build_graph()
    best = brute_force_paths(G, member.pk, target.pk)[0]
    assert best.people == (member.pk, broker.pk, target.pk)
    assert target.open_to_introductions and broker.open_to_introductions

"""Demo logins for the introduction story: a broker and a target for the demo member.

So that a newcomer can walk the whole loop on the demo network (the member finds a path, asks
the broker, the broker and the target accept in their inboxes), two more people get logins:

- ``broker``: the member's strongest contact who may relay introductions;
- ``target``: someone the member does not know, whose best path from the member goes through
  the broker, and who accepts introductions.

Chosen on the real data with the path engine, after the bulk load; only for networks up to
``STORY_MAX_PEOPLE`` (building the graph is pointless work for benchmark-sized loads).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from network_app.graph import GraphError, best_paths, usable_strength
from people.models import Person, Visibility
from people.resident_graph import build_graph

STORY_MAX_PEOPLE = 20_000


def pick_story(member: Person) -> tuple[Person, Person] | None:
    """The (broker, target) pair for ``member``, or None when the network has none."""
    G, _ = build_graph()
    if member.pk not in G:
        return None
    listed = set(
        Person.objects.filter(
            visibility=Visibility.LISTED,
            user__isnull=True,
            open_to_introductions=True,
            do_not_contact=False,
        ).values_list("pk", flat=True)
    )
    contacts = sorted(
        (
            (strength, -b)
            for b in G.adj[member.pk]
            if b in listed
            and G.nodes[b]["state"].intermediary
            and (strength := usable_strength(G, member.pk, b)) is not None
        ),
        reverse=True,
    )
    for _, negative in contacts:
        broker = -negative
        for target in sorted(G.adj[broker]):
            if target == member.pk or target not in listed or target in G.adj[member.pk]:
                continue
            try:
                path = best_paths(G, member.pk, target, k=1)[0]
            except GraphError:
                continue
            if path.people == (member.pk, broker, target):
                return Person.objects.get(pk=broker), Person.objects.get(pk=target)
    return None


def link_story_logins(*, member: Person, hashed_password: str) -> dict[str, Person]:
    """Create the ``broker`` and ``target`` logins (when the network has such a pair and the
    usernames are free) and link them to their people. Returns the people by username."""
    picked = pick_story(member)
    if picked is None:
        return {}
    user_model = get_user_model()
    linked: dict[str, Person] = {}
    for username, person in zip(("broker", "target"), picked, strict=True):
        if user_model.objects.filter(username=username).exists():
            continue
        user: Any = user_model.objects.create(
            username=username, email=f"{username}@example.org", password=hashed_password
        )
        Person.objects.filter(pk=person.pk).update(user=user)
        linked[username] = person
    return linked

"""Seeds the fault tests' private database (run by the harness as ``python -m
tests.faults.seed`` with the stack's environment) and prints what the tests need as JSON.

A member (Wanda) and an organizer (Vera) both know Bruno, who knows Tomas: each can search a
path to Tomas. The organizer's API key can run searches, read people, record ties and manage
webhooks.
"""

from __future__ import annotations

import json
import os
import secrets

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "network_app.settings")
    django.setup()

    from django.test import Client

    from network_app.apikeys.services import api_key_create
    from people import graph_log
    from people.roles import make_organizer
    from tests.factories import PersonFactory, UserFactory, make_tie

    walker = UserFactory(username="walker")
    wanda = PersonFactory(display_name="Wanda Walker", user=walker)
    weaver = UserFactory(username="weaver")
    vera = PersonFactory(display_name="Vera Weaver", user=weaver)
    make_organizer(weaver)
    bruno = PersonFactory(display_name="Bruno Broker")
    tomas = PersonFactory(display_name="Tomas Target")
    olive = PersonFactory(display_name="Olive Outsider")  # on nobody's path
    make_tie(wanda, bruno, strength=5)
    make_tie(vera, bruno, strength=4)
    make_tie(bruno, tomas, strength=3)
    graph_log.note_rebuild()  # factories wrote the ties: resident graphs rebuild
    _, token = api_key_create(
        by=weaver,
        name="fault tests",
        scopes=["paths:run", "people:read", "ties:read", "ties:write", "webhooks:manage"],
    )
    client = Client()
    client.force_login(walker)
    organizer = Client()
    organizer.force_login(weaver)
    print(
        json.dumps(
            {
                "member_session": client.cookies["sessionid"].value,
                "organizer_session": organizer.cookies["sessionid"].value,
                "csrf": secrets.token_hex(16),
                "token": token,
                "target": str(tomas.public_id),
                "people": {
                    "wanda": str(wanda.public_id),
                    "vera": str(vera.public_id),
                    "bruno": str(bruno.public_id),
                    "tomas": str(tomas.public_id),
                    "olive": str(olive.public_id),
                },
            }
        )
    )


if __name__ == "__main__":
    main()

"""One small network holding every kind of object the authorization matrix is about.

Personas (each with a logged-in client):

- ``stranger``: not logged in;
- ``member``: Mina, a listed member (the person themself for her own profile, ties, requests);
- ``other_member``: Omar, another listed member (broker of both introductions);
- ``hidden_self``: Hana, a hidden member (the person themself for the hidden person);
- ``organizer``: Olga, in the Organizers group, with a listed person;
- ``admin``: Ada, staff and superuser, no person.

People: Lina (listed, with a login, not a persona), Pia and Tara (listed, no login), Otto
(organizers only) and Hana (hidden). Ties: confirmed Mina-Omar and Omar-Lina; a private tie
Lina-Pia (Lina does not let members see it); a disputed tie Olga-Pia; Mina-Hana, Hana-Lina
and Hana-Tara (hidden end); Mina-Otto and Otto-Tara.

Introductions: Mina asks Omar for Lina; Lina asks Omar for Mina and Omar passed it on (so
Mina, the target, has been reached). Groups: Mina, Omar and Lina; and one that includes Hana
(shown to nobody). Weaving: Mina and Lina through Omar; Mina and Tara through Hana (shown to
nobody). Mina's path search to Tara: Hana (hidden) is never a hop; Otto (organizers only) is
one, masked for members.

The hidden person, her ties and the private and disputed ties carry marker strings in every
field (``World.hidden_markers`` and ``World.private_tie_markers``: lower case letters, so no
escaping changes them) for the leak checks.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.test import Client
from django.utils import timezone

from causes.models import GroupMember, GroupSuggestion, SuggestionRun, WeavingSuggestion
from network_app.apikeys import SCOPES
from network_app.apikeys.services import api_key_create, api_key_revoke
from network_app.dashboard import snapshot_compute, snapshot_request
from network_app.models import ApiKey, Webhook
from people.introductions.services import introduction_accept, introduction_request
from people.models import ImportJob, Person, SideStatus, Tie, Visibility
from people.paths import path_search_execute, path_search_start
from people.roles import make_organizer
from tests.factories import (
    AffiliationFactory,
    CauseFactory,
    InterestFactory,
    OrganizationFactory,
    PersonFactory,
    UserFactory,
    make_tie,
)

PERSONAS = ("stranger", "member", "other_member", "hidden_self", "organizer", "admin")

# Every field of the hidden person (and of what hangs off her) carries one of these.
HIDDEN_FIELDS = {
    "display_name": "Hana Zqhname",
    "pronouns": "zqhpronouns",
    "headline": "zqhheadline",
    "bio": "zqhbio",
    "city": "Zqhcity",
    "neighbourhood": "Zqhneighbourhood",
    "skills": ["zqhskill"],
    "email": "zqhemail@example.org",
    "phone": "zqhphone",
    "external_source": "zqhsource",
    "external_id": "zqhexternalid",
}
HIDDEN_TEXT_MARKERS = (
    "zqhname",
    "zqhpronouns",
    "zqhheadline",
    "zqhbio",
    "zqhcity",
    "zqhneighbourhood",
    "zqhskill",
    "zqhemail",
    "zqhphone",
    "zqhsource",
    "zqhexternalid",
    "zqhuseremail",  # her login's email
    "zqhorganization",  # an organization only she belongs to
    "zqhrole",
    "zqhoffers",  # her interest's notes
    "zqhneeds",
    "zqhtiecontext",  # her ties' contexts and external ids
    "zqhtieexternal",
    "zqhgroupnote",  # a group and a weaving suggestion naming her
)
PRIVATE_TIE_TEXT_MARKERS = (
    "zqpcontext",
    "zqpsource",
    "zqpexternal",
    "zqdcontext",  # the disputed tie
    "zqdexternal",
)


@dataclass
class World:
    users: dict[str, Any]
    clients: dict[str, Client]
    people: dict[str, Person]
    ties: dict[str, Tie]
    objects: dict[str, Any]
    tokens: dict[str, str]
    values: dict[str, str] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)  # value key -> a name shown for it
    hidden_markers: tuple[str, ...] = ()
    private_tie_markers: tuple[str, ...] = ()

    def value(self, key: str) -> str:
        return self.values[key]


def _login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _person(username: str, display_name: str, **fields: Any) -> tuple[Any, Person]:
    user = UserFactory(username=username)
    return user, PersonFactory(user=user, display_name=display_name, **fields)


def build_world() -> World:
    users: dict[str, Any] = {}
    people: dict[str, Person] = {}
    users["member"], people["mina"] = _person("mina", "Mina Member", neighbourhood="Old Mill")
    users["other_member"], people["omar"] = _person("omar", "Omar Other")
    users["organizer"], people["olga"] = _person("olga", "Olga Organizer")
    make_organizer(users["organizer"])
    users["hidden_self"] = UserFactory(username="hana", email="zqhuseremail@example.org")
    people["hana"] = PersonFactory.create(
        user=users["hidden_self"], visibility=Visibility.HIDDEN, **HIDDEN_FIELDS
    )
    users["admin"] = UserFactory(username="ada", is_staff=True, is_superuser=True)
    users["lina"], people["lina"] = _person("lina", "Lina Listed")
    people["pia"] = PersonFactory.create(display_name="Pia Private-Tie")
    people["tara"] = PersonFactory.create(display_name="Tara Target")
    people["otto"] = PersonFactory.create(
        display_name="Otto Organizers-Only", visibility=Visibility.ORGANIZERS
    )
    clients = {"stranger": Client()}
    for persona in PERSONAS[1:]:
        clients[persona] = _login(users[persona])

    hana, mina, omar, lina, pia, tara, olga = (
        people[k] for k in ("hana", "mina", "omar", "lina", "pia", "tara", "olga")
    )
    organization = OrganizationFactory(name="Zqhorganization Collective")
    AffiliationFactory(person=hana, organization=organization, role="zqhrole")
    AffiliationFactory(person=lina, organization=OrganizationFactory(name="Lina's Co-op"))
    food = CauseFactory(name="Food security", slug="food-security")
    for person in (mina, omar, lina, pia, tara, olga):
        InterestFactory(person=person, cause=food, passion=4)
    InterestFactory(person=hana, cause=food, passion=5, offers="zqhoffers", needs="zqhneeds")

    ties = {
        "confirmed": make_tie(mina, omar, strength=5, context="Choir together"),
        "omar_lina": make_tie(omar, lina, strength=4, context="Same tenants union"),
        "private": make_tie(
            lina,
            pia,
            strength=4,
            context="zqpcontext",
            external_source="zqpsource",
            external_id="zqpexternal",
        ),
        "disputed": make_tie(
            olga, pia, strength=3, context="zqdcontext", external_id="zqdexternal"
        ),
        "mina_hana": make_tie(mina, hana, strength=5),
        "hidden": make_tie(
            hana,
            lina,
            strength=5,
            context="zqhtiecontext",
            external_source="zqhsource",
            external_id="zqhtieexternal",
        ),
        "hana_tara": make_tie(hana, tara, strength=5, context="zqhtiecontext"),
        # Mina reaches Tara through Otto, whom members cannot see: that hop is masked.
        "mina_otto": make_tie(mina, people["otto"], strength=4),
        "otto_tara": make_tie(people["otto"], tara, strength=4),
    }
    # Lina keeps the private tie from members; Pia disputes the tie Olga recorded.
    private = ties["private"]
    setattr(private, f"{private.side_of(lina)}_visible_to_members", False)
    private.save()
    disputed = ties["disputed"]
    setattr(disputed, f"{disputed.side_of(pia)}_status", SideStatus.DISPUTED)
    disputed.save()

    objects: dict[str, Any] = {"cause": food}
    objects["intro_mine"] = introduction_request(
        by=users["member"], target=lina, path=[mina, omar, lina], message="Mina would like to meet"
    )
    to_mina = introduction_request(
        by=users["lina"], target=mina, path=[lina, omar, mina], message="Lina would like to meet"
    )
    objects["intro_to_member"] = introduction_accept(by=users["other_member"], introduction=to_mina)

    run = SuggestionRun.objects.create(
        include_groups=True,
        include_weaving=True,
        status=SuggestionRun.Status.DONE,
        finished_at=timezone.now(),
    )
    objects["run"] = run
    group = GroupSuggestion.objects.create(
        run=run,
        cause=food,
        score=0.8,
        member_key=f"{mina.pk},{omar.pk},{lina.pk}",
        explanation=["Mina Member, Omar Other and Lina Listed all care about food security."],
    )
    for person in (mina, omar, lina):
        GroupMember.objects.create(group=group, person=person, role="Cook")
    objects["group"] = group
    with_hidden = GroupSuggestion.objects.create(
        run=run,
        cause=food,
        score=0.9,
        member_key=f"{mina.pk},{hana.pk}",
        explanation=["Hana Zqhname offers zqhoffers (zqhgroupnote)."],
    )
    GroupMember.objects.create(group=with_hidden, person=mina, role="Cook")
    GroupMember.objects.create(group=with_hidden, person=hana, role="zqhgroupnote")
    objects["group_hidden"] = with_hidden
    objects["weaving"] = WeavingSuggestion.objects.create(
        run=run, kind="triangle", person=mina, other=lina, broker=omar, score=0.7
    )
    objects["weaving_hidden"] = WeavingSuggestion.objects.create(
        run=run,
        kind="triangle",
        person=mina,
        other=tara,
        broker=hana,
        score=0.9,
        explanation=["Hana Zqhname knows you both (zqhgroupnote)."],
    )

    search = path_search_start(by=users["member"], target=tara)
    assert path_search_execute(search_id=search.pk)
    search.refresh_from_db()
    objects["search"] = search

    snapshot, _ = snapshot_request(by=users["organizer"])
    assert snapshot_compute(snapshot_id=snapshot.pk)
    objects["snapshot"] = snapshot

    objects["import_job"] = ImportJob.objects.create(
        created_by=users["organizer"], filename="people.csv", content=b"display_name\nNew\n"
    )

    tokens: dict[str, str] = {}
    for scope in SCOPES:
        for owner in ("organizer", "admin"):
            key, token = api_key_create(by=users[owner], name=f"{owner} {scope}", scopes=[scope])
            tokens[f"{owner}:{scope}"] = token
    key, tokens["organizer:all"] = api_key_create(
        by=users["organizer"], name="All", scopes=list(SCOPES)
    )
    objects["api_key"] = key
    for scope in SCOPES:
        others = [s for s in SCOPES if s != scope]
        _, tokens[f"without:{scope}"] = api_key_create(
            by=users["organizer"], name=f"without {scope}", scopes=others
        )
    expired, tokens["expired"] = api_key_create(
        by=users["organizer"], name="Expired", scopes=list(SCOPES)
    )
    ApiKey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - dt.timedelta(days=1))
    revoked, tokens["revoked"] = api_key_create(
        by=users["organizer"], name="Revoked", scopes=list(SCOPES)
    )
    api_key_revoke(by=users["organizer"], key=revoked)
    objects["webhook"] = Webhook.objects.create(
        owner=users["organizer"],
        api_key=key,
        url="https://partner.example.org/hook",
        events=["tie.created"],
        secret="s" * 32,
    )

    from people.accounts.services import invitation_create

    invitation, objects["invite_token"] = invitation_create(
        by=users["organizer"], email="pia@example.org", person=pia
    )
    objects["invitation"] = invitation

    values = {
        "member": str(mina.public_id),
        "other_member": str(omar.public_id),
        "organizer_person": str(olga.public_id),
        "lina": str(lina.public_id),
        "tara": str(tara.public_id),
        "organizers_only": str(people["otto"].public_id),
        "hidden": str(hana.public_id),
        "tie_confirmed": str(ties["confirmed"].public_id),
        "tie_private": str(ties["private"].public_id),
        "tie_disputed": str(ties["disputed"].public_id),
        "tie_mina_hana": str(ties["mina_hana"].public_id),
        "tie_hidden": str(ties["hidden"].public_id),
        "intro_mine": str(objects["intro_mine"].public_id),
        "intro_to_member": str(objects["intro_to_member"].public_id),
        "group": str(group.public_id),
        "group_hidden": str(with_hidden.public_id),
        "weaving": str(objects["weaving"].public_id),
        "weaving_hidden": str(objects["weaving_hidden"].public_id),
        "run": str(run.public_id),
        "search": str(search.public_id),
        "import_job": str(objects["import_job"].public_id),
        "api_key": str(key.public_id),
        "webhook": str(objects["webhook"].public_id),
        "pia": str(pia.public_id),
        "hidden_organization": str(organization.public_id),
        "cause": food.slug,
        "invitation": str(invitation.public_id),
        "invite_token": objects["invite_token"],
        "missing": str(uuid.UUID(int=7)),
        "hidden_source": HIDDEN_FIELDS["external_source"],
        "hidden_external_id": HIDDEN_FIELDS["external_id"],
        "private_source": "zqpsource",
        "private_external_id": "zqpexternal",
    }
    hidden_ids = tuple(
        str(x).lower()
        for x in (
            hana.public_id,
            ties["hidden"].public_id,
            ties["hana_tara"].public_id,
            with_hidden.public_id,
            objects["weaving_hidden"].public_id,
            organization.public_id,
        )
    )
    private_ids = tuple(
        str(x).lower() for x in (ties["private"].public_id, ties["disputed"].public_id)
    )
    labels = {
        "member": mina.display_name,
        "other_member": omar.display_name,
        "lina": lina.display_name,
        "pia": pia.display_name,
        "tara": tara.display_name,
        "organizers_only": people["otto"].display_name,
        "hidden": hana.display_name,
    }
    return World(
        users=users,
        clients=clients,
        people=people,
        ties=ties,
        objects=objects,
        tokens=tokens,
        values=values,
        labels=labels,
        hidden_markers=HIDDEN_TEXT_MARKERS + hidden_ids,
        private_tie_markers=PRIVATE_TIE_TEXT_MARKERS + private_ids,
    )

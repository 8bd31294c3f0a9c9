"""Causes, organizations and people of the demo network (pure Python, no database)."""

from __future__ import annotations

import datetime as dt
from itertools import accumulate

from network_app.demo import vocabulary as vocab
from network_app.demo.records import (
    ANCHOR,
    ANCHOR_TIME,
    DemoAffiliation,
    DemoCause,
    DemoInterest,
    DemoOrganization,
    DemoPerson,
    Dice,
    slugify,
)
from people.models import OrganizationKind, ReviewStatus, Visibility

LISTED, ORGANIZERS, HIDDEN = (
    Visibility.LISTED.value,
    Visibility.ORGANIZERS.value,
    Visibility.HIDDEN.value,
)
APPROVED, NEW, NEEDS_ATTENTION = (
    ReviewStatus.APPROVED.value,
    ReviewStatus.NEW.value,
    ReviewStatus.NEEDS_ATTENTION.value,
)
INTEREST_COUNTS, INTEREST_CUM = (1, 2, 3, 4), list(accumulate((25, 35, 25, 15)))
PASSIONS, PASSION_CUM = (1, 2, 3, 4, 5), list(accumulate((5, 15, 30, 30, 20)))
AFFILIATION_COUNTS, AFFILIATION_CUM = (0, 1, 2), list(accumulate((30, 50, 20)))


def make_causes() -> list[DemoCause]:
    """The two-level cause taxonomy (top-level causes first, each followed by its children)."""
    causes: list[DemoCause] = []
    for name, description, children in vocab.CAUSES:
        causes.append(DemoCause(slugify(name), name, description, None))
        for child, child_description in children:
            causes.append(DemoCause(slugify(child), child, child_description, slugify(name)))
    return causes


def make_organizations(dice: Dice, people: int) -> list[DemoOrganization]:
    """About one organization per 18 people, at least two of every kind."""
    kinds = [kind.value for kind in OrganizationKind]
    kind_cum = list(accumulate(vocab.ORGANIZATION_KIND_WEIGHTS.get(k, 1) for k in kinds))
    count = max(len(kinds) * 2, round(people / 18))
    neighbourhoods = list(vocab.NEIGHBOURHOODS)
    used: set[str] = set()
    organizations = []
    for index in range(count):
        # The first organizations cover every kind; the rest follow realistic proportions.
        kind = kinds[index] if index < len(kinds) else dice.weighted(kinds, kind_cum)
        templates = vocab.ORGANIZATION_NAMES.get(kind, ("{n} {s} Group",))
        neighbourhood = dice.choice(neighbourhoods)
        name = ""
        for _attempt in range(8):
            name = dice.choice(templates).format(
                n=neighbourhood, s=dice.choice(vocab.LAST_NAMES), c=vocab.CITY
            )
            if name not in used:
                break
            neighbourhood = dice.choice(neighbourhoods)
        if name in used:
            name = f"{name}, {neighbourhood} branch"
        if name in used:
            name = f"{name} {index}"
        used.add(name)
        label = OrganizationKind(kind).label.lower()
        organizations.append(
            DemoOrganization(
                index=index,
                public_id=dice.uuid(),
                name=name,
                kind=kind,
                neighbourhood=neighbourhood,
                description=f"A {label} based in {neighbourhood}, {vocab.CITY}.",
                website=f"https://{slugify(name)}.example.org",
            )
        )
    return organizations


def make_people(dice: Dice, count: int, organizations: list[DemoOrganization]) -> list[DemoPerson]:
    """People with names, profiles, 1 to 4 interests and 0 to 2 affiliations."""
    neighbourhoods = list(vocab.NEIGHBOURHOODS)
    # Neighbourhoods differ in size; organizations in how many people they gather.
    hood_cum = list(accumulate(0.6 + dice.random() for _ in neighbourhoods))
    org_weights = [min(dice.rng.paretovariate(1.3), 40.0) for _ in organizations]
    org_all = list(range(len(organizations)))
    org_all_cum = list(accumulate(org_weights))
    org_local: dict[str, tuple[list[int], list[float]]] = {}
    for hood in neighbourhoods:
        local = [o.index for o in organizations if o.neighbourhood == hood]
        if local:
            org_local[hood] = (local, list(accumulate(org_weights[i] for i in local)))
    top_causes = [name for name, _d, _c in vocab.CAUSES]
    cause_names = {c.slug: c.name for c in make_causes()}
    children = {name: [slugify(child) for child, _d in kids] for name, _d, kids in vocab.CAUSES}
    sector_list = list(vocab.SECTOR_WEIGHTS)
    sector_cum = list(accumulate(vocab.SECTOR_WEIGHTS.values()))

    persons = []
    for index in range(count):
        roll = dice.random()
        if roll < 0.46:
            first, pronouns = dice.choice(vocab.FIRST_NAMES_SHE), "she/her"
        elif roll < 0.90:
            first, pronouns = dice.choice(vocab.FIRST_NAMES_HE), "he/him"
        else:
            first, pronouns = dice.choice(vocab.FIRST_NAMES_THEY), "they/them"
        if dice.chance(0.07):
            pronouns = ""  # not everyone states pronouns
        last = dice.choice(vocab.LAST_NAMES)
        if dice.chance(0.05):
            last = f"{last}-{dice.choice(vocab.LAST_NAMES)}"
        hood = dice.weighted(neighbourhoods, hood_cum)
        sector = dice.weighted(sector_list, sector_cum)
        roles, sector_skills = vocab.SECTOR_PROFILES[sector]
        role = dice.choice(roles)
        first_skill = dice.below(len(sector_skills))
        second_skill = (first_skill + 1 + dice.below(len(sector_skills) - 1)) % len(sector_skills)
        skills = [sector_skills[first_skill], sector_skills[second_skill]]
        skills += dice.rng.sample(vocab.GENERAL_SKILLS, dice.below(3))

        interests: list[DemoInterest] = []
        for _ in range(dice.weighted(INTEREST_COUNTS, INTEREST_CUM)):
            leaning = vocab.SECTOR_CAUSES[sector]
            top = dice.choice(leaning) if dice.chance(0.6) else dice.choice(top_causes)
            slug = dice.choice(children[top]) if dice.chance(0.85) else slugify(top)
            if any(i.cause_slug == slug for i in interests):
                continue
            resources = vocab.RESOURCES[top]
            offers = dice.choice(resources) if dice.chance(0.55) else ""
            needs = dice.choice(resources) if dice.chance(0.4) else ""
            if needs == offers:
                needs = ""
            passion = dice.weighted(PASSIONS, PASSION_CUM)
            interests.append(DemoInterest(slug, passion, offers, needs))

        affiliations: list[DemoAffiliation] = []
        for _ in range(dice.weighted(AFFILIATION_COUNTS, AFFILIATION_CUM)):
            if hood in org_local and dice.chance(0.7):
                org = dice.weighted(*org_local[hood])
            else:
                org = dice.weighted(org_all, org_all_cum)
            if any(a.organization == org for a in affiliations):
                continue
            start_year = ANCHOR.year - 1 - dice.below(15)
            start = dt.date(start_year, dice.between(1, 12), 1)
            end = None
            if dice.chance(0.15) and start_year < ANCHOR.year - 1:
                end = dt.date(dice.between(start_year + 1, ANCHOR.year - 1), 12, 1)
            kind = organizations[org].kind
            role_in_org = dice.choice(vocab.ROLES.get(kind, ("Member",)))
            affiliations.append(DemoAffiliation(org, role_in_org, start, end))

        headline = f"{role} in {hood}"
        if affiliations:
            org_name = organizations[affiliations[0].organization].name
            headline = f"{role}, {affiliations[0].role.lower()} at {org_name}"[:160]
        years = dice.between(1, 40)
        bio = [
            f"{first} has lived in {hood} for {years} year{'s' if years > 1 else ''}."
            if dice.chance(0.7)
            else f"Born and raised in {hood}.",
            f"{role}, good at {skills[0]} and {skills[1]}.",
        ]
        favourite = max(interests, key=lambda i: i.passion)
        bio.append(f"Cares most about {cause_names[favourite.cause_slug].lower()}.")
        wanted = next((i.needs for i in interests if i.needs), "")
        if wanted:
            bio.append(f"Looking for {wanted}.")

        roll = dice.random()
        visibility = HIDDEN if roll < 0.02 else ORGANIZERS if roll < 0.10 else LISTED
        roll = dice.random()
        review = NEW if roll < 0.06 else NEEDS_ATTENTION if roll < 0.08 else APPROVED
        # About one in ten was recorded by an organizer and has not given consent yet.
        consent = (
            None if dice.chance(0.1) else ANCHOR_TIME - dt.timedelta(days=dice.between(1, 900))
        )
        persons.append(
            DemoPerson(
                index=index,
                public_id=dice.uuid(),
                first_name=first,
                display_name=f"{first} {last}",
                pronouns=pronouns,
                headline=headline,
                bio=" ".join(bio),
                neighbourhood=hood,
                sector=sector,
                skills=skills,
                email=f"{slugify(first)}.{slugify(last)}.{index}@example.org",
                phone=f"555-01{index % 100:02d}" if dice.chance(0.4) else "",
                visibility=visibility,
                open_to_introductions=not dice.chance(0.05),
                open_to_groups=not dice.chance(0.08),
                do_not_contact=dice.chance(0.01),
                monthly_intro_capacity=dice.choice((2, 3, 5, 5, 5, 8)),
                consent_given_at=consent,
                review_status=review,
                interests=interests,
                affiliations=affiliations,
            )
        )
    return persons

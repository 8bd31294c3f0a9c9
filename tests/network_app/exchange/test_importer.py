"""The importer: dry run, per-row report, modes, duplicates, idempotence, privacy."""

from __future__ import annotations

import random

import pytest

from causes.models import Cause, Interest
from network_app.exchange.formats import read_any
from network_app.exchange.jobs import rejected_rows_csv
from people.models import (
    Affiliation,
    AuditEvent,
    GraphChange,
    ImportJob,
    Organization,
    Person,
    Provenance,
    SideStatus,
    Tie,
    Visibility,
)
from tests.factories import AffiliationFactory, OrganizationFactory, PersonFactory, make_tie
from tests.network_app.exchange.helpers import run_import

pytestmark = pytest.mark.django_db

PEOPLE = (
    b"id,name,email,neighbourhood,organization,role,causes\n"
    b"p1,Ana Reyes,ana@example.org,Old Mill,Riverton Co-op,Board member,Affordable housing:5\n"
    b"p2,Ben Okafor,ben@example.org,Harbour,,,Food security|Affordable housing:2\n"
    b"p3,Chen Li,,Old Mill,,,\n"
)
TIES = b"source,target,strength,kind\np1,p2,4,friend\nana@example.org,p3,2,\n"


def test_a_dry_run_reports_everything_and_writes_nothing(organizer):
    # given
    bad = PEOPLE + b"p4,,dana@example,Old Mill,,,\n"
    before = (Person.objects.count(), Tie.objects.count(), GraphChange.objects.count())
    # when
    plan = run_import(bad, name="people.csv", by=organizer.user, dry_run=True)
    # then
    assert (Person.objects.count(), Tie.objects.count(), GraphChange.objects.count()) == before
    assert plan.summary()["people"]["created"] == 3
    assert plan.summary()["people"]["rejected"] == 1
    problems = {(i.where, i.column, i.message) for i in plan.issues if i.level == "error"}
    assert ("row 5", "display_name", "The name is missing.") in problems
    assert ("row 5", "email", "'dana@example' is not an email address.") in problems


def test_imported_people_are_organizers_only_and_ties_unconfirmed_with_strength_on_both_sides():
    run_import(PEOPLE, name="people.csv")
    result = run_import(TIES, name="ties.csv")
    assert result.applied
    assert set(Person.objects.values_list("visibility", flat=True)) == {Visibility.ORGANIZERS}
    ties = list(Tie.objects.all())
    assert len(ties) == 2
    for tie in ties:
        assert tie.provenance == Provenance.IMPORT
        assert (tie.a_status, tie.b_status) == (SideStatus.UNANSWERED, SideStatus.UNANSWERED)
        assert tie.a_strength == tie.b_strength
        assert tie.a_allows_introductions is None and tie.b_allows_introductions is None
    ana = Person.objects.get(email="ana@example.org")
    assert Affiliation.objects.get(person=ana).role == "Board member"
    assert Interest.objects.get(person=ana, cause__name="Affordable housing").passion == 5
    assert Cause.objects.filter(name="Food security").exists()


def test_reimporting_the_same_files_changes_nothing():
    run_import(PEOPLE, name="people.csv")
    run_import(TIES, name="ties.csv")
    snapshot = (
        list(Person.objects.order_by("pk").values()),
        list(Tie.objects.order_by("pk").values()),
        list(Interest.objects.order_by("pk").values()),
        list(Affiliation.objects.order_by("pk").values()),
        Organization.objects.count(),
        Cause.objects.count(),
    )
    again = run_import(PEOPLE, name="people.csv")
    again_ties = run_import(TIES, name="ties.csv")
    assert again.plan.totals()["unchanged"] == 3
    assert again_ties.plan.totals()["unchanged"] == 2
    assert (
        list(Person.objects.order_by("pk").values()),
        list(Tie.objects.order_by("pk").values()),
        list(Interest.objects.order_by("pk").values()),
        list(Affiliation.objects.order_by("pk").values()),
        Organization.objects.count(),
        Cause.objects.count(),
    ) == snapshot


def test_all_or_nothing_writes_nothing_when_a_row_is_wrong():
    bad = TIES + b"p1,nobody@example.org,3,\np2,p3,9,\n"
    run_import(PEOPLE, name="people.csv")
    result = run_import(bad, name="ties.csv", mode="all_or_nothing")
    assert not result.applied
    assert Tie.objects.count() == 0
    assert "2 problems" in result.message
    messages = [i["message"] for i in result.report["issues"] if i["level"] == "error"]
    assert any("No person 'nobody@example.org'" in m for m in messages)
    assert any("whole number from 1 to 5, not '9'" in m for m in messages)


def test_valid_rows_only_imports_the_rest_and_rejected_rows_download_with_an_error_column(
    organizer,
):
    run_import(PEOPLE, name="people.csv")
    bad = TIES + b"p1,nobody@example.org,3,\n"
    result = run_import(bad, name="ties.csv", mode="valid_only", by=organizer.user)
    assert result.applied
    assert Tie.objects.count() == 2
    job = ImportJob.objects.create(
        filename="ties.csv", content=bad, source="ties", report=result.report
    )
    content, name = rejected_rows_csv(job)
    assert name == "ties-ties-rejected.csv"
    lines = content.decode("utf-8-sig").splitlines()
    assert lines[0] == "source,target,strength,kind,where,error"
    assert lines[1].startswith("p1,nobody@example.org,3,,row 4,")
    assert "No person" in lines[1]


def test_duplicates_by_email_and_by_name_with_organization_or_neighbourhood_are_proposed():
    org = OrganizationFactory(name="Riverton Co-op")
    ana = PersonFactory(display_name="Ana Reyes", email="ANA@example.org", neighbourhood="X")
    bea = PersonFactory(display_name="Béa Núñez", email="", neighbourhood="Harbour")
    AffiliationFactory(person=PersonFactory(display_name="Chen Li", email=""), organization=org)
    data = (
        b"name,email,neighbourhood,organization\n"
        b"Ana R.,ana@example.org,,\n"
        b"bea nunez,,harbour,\n"
        b"Li, Chen,,,Riverton Co-op\n"
        b"Chen Li,,Elsewhere,\n"
    )
    data = data.replace(b"Li, Chen", b'"Li, Chen"')
    plan = run_import(data, name="people.csv", dry_run=True)
    found = {(d["where"], d["match_name"], d["reason"]) for d in plan.duplicates}
    assert ("row 2", "Ana Reyes", "same email") in found
    assert ("row 3", bea.display_name, "same name and neighbourhood (harbour)") in found
    assert ("row 4", "Chen Li", "same name and organization (Riverton Co-op)") in found
    assert len(plan.duplicates) == 3  # row 5: same name, different place: a new person
    assert ana.pk


def test_duplicate_decisions_merge_create_and_skip():
    ana = PersonFactory(display_name="Ana Reyes", email="ana@example.org", headline="")
    PersonFactory(display_name="Bea Nunez", email="bea@example.org")
    PersonFactory(display_name="Cy Doe", email="cy@example.org")
    data = (
        b"name,email,headline\n"
        b"Ana Reyes,ana@example.org,Tenant organizer\n"
        b"Bea N,bea@example.org,\n"
        b"Cy Doe,cy@example.org,\n"
    )
    result = run_import(
        data, name="people.csv", decisions={"people:3": "create", "people:4": "skip"}
    )
    assert result.plan.summary()["people"] == {
        "created": 1,
        "updated": 0,
        "merged": 1,
        "unchanged": 0,
        "skipped": 1,
        "rejected": 0,
    }
    ana.refresh_from_db()
    assert ana.headline == "Tenant organizer"  # a blank field filled by the merge
    assert Person.objects.filter(email="bea@example.org").count() == 2
    assert Person.objects.filter(email="cy@example.org").count() == 1


def test_a_person_who_confirmed_their_profile_keeps_their_own_fields(member):
    member.person.headline = "My own words"
    member.person.consent_given_at = member.person.created_at
    member.person.save()
    data = f"name,email,headline\nMina,{member.person.email},Imported words\n".encode()
    run_import(data, name="people.csv", default_decision="merge")
    member.person.refresh_from_db()
    assert member.person.headline == "My own words"
    assert member.person.display_name == "Mina Member"


def test_an_organizer_import_never_matches_or_references_a_hidden_person(organizer, hidden_member):
    email = hidden_member.person.email
    data = f"id,name,email\nx1,Someone,{email}\n".encode()
    plan = run_import(data, name="people.csv", by=organizer.user, dry_run=True)
    assert plan.duplicates == []
    ties = f"source,target\n{email},{organizer.person.email}\n".encode()
    plan = run_import(ties, name="ties.csv", by=organizer.user, dry_run=True)
    assert plan.summary()["ties"]["rejected"] == 1
    assert "Hana" not in str(plan.report())


def test_existing_ties_keep_what_their_people_answered(member, other_member):
    tie = make_tie(member.person, other_member.person, strength=5)
    data = f"source,target,strength\n{member.person.email},{other_member.person.email},1\n"
    result = run_import(data.encode(), name="ties.csv")
    assert result.plan.summary()["ties"]["unchanged"] == 1
    tie.refresh_from_db()
    assert (tie.a_strength, tie.b_strength) == (5, 5)


def test_weights_are_binned_by_quantiles_unless_another_binning_is_chosen():
    people = "id,name\n" + "".join(f"n{i},Person {i}\n" for i in range(11))
    run_import(people.encode(), name="people.csv")
    ties = "source,target,weight\n" + "".join(f"n0,n{i},{i}\n" for i in range(1, 11))
    run_import(ties.encode(), name="ties.csv")
    by_weight = {
        int(t.external_id or 0) or t.person_b.display_name: t.a_strength
        for t in Tie.objects.select_related("person_b")
    }
    assert sorted(s or 0 for s in by_weight.values()) == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    Tie.objects.all().delete()
    run_import(ties.encode(), name="ties.csv", binning="round")
    assert sorted(s or 0 for s in Tie.objects.values_list("a_strength", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        5,
        5,
        5,
        5,
        5,
    ]


def test_a_small_import_logs_each_tie_and_a_large_one_asks_for_a_rebuild(settings):
    run_import(PEOPLE, name="people.csv")
    before = GraphChange.objects.count()
    run_import(TIES, name="ties.csv")
    kinds = list(GraphChange.objects.filter(id__gt=before).values_list("kind", flat=True))
    assert kinds.count(GraphChange.Kind.TIE) == 2
    settings.IMPORT_GRAPH_REBUILD_THRESHOLD = 1
    last = GraphChange.objects.order_by("-id").first().id
    run_import(b"id,name\nq1,Q One\nq2,Q Two\n", name="more.csv")
    run_import(b"source,target\nq1,q2\n", name="more-ties.csv")
    assert GraphChange.objects.filter(id__gt=last, kind=GraphChange.Kind.REBUILD).exists()


def test_every_import_is_written_to_the_audit_log(organizer):
    run_import(PEOPLE, name="people.csv", by=organizer.user)
    event = AuditEvent.objects.get(action="import.apply")
    assert event.actor == organizer.user
    assert event.after["summary"]["people"]["created"] == 3


def test_a_crash_in_the_middle_leaves_the_database_as_it_was(monkeypatch):
    # given: one file with people and ties; writing the ties fails after the people are in
    from network_app.exchange import csv_io

    archive = csv_io.zip_files({"people.csv": PEOPLE, "ties.csv": TIES})

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(Tie.objects, "bulk_create", boom)
    # when
    with pytest.raises(RuntimeError):
        run_import(archive, name="network.zip")
    # then: nothing of the file is left
    assert Person.objects.count() == 0
    assert Cause.objects.count() == 0
    assert not AuditEvent.objects.filter(action="import.apply").exists()


def test_an_organizer_uploads_a_messy_spreadsheet_of_500_members_and_2000_ties():
    # given: a real-looking export with quirks: semicolons, BOM, blank rows, an extra column,
    # "Last, First" names, 5 broken rows
    rng = random.Random(8)
    lines = ["Full Name;E-mail;Neighborhood;Notes"]
    for i in range(500):
        name = f'"Person{i:03d}, Pat"' if i % 7 == 0 else f"Pat Person{i:03d}"
        email = f"pat{i}@example.org" if i not in (10, 20, 30, 40, 50) else f"pat{i}@"
        lines.append(f"{name};{email};Hood {i % 9};note {i}")
        if i % 97 == 0:
            lines.append(";;;")
    people = ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")
    pairs: set[tuple[int, int]] = set()
    while len(pairs) < 2000:
        a, b = rng.sample(range(500), 2)
        pairs.add((min(a, b), max(a, b)))
    ties = "source;target;strength\n" + "".join(
        f"pat{a}@example.org;pat{b}@example.org;{rng.randint(1, 5)}\n" for a, b in sorted(pairs)
    )
    # when: the dry run reports the broken rows, the organizer fixes them, imports
    plan = run_import(people, name="members.csv", dry_run=True)
    assert plan.summary()["people"]["rejected"] == 5
    fixed = people
    for i in (10, 20, 30, 40, 50):
        fixed = fixed.replace(f"pat{i}@;".encode(), f"pat{i}@example.org;".encode())
    assert run_import(fixed, name="members.csv").applied
    result = run_import(ties.encode(), name="ties.csv")
    # then: everyone and every tie, no duplicates, and a second upload changes nothing
    assert result.applied
    assert Person.objects.count() == 500
    assert Tie.objects.count() == 2000
    assert run_import(fixed, name="members.csv").plan.totals()["unchanged"] == 500
    assert Person.objects.count() == 500


def test_fifty_thousand_rows_are_imported_in_one_transaction():
    rows = "".join(f"id{i},Member {i},m{i}@example.org\n" for i in range(50_000))
    data = ("id,name,email\n" + rows).encode()
    dataset = read_any(data, name="big.csv")
    assert dataset.row_count == 50_000
    result = run_import(data, name="big.csv")
    assert result.applied
    assert Person.objects.count() == 50_000

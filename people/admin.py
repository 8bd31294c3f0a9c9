"""Admin curation of people, organizations, affiliations and ties, and the audit log.

Built to stay usable at 100,000 people and 1,000,000 ties: related people are chosen with
autocomplete widgets (never a select of every person), changelists join what they display
(``list_select_related``) and skip the unfiltered full-table count. Every change made here is
written to the audit log with channel "admin" (who, what, before and after).
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.options import InlineModelAdmin
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models
from django.db.models import Count, Model, Q, QuerySet
from django.forms import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from people import graph_log
from people.audit.present import CONTACT_FIELDS, CONTACT_MASK
from people.errors import DomainError
from people.merge import person_merge
from people.models import (
    Affiliation,
    AuditEvent,
    Organization,
    Person,
    Provenance,
    ReviewStatus,
    SideStatus,
    Tie,
)
from people.services import PATH_FIELDS, audit_record, snapshot

ADMIN = AuditEvent.Channel.ADMIN
# Not audited: identifiers and timestamps the database sets itself.
_NOT_AUDITED = {"id", "public_id", "created_at", "updated_at"}
SIDE_FIELDS = ("strength", "status", "allows_introductions", "visible_to_members")
STRENGTH_ERROR = "Strength must be between 1 and 5 (or left empty when not rated)."

# Inlines other apps add to the person page. ``causes`` depends on ``people``, never the other
# way round, so causes/admin.py appends its Interest inline here instead of being imported.
PERSON_EXTRA_INLINES: list[type[InlineModelAdmin[Any, Any]]] = []


# --- Audit helpers ---------------------------------------------------------------------------


def row_snapshot(obj: Model) -> dict[str, Any]:
    """Every audited column of a row (foreign keys as ids), as JSON-safe values."""
    fields = tuple(f.attname for f in obj._meta.concrete_fields if f.name not in _NOT_AUDITED)
    return snapshot(obj, fields)


def _action(obj: Model, verb: str) -> str:
    return f"{obj._meta.model_name}.{verb}"


def note_graph_change(
    obj: Model, pk: Any, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> None:
    """Tell the resident path graphs about an admin change to a tie or a person's openness."""
    if isinstance(obj, Tie):
        pairs = {
            (snap["person_a_id"], snap["person_b_id"])
            for snap in (before, after)
            if snap and snap.get("person_a_id") and snap.get("person_b_id")
        }
        graph_log.note_ties_changed(pairs)
    elif isinstance(obj, Person) and (
        before is None or after is None or any(before[f] != after[f] for f in PATH_FIELDS)
    ):
        graph_log.note_person_changed(pk)


def contact_viewed(request: HttpRequest, person: Person, *, view: str) -> None:
    """Log that an admin was shown a person's private contact details (email, phone)."""
    audit_record(
        actor=request.user,
        action="person.contact_viewed",
        obj=person,
        after={"view": view},
        channel=ADMIN,
    )


class AuditedAdmin(admin.ModelAdmin):
    """Writes an audit event for every add, change and delete, including inline rows."""

    def response_action(self, request: HttpRequest, queryset: QuerySet[Any]) -> Any:
        # Django filters on the posted ids before any action runs and raises on a value that
        # is not an id (a 500); refuse such a selection with a message instead.
        try:
            for value in request.POST.getlist(helpers.ACTION_CHECKBOX_NAME):
                self.opts.pk.to_python(value)
        except ValidationError:
            self.message_user(
                request, "That selection is not valid; select the rows again.", messages.ERROR
            )
            return None
        return super().response_action(request, queryset)

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> Any:
        # Two admins saving the same new row at once both pass form validation; the second
        # insert then breaks a unique constraint inside the view's transaction (rolled back).
        # Answering the same POST again lets form validation see the committed row and show
        # its usual field error, with everything the admin typed still in the form.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except IntegrityError:
            if request.method != "POST":
                raise
            return super().changeform_view(request, object_id, form_url, extra_context)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = row_snapshot(type(obj).objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        after = row_snapshot(obj)
        if change and before == after:
            return
        note_graph_change(obj, obj.pk, before, after)
        audit_record(
            actor=request.user,
            action=_action(obj, "update" if change else "create"),
            obj=obj,
            before=before,
            after=after,
            channel=ADMIN,
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        before = row_snapshot(obj)
        audit_record(
            actor=request.user, action=_action(obj, "delete"), obj=obj, before=before, channel=ADMIN
        )
        note_graph_change(obj, obj.pk, before, None)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        for obj in queryset:
            before = row_snapshot(obj)
            audit_record(
                actor=request.user,
                action=_action(obj, "delete"),
                obj=obj,
                before=before,
                channel=ADMIN,
            )
            note_graph_change(obj, obj.pk, before, None)
        super().delete_queryset(request, queryset)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            removed = row_snapshot(obj)
            audit_record(
                actor=request.user,
                action=_action(obj, "delete"),
                obj=obj,
                before=removed,
                channel=ADMIN,
            )
            note_graph_change(obj, obj.pk, removed, None)
            obj.delete()
        for obj in instances:
            before: dict[str, Any] | None = (
                row_snapshot(type(obj).objects.get(pk=obj.pk)) if obj.pk else None
            )
            self.before_inline_save(request, obj, created=before is None)
            obj.save()
            after = row_snapshot(obj)
            if before == after:
                continue
            note_graph_change(obj, obj.pk, before, after)
            audit_record(
                actor=request.user,
                action=_action(obj, "update" if before is not None else "create"),
                obj=obj,
                before=before,
                after=after,
                channel=ADMIN,
            )
        formset.save_m2m()

    def before_inline_save(self, request: HttpRequest, obj: Any, *, created: bool) -> None:
        """Hook: adjust an inline row just before it is saved."""
        if isinstance(obj, Tie):
            normalize_tie_order(obj)
            if created and request.user.is_authenticated:
                obj.recorded_by = request.user
                obj.provenance = Provenance.ORGANIZER


# --- Ties: forms that meet the database rules with clear errors ------------------------------


def normalize_tie_order(tie: Tie) -> bool:
    """Store the pair lower id first, swapping the two sides with it. True if it swapped."""
    if tie.person_a_id is None or tie.person_b_id is None or tie.person_a_id < tie.person_b_id:
        return False
    tie.person_a_id, tie.person_b_id = tie.person_b_id, tie.person_a_id
    for name in SIDE_FIELDS:
        a, b = getattr(tie, f"a_{name}"), getattr(tie, f"b_{name}")
        setattr(tie, f"a_{name}", b)
        setattr(tie, f"b_{name}", a)
    return True


class StrengthRangeMixin:
    """Field errors for strengths outside 1..5 (the check constraints would only give a
    message for the whole form)."""

    cleaned_data: dict[str, Any]

    def _strength(self, name: str) -> int | None:
        value = self.cleaned_data.get(name)
        if value is not None and not 1 <= value <= 5:
            raise ValidationError(STRENGTH_ERROR, code="strength_range")
        return value

    def clean_a_strength(self) -> int | None:
        return self._strength("a_strength")

    def clean_b_strength(self) -> int | None:
        return self._strength("b_strength")


class TieAdminForm(StrengthRangeMixin, forms.ModelForm):
    """The Tie change form. A pair entered in reverse order is swapped (with its sides) into
    the stored order; a self-tie and a duplicate pair are form errors. The duplicate check is
    the model's ``tie_unique_pair`` constraint, run by ``ModelForm`` validation."""

    swapped = False

    class Meta:
        model = Tie
        fields = (
            "person_a",
            "person_b",
            "kind",
            "context",
            "since",
            "last_interaction",
            "provenance",
            "a_strength",
            "a_status",
            "a_allows_introductions",
            "a_visible_to_members",
            "b_strength",
            "b_status",
            "b_allows_introductions",
            "b_visible_to_members",
            "external_source",
            "external_id",
        )
        labels = {
            "a_strength": "strength (first person's rating)",
            "b_strength": "strength (second person's rating)",
        }

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        one, other = cleaned.get("person_a"), cleaned.get("person_b")
        if one is None or other is None:
            return cleaned
        if one.pk == other.pk:
            self.add_error(
                "person_b", "A tie joins two different people: choose someone else here."
            )
            return cleaned
        side_fields = [f"{s}_{n}" for s in "ab" for n in SIDE_FIELDS]
        if one.pk > other.pk and not any(name in self.errors for name in side_fields):
            cleaned["person_a"], cleaned["person_b"] = other, one
            for name in SIDE_FIELDS:
                a_key, b_key = f"a_{name}", f"b_{name}"
                if a_key in cleaned and b_key in cleaned:
                    cleaned[a_key], cleaned[b_key] = cleaned[b_key], cleaned[a_key]
            self.swapped = True
        return cleaned


class TieInlineForm(StrengthRangeMixin, forms.ModelForm):
    """One tie shown on a person's page: the other person and both sides, labelled from the
    point of view of the person on the page."""

    this_side = "a"

    class Meta:
        model = Tie
        fields = ("kind", "context", "a_strength", "a_status", "b_strength", "b_status")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        theirs = "b" if self.this_side == "a" else "a"
        labels = {
            f"{self.this_side}_strength": "this person's strength",
            f"{self.this_side}_status": "this person's answer",
            f"{theirs}_strength": "other's strength",
            f"{theirs}_status": "other's answer",
            "person_b" if self.this_side == "a" else "person_a": "other person",
        }
        for name, label in labels.items():
            if name in self.fields:
                self.fields[name].label = label

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        other_field = "person_b" if self.this_side == "a" else "person_a"
        other = cleaned.get(other_field)
        page_person_id = getattr(self.instance, f"person_{self.this_side}_id", None)
        if other is None or page_person_id is None:
            return cleaned
        # The inline's own foreign key is left out of constraint validation by Django, so the
        # pair rules are checked here (the pair is re-ordered when saved).
        if other.pk == page_person_id:
            self.add_error(other_field, "A tie joins two different people: choose someone else.")
            return cleaned
        duplicate = Tie.objects.between(page_person_id, other.pk)
        if self.instance.pk:
            duplicate = duplicate.exclude(pk=self.instance.pk)
        if duplicate.exists():
            self.add_error(other_field, "These two people already have a tie; edit that one.")
        return cleaned


class TieAsSecondInlineForm(TieInlineForm):
    this_side = "b"


class TieInlineFormSet(BaseInlineFormSet):
    other_field = "person_b"

    def clean(self) -> None:
        super().clean()
        seen: set[int] = set()
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            other = form.cleaned_data.get(self.other_field)
            if other is None:
                continue
            if other.pk in seen:
                raise ValidationError(f"{other} is listed twice: a pair has one tie.")
            seen.add(other.pk)


class TieAsFirstInline(admin.TabularInline):
    """Ties stored with the page's person as person_a. New ties are added here; a pair whose
    other person has the lower id is swapped into the stored order on save."""

    model = Tie
    fk_name = "person_a"
    form = TieInlineForm
    formset = TieInlineFormSet
    fields = ("person_b", "kind", "context", "a_strength", "a_status", "b_strength", "b_status")
    autocomplete_fields = ("person_b",)
    extra = 0
    verbose_name = "tie"
    verbose_name_plural = "ties (add new ties here)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tie]:
        return super().get_queryset(request).select_related("person_a", "person_b")


class TieAsSecondInline(admin.TabularInline):
    """Ties stored with the page's person as person_b. The other person is read-only here so
    that two rows on one page can never create the same pair twice."""

    model = Tie
    fk_name = "person_b"
    form = TieAsSecondInlineForm
    fields = ("other_person", "kind", "context", "b_strength", "b_status", "a_strength", "a_status")
    readonly_fields = ("other_person",)
    extra = 0
    verbose_name = "tie"
    verbose_name_plural = "more ties"

    @admin.display(description="other person")
    def other_person(self, obj: Tie | None) -> str:
        if obj is None or obj.pk is None:
            return "-"
        url = reverse("admin:people_person_change", args=[obj.person_a_id])
        return format_html('<a href="{}">{}</a>', url, obj.person_a)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Tie]:
        return super().get_queryset(request).select_related("person_a", "person_b")


class PersonAffiliationInline(admin.TabularInline):
    model = Affiliation
    fields = ("organization", "role", "start", "end")
    autocomplete_fields = ("organization",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Affiliation]:
        return super().get_queryset(request).select_related("organization")


class OrganizationAffiliationInline(admin.TabularInline):
    model = Affiliation
    fields = ("person", "role", "start", "end")
    autocomplete_fields = ("person",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Affiliation]:
        return super().get_queryset(request).select_related("person")


# --- Person ----------------------------------------------------------------------------------


@admin.register(Person)
class PersonAdmin(AuditedAdmin):
    list_display = (
        "display_name",
        "visibility",
        "review_status",
        "locality",
        "sector",
        "has_login",
        "updated_at",
    )
    list_filter = (
        "visibility",
        "review_status",
        "sector",
        "city",
        "open_to_introductions",
        "do_not_contact",
    )
    search_fields = ("display_name", "email", "headline", "neighbourhood", "city")
    # 100,000 people: no full-table COUNT(*) on every changelist page.
    show_full_result_count = False
    list_per_page = 50
    readonly_fields = ("public_id", "created_by", "created_at", "updated_at")
    autocomplete_fields = ("user", "do_not_introduce")
    inlines = [PersonAffiliationInline, TieAsFirstInline, TieAsSecondInline]
    actions = ["mark_reviewed", "mark_needs_attention", "merge_selected"]
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "display_name",
                    "pronouns",
                    "headline",
                    "bio",
                    ("city", "neighbourhood"),
                    "sector",
                    "skills",
                )
            },
        ),
        ("Private contact and login", {"fields": ("email", "phone", "user")}),
        (
            "Privacy",
            {
                "fields": (
                    "visibility",
                    "open_to_introductions",
                    "open_to_groups",
                    "do_not_contact",
                    "do_not_introduce",
                    "monthly_intro_capacity",
                    "email_notifications",
                    "consent_given_at",
                )
            },
        ),
        (
            "Curation",
            {
                "fields": (
                    "review_status",
                    ("external_source", "external_id"),
                    "public_id",
                    "created_by",
                    ("created_at", "updated_at"),
                )
            },
        ),
    )

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        inlines = list(self.inlines)
        return [*inlines[:1], *PERSON_EXTRA_INLINES, *inlines[1:]]

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: Any = None,
    ) -> Any:
        # The change page shows the person's email and phone: one event per page shown
        # (opening it, or a form redisplayed with errors), not one per field.
        if obj is not None and obj.pk is not None and not add:
            contact_viewed(request, obj, view="change page")
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="locality", ordering="neighbourhood")
    def locality(self, obj: Person) -> str:
        return obj.locality

    @admin.display(description="has login", boolean=True, ordering="user")
    def has_login(self, obj: Person) -> bool:
        return obj.user_id is not None

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        person = form.instance
        before = sorted(str(p) for p in person.do_not_introduce.values_list("public_id", flat=True))
        super().save_related(request, form, formsets, change)
        after = sorted(str(p) for p in person.do_not_introduce.values_list("public_id", flat=True))
        if before != after:
            graph_log.note_person_changed(person.pk)
            audit_record(
                actor=request.user,
                action="person.update",
                obj=person,
                before={"do_not_introduce": before},
                after={"do_not_introduce": after},
                channel=ADMIN,
            )

    def _set_review_status(
        self, request: HttpRequest, queryset: QuerySet[Person], status: str
    ) -> int:
        changed = 0
        for person in queryset.exclude(review_status=status).only(
            "pk", "public_id", "review_status"
        ):
            before = person.review_status
            # review_status does not affect paths: no graph change to note.
            Person.objects.filter(pk=person.pk).update(review_status=status)
            audit_record(
                actor=request.user,
                action="person.update",
                obj=person,
                before={"review_status": before},
                after={"review_status": status},
                channel=ADMIN,
            )
            changed += 1
        return changed

    @admin.action(description="Mark selected people as reviewed", permissions=["change"])
    def mark_reviewed(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        changed = self._set_review_status(request, queryset, ReviewStatus.APPROVED)
        self.message_user(request, f"{changed} people marked as reviewed.", messages.SUCCESS)

    @admin.action(description="Mark selected people as needing attention", permissions=["change"])
    def mark_needs_attention(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        changed = self._set_review_status(request, queryset, ReviewStatus.NEEDS_ATTENTION)
        self.message_user(
            request, f"{changed} people marked as needing attention.", messages.SUCCESS
        )

    @admin.action(description="Merge selected duplicates", permissions=["change", "delete"])
    def merge_selected(
        self, request: HttpRequest, queryset: QuerySet[Person]
    ) -> HttpResponse | None:
        """Two selected people: show the confirmation page; on confirm, merge them."""
        people = list(queryset.select_related("user").order_by("pk")[:3])
        if len(people) != 2:
            count = "more than two" if len(people) > 2 else str(len(people))
            self.message_user(
                request,
                f"Select exactly two people to merge (you selected {count}).",
                messages.ERROR,
            )
            return None

        error = ""
        if "confirm" in request.POST:
            by_public_id = {str(p.public_id): p for p in people}
            keep = by_public_id.get(request.POST.get("keep", ""))
            if keep is None:
                error = "Choose which of the two profiles to keep."
            else:
                remove = people[1] if keep.pk == people[0].pk else people[0]
                try:
                    report = person_merge(by=request.user, keep=keep, remove=remove)
                except DomainError as exc:
                    self.message_user(request, exc.message, messages.ERROR)
                    return None
                self.message_user(request, report.summary(), messages.SUCCESS)
                return HttpResponseRedirect(reverse("admin:people_person_change", args=[keep.pk]))
        return self._merge_confirmation(request, people, error)

    def _merge_confirmation(
        self, request: HttpRequest, people: list[Person], error: str
    ) -> TemplateResponse:
        contacts = []
        for person in people:
            others = set()
            for a, b in Tie.objects.involving(person).values_list("person_a_id", "person_b_id"):
                others.add(b if a == person.pk else a)
            contacts.append(others)
        one, other = people
        cards = []
        for person, others in zip(people, contacts, strict=True):
            cards.append(
                {
                    "person": person,
                    "ties": len(others),
                    "interests": person.interests.count(),
                    "affiliations": person.affiliations.count(),
                    "do_not_introduce": person.do_not_introduce.count(),
                    "url": reverse("admin:people_person_change", args=[person.pk]),
                }
            )
        rows = [
            (label, [getter(p) for p in people])
            for label, getter in (
                ("Public id", lambda p: p.public_id),
                ("Headline", lambda p: p.headline),
                ("Email", lambda p: p.email),
                ("Phone", lambda p: p.phone),
                ("Locality", lambda p: p.locality),
                ("Sector", lambda p: p.get_sector_display()),
                ("Visibility", lambda p: p.get_visibility_display()),
                ("Review status", lambda p: p.get_review_status_display()),
                ("Login", lambda p: p.user.get_username() if p.user else ""),
                ("Open to introductions", lambda p: "yes" if p.open_to_introductions else "no"),
                ("Do not contact", lambda p: "yes" if p.do_not_contact else "no"),
                ("Created", lambda p: p.created_at),
            )
        ]
        for person in people:  # the page shows both people's email and phone
            contact_viewed(request, person, view="merge confirmation")
        # Default choice: the profile with a login, else the older one.
        default_keep = next((p for p in people if p.user_id is not None), people[0])
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge duplicates",
            "opts": self.opts,
            "cards": cards,
            "rows": rows,
            "people": people,
            "default_keep": str(default_keep.public_id),
            "tied_to_each_other": other.pk in contacts[0],
            "shared_contacts": len((contacts[0] & contacts[1]) - {one.pk, other.pk}),
            "error": error,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/people/person/merge_confirmation.html", context)


# --- Organization, Affiliation, Tie ----------------------------------------------------------


@admin.register(Organization)
class OrganizationAdmin(AuditedAdmin):
    list_display = ("name", "kind", "city", "neighbourhood", "people_count", "updated_at")
    list_filter = ("kind", "city")
    search_fields = ("name", "city", "neighbourhood")
    readonly_fields = ("public_id", "created_at", "updated_at")
    inlines = [OrganizationAffiliationInline]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request: HttpRequest) -> QuerySet[Organization]:
        return super().get_queryset(request).annotate(people_count=Count("affiliations"))

    @admin.display(description="affiliations", ordering="people_count")
    def people_count(self, obj: Any) -> int:
        return int(obj.people_count)


@admin.register(Affiliation)
class AffiliationAdmin(AuditedAdmin):
    list_display = ("person", "organization", "role", "start", "end")
    list_select_related = ("person", "organization")
    list_filter = ("organization__kind",)
    search_fields = ("person__display_name", "organization__name", "role")
    autocomplete_fields = ("person", "organization")
    show_full_result_count = False


class TieStatusFilter(admin.SimpleListFilter):
    title = "confirmation"
    parameter_name = "confirmation"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("confirmed", "Confirmed by both"),
            ("waiting", "Waiting for an answer"),
            ("disputed", "Disputed"),
        ]

    def queryset(self, request: Any, queryset: QuerySet[Tie]) -> QuerySet[Tie]:
        if self.value() == "confirmed":
            return queryset.filter(a_status=SideStatus.CONFIRMED, b_status=SideStatus.CONFIRMED)
        if self.value() == "waiting":
            return queryset.filter(
                Q(a_status=SideStatus.UNANSWERED) | Q(b_status=SideStatus.UNANSWERED)
            ).exclude(Q(a_status=SideStatus.DISPUTED) | Q(b_status=SideStatus.DISPUTED))
        if self.value() == "disputed":
            return queryset.filter(
                Q(a_status=SideStatus.DISPUTED) | Q(b_status=SideStatus.DISPUTED)
            )
        return queryset


@admin.register(Tie)
class TieAdmin(AuditedAdmin):
    form = TieAdminForm
    list_display = (
        "person_a",
        "person_b",
        "kind",
        "provenance",
        "a_strength",
        "b_strength",
        "a_status",
        "b_status",
        "updated_at",
    )
    list_select_related = ("person_a", "person_b")
    list_filter = ("kind", "provenance", TieStatusFilter)
    search_fields = ("person_a__display_name", "person_b__display_name", "context")
    autocomplete_fields = ("person_a", "person_b")
    readonly_fields = ("public_id", "recorded_by", "created_at", "updated_at")
    show_full_result_count = False
    fieldsets = (
        (
            None,
            {
                "fields": (
                    ("person_a", "person_b"),
                    "kind",
                    "context",
                    ("since", "last_interaction"),
                    "provenance",
                )
            },
        ),
        (
            "First person's side",
            {
                "fields": (
                    "a_strength",
                    "a_status",
                    "a_allows_introductions",
                    "a_visible_to_members",
                )
            },
        ),
        (
            "Second person's side",
            {
                "fields": (
                    "b_strength",
                    "b_status",
                    "b_allows_introductions",
                    "b_visible_to_members",
                )
            },
        ),
        (
            "Record",
            {
                "fields": (
                    ("external_source", "external_id"),
                    "public_id",
                    "recorded_by",
                    ("created_at", "updated_at"),
                )
            },
        ),
    )

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
        if getattr(form, "swapped", False):
            self.message_user(
                request,
                "The two people were entered in reverse order; the tie is stored lower id "
                "first, so they and their sides were swapped.",
                messages.INFO,
            )


# --- Audit log: read-only for everyone -------------------------------------------------------


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only for everyone, superusers included (the database refuses changes as well).
    Contact details in ``before``/``after`` are masked here as on the organizers' page, so
    reading the log is never an unlogged read of contact data."""

    list_display = ("at", "actor_label", "channel", "action", "object_type", "object_id")
    list_filter = ("channel", "action", "object_type")
    search_fields = ("object_id", "actor_label", "action")
    date_hierarchy = "at"
    show_full_result_count = False
    fields = (
        "at",
        "actor",
        "actor_label",
        "channel",
        "action",
        "object_type",
        "object_id",
        "before_shown",
        "after_shown",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @staticmethod
    def _shown(data: Any) -> str:
        if not isinstance(data, dict):
            return str(data)
        masked = {k: (CONTACT_MASK if k in CONTACT_FIELDS and v else v) for k, v in data.items()}
        return json.dumps(masked, ensure_ascii=False, indent=1, sort_keys=True, default=str)

    @admin.display(description="before")
    def before_shown(self, obj: AuditEvent) -> str:
        return self._shown(obj.before)

    @admin.display(description="after")
    def after_shown(self, obj: AuditEvent) -> str:
        return self._shown(obj.after)

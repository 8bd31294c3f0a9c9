"""Admin curation of the cause taxonomy and people's interests.

The two-level rule lives in ``Cause.clean``, which the admin form runs, so a cause placed under
a sub-cause is a form error on "parent". Interest changes are audited like every admin change
to a person's data.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.http import HttpRequest

from causes.models import (
    Cause,
    GroupMember,
    GroupSuggestion,
    Interest,
    SuggestionRun,
    WeavingSuggestion,
)
from people.admin import PERSON_EXTRA_INLINES, AuditedAdmin

PASSION_ERROR = "Passion must be between 1 and 5."


class InterestForm(forms.ModelForm):
    """Passion out of range is an error on the passion field itself (the check constraint
    ``interest_passion_range`` would only report it for the whole form)."""

    class Meta:
        model = Interest
        fields = ("person", "cause", "passion", "offers", "needs")

    def clean_passion(self) -> int:
        passion = self.cleaned_data["passion"]
        if not 1 <= passion <= 5:
            raise ValidationError(PASSION_ERROR, code="passion_range")
        return int(passion)


class InterestInline(admin.TabularInline):
    """A person's causes, on the person's admin page."""

    model = Interest
    form = InterestForm
    fields = ("cause", "passion", "offers", "needs")
    autocomplete_fields = ("cause",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[Interest]:
        return super().get_queryset(request).select_related("cause")


PERSON_EXTRA_INLINES.append(InterestInline)


class TopLevelFilter(admin.SimpleListFilter):
    title = "level"
    parameter_name = "level"

    def lookups(self, request: Any, model_admin: Any) -> list[tuple[str, str]]:
        return [("top", "Top-level causes"), ("sub", "Sub-causes")]

    def queryset(self, request: Any, queryset: QuerySet[Cause]) -> QuerySet[Cause]:
        if self.value() == "top":
            return queryset.filter(parent__isnull=True)
        if self.value() == "sub":
            return queryset.filter(parent__isnull=False)
        return queryset


@admin.register(Cause)
class CauseAdmin(AuditedAdmin):
    list_display = ("name", "parent", "slug", "interest_count")
    list_select_related = ("parent",)
    list_filter = (TopLevelFilter, ("parent", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "slug", "description")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "parent", "description")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Cause]:
        return super().get_queryset(request).annotate(interest_count=Count("interests"))

    @admin.display(description="interested people", ordering="interest_count")
    def interest_count(self, obj: Any) -> int:
        return int(obj.interest_count)


@admin.register(Interest)
class InterestAdmin(AuditedAdmin):
    form = InterestForm
    list_display = ("person", "cause", "passion", "updated_at")
    list_select_related = ("person", "cause")
    list_filter = ("passion", "cause")
    search_fields = ("person__display_name", "cause__name", "offers", "needs")
    autocomplete_fields = ("person", "cause")
    show_full_result_count = False


# ---------------------------------------------------------------------------------------------
# Suggestions (issue 5): read-only in the admin. They are computed by runs and changed through
# the organizer pages and the API, whose services check permissions and keep history; the admin
# is for looking, not for editing scores by hand.


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SuggestionRun)
class SuggestionRunAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "cause", "neighbourhood", "trigger", "status", "compute_ms"]
    list_filter = ["status", "trigger", "include_groups", "include_weaving"]
    list_select_related = ["cause"]
    date_hierarchy = "created_at"


class GroupMemberInline(admin.TabularInline):
    model = GroupMember
    fields = ["person", "role", "passion", "response", "responded_at"]
    readonly_fields = ["person", "role", "passion", "response", "responded_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(GroupSuggestion)
class GroupSuggestionAdmin(ReadOnlyAdmin):
    list_display = ["cause", "neighbourhood", "rank", "score", "status", "outcome", "created_at"]
    list_filter = ["status", "outcome", "is_current", "cause"]
    list_select_related = ["cause"]
    inlines = [GroupMemberInline]
    search_fields = ["memberships__person__display_name"]


@admin.register(WeavingSuggestion)
class WeavingSuggestionAdmin(ReadOnlyAdmin):
    list_display = ["person", "other", "broker", "kind", "cause", "score", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["person", "other", "broker", "cause"]
    raw_id_fields = ["person", "other", "broker"]

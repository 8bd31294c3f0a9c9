"""One FilterSet for the directory page and the API."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet

from people.models import Person, Sector
from people.roles import Viewer


class PersonFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_search", label="Search")
    cause = django_filters.CharFilter(method="filter_cause", label="Cause")
    neighbourhood = django_filters.CharFilter(field_name="neighbourhood", lookup_expr="iexact")
    sector = django_filters.ChoiceFilter(choices=Sector.choices)
    organization = django_filters.UUIDFilter(method="filter_organization", label="Organization")

    class Meta:
        model = Person
        fields = ["q", "cause", "neighbourhood", "sector", "organization"]

    def __init__(self, *args: Any, viewer: Viewer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.viewer = viewer

    def filter_search(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        # Only public profile fields are searched: never email or phone.
        for term in value.split()[:6]:
            queryset = queryset.filter(
                Q(display_name__icontains=term)
                | Q(headline__icontains=term)
                | Q(neighbourhood__icontains=term)
                | Q(city__icontains=term)
            )
        return queryset

    def filter_cause(self, queryset: QuerySet[Person], name: str, value: str) -> QuerySet[Person]:
        # A top-level cause includes its sub-causes.
        return queryset.filter(
            Q(interests__cause__slug=value) | Q(interests__cause__parent__slug=value)
        ).distinct()

    def filter_organization(
        self, queryset: QuerySet[Person], name: str, value: Any
    ) -> QuerySet[Person]:
        return queryset.filter(affiliations__organization__public_id=value).distinct()

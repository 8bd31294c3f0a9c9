"""Cause pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from causes.models import Cause


@login_required
def cause_list(request: HttpRequest) -> HttpResponse:
    return render(request, "causes/list.html", {"causes": Cause.objects.all()})


@login_required
def cause_detail(request: HttpRequest, slug: str) -> HttpResponse:
    cause = get_object_or_404(Cause, slug=slug)
    return render(request, "causes/detail.html", {"cause": cause})

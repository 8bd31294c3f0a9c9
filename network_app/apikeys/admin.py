"""API keys and webhooks in the admin. An admin issues a key acting as themself; the token is
shown once in a message after saving and only its fingerprint is stored."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from network_app.apikeys import SCOPE_CHOICES
from network_app.apikeys.services import api_key_create, api_key_revoke
from network_app.models import ApiKey, Webhook, WebhookDelivery
from people.errors import DomainError
from people.models import AuditEvent


class ApiKeyAddForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(choices=SCOPE_CHOICES, widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = ApiKey
        fields = ["name", "scopes", "expires_at"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    list_select_related = ["user"]
    actions = ["revoke"]
    readonly_fields = [
        "name",
        "user",
        "prefix",
        "scopes",
        "created_at",
        "expires_at",
        "last_used_at",
        "revoked_at",
        "revoked_by",
    ]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if obj is None:
            kwargs["form"] = ApiKeyAddForm
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return self.readonly_fields if obj is not None else ["name", "scopes", "expires_at"]

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            return  # keys are not edited: revoke and create another
        try:
            key, token = api_key_create(
                by=request.user,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
                expires_at=form.cleaned_data.get("expires_at"),
                channel=AuditEvent.Channel.ADMIN,
            )
        except DomainError as error:
            raise forms.ValidationError(error.message) from error
        obj.pk = key.pk
        obj.public_id = key.public_id
        messages.warning(request, f"The new key (copy it now, it is shown only once): {token}")

    @admin.action(description="Revoke the selected keys")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(by=request.user, key=key, channel=AuditEvent.Channel.ADMIN)
        messages.success(request, "Revoked.")


class WebhookDeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    extra = 0
    can_delete = False
    fields = ("event", "status", "attempts", "response_status", "error", "created_at")
    readonly_fields = fields
    ordering = ["-created_at"]
    show_change_link = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> Any:
        return super().get_queryset(request).order_by("-created_at")


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["url", "owner", "is_active", "consecutive_failures", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "owner__username"]
    list_select_related = ["owner"]
    readonly_fields = ["url", "owner", "api_key", "events", "consecutive_failures", "disabled_at"]
    fields = [
        "url",
        "owner",
        "api_key",
        "events",
        "is_active",
        "consecutive_failures",
        "disabled_at",
    ]
    inlines = [WebhookDeliveryInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # registered through the API, which checks the URL

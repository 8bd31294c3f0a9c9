"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from network_app import views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="people:directory", permanent=False), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("people/", include("people.urls")),
    path("causes/", include("causes.urls")),
    path("dashboard/", include("network_app.dashboard_urls")),
    path("exchange/", include("network_app.exchange_urls")),
    path("api/v1/", include(("network_app.api", "api"), namespace="api")),
    path("api-keys/", include("network_app.apikeys.urls")),  # issue 7
    path("admin/", admin.site.urls),
]

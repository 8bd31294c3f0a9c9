"""Top-level URL configuration."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from network_app import views
from people.accounts.views import SmallbatchLoginView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="people:directory", permanent=False), name="home"),
    path("healthz", views.healthz, name="healthz"),
    # Accounts (issue 9): the login (and the admin's) asks for a TOTP code when one is set up.
    path("accounts/login/", SmallbatchLoginView.as_view(), name="login"),
    path("admin/login/", SmallbatchLoginView.as_view(), name="admin_login"),
    path("accounts/", include("people.accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("people/", include("people.urls")),
    path("causes/", include("causes.urls")),
    path("dashboard/", include("network_app.dashboard_urls")),
    path("exchange/", include("network_app.exchange_urls")),
    path("api/v1/", include(("network_app.api", "api"), namespace="api")),
    path("api-keys/", include("network_app.apikeys.urls")),  # issue 7
    path("admin/", admin.site.urls),
]
handler500 = "network_app.outages.server_error"

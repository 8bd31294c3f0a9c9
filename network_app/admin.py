"""Admin registrations of network_app (API keys and webhooks live in their package)."""

from network_app.apikeys import admin as apikeys_admin  # noqa: F401 - registers the admins

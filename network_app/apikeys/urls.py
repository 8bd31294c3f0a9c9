from django.urls import path

from network_app.apikeys import views

app_name = "api_keys"

urlpatterns = [
    path("", views.api_keys, name="list"),
    path("<uuid:public_id>/revoke/", views.api_key_revoke_view, name="revoke"),
]

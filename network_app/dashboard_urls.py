"""URLs of the organizer dashboard, mounted under ``/dashboard/`` (namespace ``dashboard``)."""

from django.urls import path

from network_app import dashboard_views as views
from people.audit import views as audit_views

app_name = "dashboard"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("snapshots/", views.snapshot_create, name="snapshot_create"),
    path("map/", views.network_map, name="map"),
    path("map.json", views.map_data, name="map_data"),
    path("table/", views.table, name="table"),
    path("export.<str:fmt>", views.export, name="export"),
    path("people/<uuid:public_id>/", views.person_panel, name="person"),
    path("people/<uuid:public_id>/reach/<uuid:other_id>/", views.pair_path, name="pair_path"),
    path("audit/", audit_views.audit_log, name="audit"),  # issue 9
]

"""URLs of import and export, mounted under ``/exchange/`` (namespace ``exchange``)."""

from django.urls import path

from network_app import exchange_views as views

app_name = "exchange"

urlpatterns = [
    path("", views.index, name="index"),
    path("imports/", views.upload, name="upload"),
    path("imports/<uuid:public_id>/", views.import_job, name="import_job"),
    path("imports/<uuid:public_id>/confirm/", views.confirm, name="confirm"),
    path("imports/<uuid:public_id>/rejected/", views.rejected, name="rejected"),
    path("templates/<slug:kind>/", views.template, name="template"),
    path("export/<slug:fmt>/", views.export, name="export"),
]

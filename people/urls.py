from django.urls import path

from people import views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("<uuid:public_id>/", views.profile, name="profile"),
]

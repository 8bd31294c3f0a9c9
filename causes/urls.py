from django.urls import path

from causes import views

app_name = "causes"

urlpatterns = [
    path("", views.cause_list, name="list"),
    path("<slug:slug>/", views.cause_detail, name="detail"),
]

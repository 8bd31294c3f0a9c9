from django.urls import path

from people import path_views, views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("me/", views.me, name="me"),
    path("me/privacy/", views.me_privacy, name="me_privacy"),
    path("me/causes/", views.me_causes, name="me_causes"),
    path("me/ties/", views.me_ties, name="me_ties"),
    path("me/ties/<uuid:tie_id>/", views.tie_side, name="tie_side"),
    path("<uuid:public_id>/", views.profile, name="profile"),
    path("<uuid:public_id>/tie/", views.record_tie, name="record_tie"),
    path("<uuid:public_id>/reach/", path_views.path_search_create, name="path_search_create"),
    path("searches/<uuid:public_id>/", path_views.path_search_detail, name="path_search"),
]

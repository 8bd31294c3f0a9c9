from django.urls import path

from people import data_views, intro_views, path_views, views

app_name = "people"

urlpatterns = [
    path("", views.directory, name="directory"),
    path("organizations/", views.organization_options, name="organization_options"),
    path("me/", views.me, name="me"),
    path("me/privacy/", views.me_privacy, name="me_privacy"),
    path("me/causes/", views.me_causes, name="me_causes"),
    path("me/ties/", views.me_ties, name="me_ties"),
    # My data: download and account deletion (issue 8)
    path("me/data/", data_views.me_data, name="me_data"),
    path("me/data/delete/", data_views.me_data_delete, name="me_data_delete"),
    path("me/data/export.<slug:fmt>", data_views.me_data_export, name="me_data_export"),
    path("me/ties/<uuid:tie_id>/", views.tie_side, name="tie_side"),
    path("<uuid:public_id>/", views.profile, name="profile"),
    path("<uuid:public_id>/tie/", views.record_tie, name="record_tie"),
    path("<uuid:public_id>/reach/", path_views.path_search_create, name="path_search_create"),
    path("searches/<uuid:public_id>/", path_views.path_search_detail, name="path_search"),
    # Introductions (issue 4)
    path("introductions/", intro_views.introduction_inbox, name="introductions"),
    path("introductions/new/", intro_views.introduction_new, name="introduction_new"),
    path("introductions/network/", intro_views.introduction_network, name="introductions_network"),
    path("introductions/<uuid:public_id>/", intro_views.introduction_detail, name="introduction"),
    path(
        "introductions/<uuid:public_id>/<slug:action>/",
        intro_views.introduction_action,
        name="introduction_action",
    ),
    path("notifications/", intro_views.notification_inbox, name="notifications"),
    path("notifications/read/", intro_views.notification_read_all, name="notifications_read"),
]

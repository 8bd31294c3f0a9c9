from django.urls import path

from causes import group_views, views

app_name = "causes"

urlpatterns = [
    path("", views.cause_list, name="list"),
    # Small-batch groups, weaving suggestions and runs (before the cause slug, which would
    # otherwise match "groups", "weaving" and "runs").
    path("groups/", group_views.group_list, name="groups"),
    path("groups/<uuid:public_id>/", group_views.group_detail, name="group_detail"),
    path("groups/<uuid:public_id>/convene/", group_views.group_convene, name="group_convene"),
    path("groups/<uuid:public_id>/dismiss/", group_views.group_dismiss, name="group_dismiss"),
    path("groups/<uuid:public_id>/outcome/", group_views.group_outcome, name="group_outcome"),
    path("groups/<uuid:public_id>/respond/", group_views.group_respond, name="group_respond"),
    path("weaving/", group_views.weaving_list, name="weaving"),
    path("weaving/<uuid:public_id>/dismiss/", group_views.weaving_dismiss, name="weaving_dismiss"),
    path("runs/", group_views.run_list, name="runs"),
    path("runs/new/", group_views.run_create, name="run_create"),
    path("runs/<uuid:public_id>/", group_views.run_detail, name="run_detail"),
    path("<slug:slug>/groups/", group_views.cause_groups, name="cause_groups"),
    path("<slug:slug>/", views.cause_detail, name="detail"),
]

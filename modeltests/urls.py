from django.urls import path

from modeltests import views

app_name = "modeltests"

urlpatterns = [
    path("<uuid:provider>/endpoints/", views.endpoint_list, name="endpoint_list"),
    path("<uuid:provider>/endpoints/new/", views.endpoint_create, name="endpoint_create"),
    path("<uuid:provider>/endpoints/<uuid:endpoint>/", views.endpoint_edit, name="endpoint_edit"),
    path(
        "<uuid:provider>/endpoints/<uuid:endpoint>/test/",
        views.endpoint_check,
        name="endpoint_check",
    ),
    path("services/<uuid:service>/", views.service_runs, name="service_runs"),
    path("runs/<uuid:run>/", views.run_detail, name="run"),
    path("runs/<uuid:run>/progress/", views.run_progress, name="run_progress"),
    path("runs/<uuid:run>/control/", views.run_control, name="run_control"),
    path("runs/<uuid:run>/items/", views.run_items, name="run_items"),
    path("runs/<uuid:run>/export.jsonl", views.run_export, name="run_export"),
    path("runs/<uuid:run>/attach/", views.run_attach, name="run_attach"),
    path("runs/<uuid:run>/grade/", views.run_grade, name="run_grade"),
    path("runs/<uuid:run>/items/<int:item>/refusal/", views.item_refusal, name="item_refusal"),
]

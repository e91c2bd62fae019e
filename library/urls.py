from django.urls import path

from library import views

app_name = "library"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views.search, name="search"),
    path("risks/", views.risk_list, name="risks"),
    path("templates/<str:kind>.<str:fmt>", views.analyser_template, name="analyser_template"),
    path("instruments/<str:code>/", views.instrument_detail, name="instrument"),
    path(
        "instruments/<str:code>/changes/",
        views.instrument_changes_view,
        name="instrument_changes",
    ),
    path(
        "questionnaires/<slug:code>/changes/v<int:old>-v<int:new>/",
        views.questionnaire_changes,
        name="questionnaire_changes",
    ),
    # keys such as HAI-20/21 hold a slash
    path("provisions/<path:key>/", views.provision_detail, name="provision"),
    path(
        "questionnaires/<slug:code>/v<int:version>/",
        views.questionnaire_detail,
        name="questionnaire",
    ),
    path(
        "questionnaires/<slug:code>/v<int:version>/<str:question>/",
        views.question_detail,
        name="question",
    ),
]

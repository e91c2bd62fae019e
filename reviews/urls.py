from django.urls import include, path

from reviews import views

app_name = "reviews"

review_urls = [
    path("", views.detail, name="detail"),
    path("claim/", views.claim, name="claim"),
    path("assign/", views.assign, name="assign"),
    path("verdicts/<str:question>/", views.verdict, name="verdict"),
    path("verdicts/<str:question>/confirm/", views.confirm, name="confirm"),
    path("accept-domain/", views.accept_domain, name="accept_domain"),
    path("request-changes/", views.request_changes, name="request_changes"),
    path("approve/", views.approve, name="approve"),
    path("reject/", views.reject, name="reject"),
    path("evidence/<uuid:evidence>/", views.evidence, name="evidence"),
    path(
        "evidence/<uuid:evidence>/thumbnail/",
        views.evidence_thumbnail,
        name="evidence_thumbnail",
    ),
]

urlpatterns = [
    path("", views.index, name="index"),
    path("<uuid:assessment>/", include(review_urls)),
]

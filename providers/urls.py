from django.urls import include, path

from assessments import views as assessment_views
from providers import views

app_name = "providers"

service_urls = [
    path("", views.service_detail, name="service_detail"),
    path("edit/", views.service_edit, name="service_edit"),
    path("assessments/start/", assessment_views.start, name="assessment_start"),
]

member_urls = [
    path("", views.member_list, name="members"),
    path("<uuid:member>/role/", views.member_role, name="member_role"),
    path("<uuid:member>/remove/", views.member_remove, name="member_remove"),
    path(
        "invitations/<uuid:invitation>/revoke/", views.invitation_revoke, name="invitation_revoke"
    ),
]

provider_urls = [
    path("", views.provider_detail, name="detail"),
    path("edit/", views.provider_edit, name="edit"),
    path("services/new/", views.service_create, name="service_create"),
    path("services/<uuid:service>/", include(service_urls)),
    path("members/", include(member_urls)),
]

urlpatterns = [
    path("", views.provider_list, name="list"),
    path("new/", views.provider_create, name="create"),
    path("<uuid:provider>/", include(provider_urls)),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
]

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import redirect_to_login
from django.urls import include, path, reverse
from django.views.i18n import set_language

from portal import views

admin.site.site_header = admin.site.site_title = "合规门户 · Compliance portal"


def _admin_login(request, extra_context=None):
    """The admin signs in through the portal's sign-in, with its second factor and lockout."""
    return redirect_to_login(request.GET.get("next", "/admin/"), reverse("accounts:login"))


admin.site.login = login_not_required(_admin_login)

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("accounts/", include("accounts.urls")),
    path("providers/", include("providers.urls")),
    path("assessments/", include("assessments.urls")),
    path("library/", include("library.urls")),
    path("reviews/", include("reviews.urls")),
    path("dossiers/", include("dossiers.urls")),
    path("filing/", include("filing.urls")),
    path("notifications/", include("notifications.urls")),
    path("api/v1/", include("api.urls")),
    path("model-tests/", include("modeltests.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "portal.errors.bad_request"
handler403 = "portal.errors.permission_denied"
handler404 = "portal.errors.page_not_found"
handler500 = "portal.errors.server_error"

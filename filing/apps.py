from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingConfig(AppConfig):
    name = "filing"
    verbose_name = _("Filing documents")

    def ready(self) -> None:
        from filing import summary  # noqa: F401  (connects the receivers)

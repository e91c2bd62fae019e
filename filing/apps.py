from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FilingConfig(AppConfig):
    name = "filing"
    verbose_name = _("Filing documents")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from filing import summary  # connects the post_save receivers

        post_migrate.connect(summary._migrated, sender=self, dispatch_uid="filing-summary-fill")

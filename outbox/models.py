"""Background work committed but not yet handed to the broker (see outbox/services.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One task call, written in the transaction of the change that needs it and deleted once
    the broker took it. A row that stays means the broker was unreachable at commit: the
    sweeper sends it again."""

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("arguments"), default=list)
    task_id = models.CharField(_("task id"), max_length=64)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    attempts = models.PositiveIntegerField(_("failed sends"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("queued task")
        verbose_name_plural = _("queued tasks")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"

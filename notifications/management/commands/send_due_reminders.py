"""Remind reviewers of reviews that fall due within settings.REVIEW_REMINDER_DAYS.

Touches only notifications: creates a `due_soon` notification (and queues its e-mail) for each
submitted or in-review assessment due within that many days, overdue ones included. Harmless to
rerun within a day: an assessment reminded in the last day is skipped. Celery beat runs the same
function every morning (CELERY_BEAT_SCHEDULE); this command is for a cron set-up or by hand.
"""

from django.core.management.base import BaseCommand

from notifications.services import remind_due_reviews


class Command(BaseCommand):
    help = "Send due-date reminders for reviews (safe to rerun the same day)."

    def handle(self, *args, **options):
        sent = remind_due_reviews()
        assessments = {n.assessment_id for n in sent}
        self.stdout.write(
            self.style.SUCCESS(f"Reminders sent: {len(sent)} (assessments: {len(assessments)}).")
        )

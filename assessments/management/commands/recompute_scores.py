"""Recompute the stored progress, self-assessed and reviewed scores, filing routes and
blocking pre-filing checks of every assessment (`migrate` already fills in the routes and checks
an assessment lacks, see filing.summary, and recomputes scores stored under older scoring rules,
see assessments.scores.recompute_stale).

Touches Assessment.progress, answered_count, applicable_count, self_score, reviewed_score,
filing_routes and blocking_count only (snapshots of submitted versions stay as they were
submitted; their routes and checks are read from the snapshot, their score is scored again when
it predates the current rules). Harmless to rerun: the same answers give the same figures.
"""

from django.core.management.base import BaseCommand

from assessments.models import Assessment
from assessments.scores import rescore


class Command(BaseCommand):
    help = "Recompute progress and scores of all assessments (idempotent)."

    def handle(self, *args, **options):
        count = 0
        for pk in Assessment.objects.values_list("pk", flat=True).iterator(chunk_size=100):
            rescore(pk)
            count += 1
        self.stdout.write(self.style.SUCCESS(f"Recomputed {count} assessments."))

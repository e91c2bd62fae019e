"""Pre-filing checks: the automatable rules of filing-practice.md §8, as pure functions.

Each check reads a `FilingFacts` and returns a `CheckResult` (pass / warn / block) or None when
the portal holds none of the data it needs: a missing result means "not checked", never
"passed". Rules and thresholds are those of shared/reference/filing-practice.md (§8 item N,
§5 reason RN) and the provision keys of the library (TC-…). Block = fix before the filing
documents are used; warn = the reviewer decides.

One module per area; importing it registers its checks. Pages order the areas by base.AREAS.
"""

from filing.checks import algorithm, annex4, annex5, form, identity, measures, package, report
from filing.checks.base import (
    AREAS,
    CHECKS,
    NOT_AUTOMATED,
    STATUS_ORDER,
    CheckResult,
    CheckSpec,
    Link,
    Report,
    run_checks,
)
from filing.checks.form import FORM_FUNCTIONS, form_functions
from filing.checks.identity import entity_name
from filing.checks.package import secrets
from filing.checks.report import corpus_sampling_summary, test_results_summary

__all__ = [
    "AREAS",
    "CHECKS",
    "FORM_FUNCTIONS",
    "NOT_AUTOMATED",
    "STATUS_ORDER",
    "CheckResult",
    "CheckSpec",
    "Link",
    "Report",
    "algorithm",
    "annex4",
    "annex5",
    "corpus_sampling_summary",
    "entity_name",
    "form",
    "form_functions",
    "identity",
    "measures",
    "package",
    "report",
    "run_checks",
    "secrets",
    "test_results_summary",
]

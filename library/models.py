"""The provision library: instruments, their provisions, the 31 risks, and the versioned
questionnaires whose questions cite the provisions. Loaded from fixtures/ by
`manage.py load_questionnaires`; read-only in the portal."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from library.i18n import reader_text, text_language


class Bilingual:
    """`obj.tr("title")` gives title_en in English and title_zh otherwise."""

    def tr(self, field: str) -> str:
        lang = text_language()
        value = getattr(self, f"{field}_{lang}", "")
        return reader_text(value or getattr(self, f"{field}_zh", ""))


class InstrumentKind(models.TextChoices):
    LAW = "law", _("Law")
    ADMINISTRATIVE_REGULATION = "administrative_regulation", _("Administrative regulation")
    DEPARTMENTAL_RULE = "departmental_rule", _("Departmental rule")
    NORMATIVE_DOCUMENT = "normative_document", _("Normative document")
    MANDATORY_STANDARD = "mandatory_standard", _("Mandatory national standard")
    RECOMMENDED_STANDARD = "recommended_standard", _("Recommended national standard")
    TECHNICAL_DOCUMENT = "technical_document", _("Technical document")
    PRACTICE_GUIDE = "practice_guide", _("Practice guide")
    GROUP_STANDARD = "group_standard", _("Group standard (voluntary)")


class InstrumentStatus(models.TextChoices):
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")
    NOT_YET_IN_FORCE = "not_yet_in_force", _("Not yet in force")


class Confidence(models.TextChoices):
    TEXT = "T", _("Checked against the official text")
    TRANSLATION = "T-tr", _("Checked against a faithful translation")
    REPRINT = "T-r", _("Official wording read in a verbatim reprint")
    SECONDARY = "S", _("Secondary sources")
    UNCONFIRMED = "UNCONFIRMED", _("Unconfirmed")


class Instrument(Bilingual, models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    title_zh = models.CharField(_("title (Chinese)"), max_length=300)
    title_en = models.CharField(_("title (English)"), max_length=300)
    short_zh = models.CharField(_("short name (Chinese)"), max_length=100)
    short_en = models.CharField(_("short name (English)"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=InstrumentKind.choices)
    issuer_zh = models.CharField(_("issuer (Chinese)"), max_length=200, blank=True)
    issuer_en = models.CharField(_("issuer (English)"), max_length=200, blank=True)
    document_number = models.CharField(_("document number"), max_length=200, blank=True)
    published = models.DateField(_("published"), null=True, blank=True)
    effective = models.DateField(_("effective"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=InstrumentStatus.choices)
    superseded_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supersedes",
        verbose_name=_("superseded by"),
    )
    source_url = models.URLField(_("source"), max_length=500, blank=True)
    notes_zh = models.TextField(_("notes (Chinese)"), blank=True)
    notes_en = models.TextField(_("notes (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("instrument")
        verbose_name_plural = _("instruments")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.short_zh}"

    def get_absolute_url(self) -> str:
        return reverse("library:instrument", kwargs={"code": self.code})

    def status_on(self, today: dt.date | None = None) -> str:
        """The status on `today`: the recorded one, except that the date in force decides
        between "not yet in force" and "in force" (an instrument comes into force on its date
        without anyone editing the library). Superseded stays superseded."""
        if self.status == InstrumentStatus.SUPERSEDED or self.effective is None:
            return self.status
        today = today or timezone.localdate()
        if self.effective <= today:
            return InstrumentStatus.IN_FORCE
        return InstrumentStatus.NOT_YET_IN_FORCE

    @property
    def current_status(self) -> str:
        return self.status_on()

    @property
    def current_status_label(self) -> str:
        return str(InstrumentStatus(self.current_status).label)


class Provision(Bilingual, models.Model):
    instrument = models.ForeignKey(
        Instrument,
        on_delete=models.CASCADE,
        related_name="provisions",
        verbose_name=_("instrument"),
    )
    key = models.CharField(_("item key"), max_length=40, unique=True)
    article = models.CharField(_("article or clause"), max_length=40, blank=True)
    paragraph = models.CharField(_("paragraph"), max_length=20, blank=True)
    item = models.CharField(_("item"), max_length=20, blank=True)
    ref_zh = models.CharField(_("citation (Chinese)"), max_length=100)
    ref_en = models.CharField(_("citation (English)"), max_length=100)
    summary_zh = models.TextField(_("summary (Chinese)"))
    summary_en = models.TextField(_("summary (English)"))
    assessable = models.BooleanField(_("assessable"), default=True)
    confidence = models.CharField(_("confidence"), max_length=12, choices=Confidence.choices)
    threshold_zh = models.CharField(_("threshold (Chinese)"), max_length=200, blank=True)
    threshold_en = models.CharField(_("threshold (English)"), max_length=200, blank=True)
    gbt45654_zh = models.TextField(_("GB/T 45654 mapping (Chinese)"), blank=True)
    gbt45654_en = models.TextField(_("GB/T 45654 mapping (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("provision")
        verbose_name_plural = _("provisions")
        ordering = ["instrument__position", "position"]

    def __str__(self) -> str:
        return self.key

    def get_absolute_url(self) -> str:
        return reverse("library:provision", kwargs={"key": self.key})

    @property
    def is_unconfirmed(self) -> bool:
        return self.confidence == Confidence.UNCONFIRMED


class RiskCategory(Bilingual, models.Model):
    code = models.CharField(_("code"), max_length=10, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("risk category")
        verbose_name_plural = _("risk categories")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Risk(Bilingual, models.Model):
    """One of the 31 security risks of TC260-003 / GB/T 45654 Appendix A."""

    category = models.ForeignKey(
        RiskCategory,
        on_delete=models.CASCADE,
        related_name="risks",
        verbose_name=_("category"),
    )
    code = models.CharField(_("code"), max_length=10, unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        ordering = ["position"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_zh}"


class Questionnaire(Bilingual, models.Model):
    """One immutable version of a questionnaire; changed content needs a new version."""

    code = models.SlugField(_("code"), max_length=60)
    version = models.PositiveIntegerField(_("version"))
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    filing_routes = models.JSONField(_("filing routes"), default=list)
    content_hash = models.CharField(_("content SHA-256"), max_length=64)
    # The document layout (library.layouts): which questions the filing documents and checks
    # read. Loaded from its own file next to the questionnaire's.
    layout = models.JSONField(_("document layout"), default=dict, blank=True)
    layout_hash = models.CharField(_("layout SHA-256"), max_length=64, blank=True)
    source_file = models.CharField(_("source file"), max_length=200)
    loaded_at = models.DateTimeField(_("loaded"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["code", "version"],
                name="library_questionnaire_version_unique",
                violation_error_message=_("This questionnaire version exists already."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title_zh} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("library:questionnaire", kwargs={"code": self.code, "version": self.version})


class Domain(Bilingual, models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="domains",
        verbose_name=_("questionnaire"),
    )
    code = models.SlugField(_("code"), max_length=40)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domains")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "code"], name="library_domain_code_unique"
            )
        ]

    def __str__(self) -> str:
        return self.title_zh


class QuestionKind(models.TextChoices):
    CLAUSE = "clause", _("Clause result (conforms / does not conform / not applicable)")
    YES_NO = "yes_no", _("Yes or no")
    SINGLE_CHOICE = "single_choice", _("Single choice")
    MULTIPLE_CHOICE = "multiple_choice", _("Multiple choice")
    NUMBER = "number", _("Number")
    DATE = "date", _("Date")
    TEXT = "text", _("Text")
    EVIDENCE = "evidence", _("Evidence upload")


class Question(Bilingual, models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire,
        on_delete=models.CASCADE,
        related_name="questions",
        verbose_name=_("questionnaire"),
    )
    domain = models.ForeignKey(
        Domain, on_delete=models.CASCADE, related_name="questions", verbose_name=_("domain")
    )
    code = models.CharField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=20, choices=QuestionKind.choices)
    text_zh = models.TextField(_("question (Chinese)"))
    text_en = models.TextField(_("question (English)"))
    guidance_zh = models.TextField(_("guidance (Chinese)"), blank=True)
    guidance_en = models.TextField(_("guidance (English)"), blank=True)
    provisions = models.ManyToManyField(
        Provision, related_name="questions", verbose_name=_("cited provisions")
    )
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)
    red_line = models.BooleanField(_("red line"), default=False)
    advisory = models.BooleanField(_("advisory"), default=False)
    required = models.BooleanField(_("required"), default=True)
    evidence_required = models.BooleanField(_("evidence required"), default=False)
    gate = models.BooleanField(_("gate question"), default=False)
    applies_if = models.JSONField(_("applies if"), null=True, blank=True)
    expected = models.JSONField(_("expected answer"), null=True, blank=True)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    unit_zh = models.CharField(_("unit (Chinese)"), max_length=40, blank=True)
    unit_en = models.CharField(_("unit (English)"), max_length=40, blank=True)
    thresholds = models.JSONField(_("thresholds"), default=list, blank=True)
    # number questions: {"min": n, "max": n, "integer": bool}; the form refuses values outside
    answer_range = models.JSONField(_("accepted range"), null=True, blank=True)
    # clause questions: False where 不适用 is never a valid answer (e.g. red lines every public
    # service must meet)
    na_allowed = models.BooleanField(_("not applicable allowed"), default=True)
    analyser = models.CharField(_("analyser"), max_length=40, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["questionnaire", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["questionnaire", "code"],
                name="library_question_code_unique",
                violation_error_message=_("Question codes are unique within a questionnaire."),
            ),
            models.CheckConstraint(
                condition=~(models.Q(red_line=True) & models.Q(advisory=True)),
                name="library_question_red_line_not_advisory",
                violation_error_message=_("An advisory question cannot be a red line."),
            ),
        ]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse(
            "library:question",
            kwargs={
                "code": self.questionnaire.code,
                "version": self.questionnaire.version,
                "question": self.code,
            },
        )

    def choice_label(self, value) -> str:
        lang = text_language()
        for choice in self.choices:
            if choice["value"] == value:
                return choice.get(f"label_{lang}") or choice["label_zh"]
        return str(value)

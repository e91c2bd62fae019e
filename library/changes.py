"""What changed between two questionnaire versions, question by question, and per instrument.

A question "did not change" when its code AND its content fingerprint are the same in both
versions. The fingerprint covers what an answer means: the wording in both languages, the
answer kind, the option set (values and labels) and the thresholds (with units). Guidance,
weights, citations and conditions are left out: they change how an answer is scored or when it
is asked, not what it says, so an answer given to the old wording still answers the new one.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from library.catalogue import Catalogue, QuestionItem
from library.models import Instrument, InstrumentStatus, Provision, Questionnaire


def fingerprint(q) -> str:
    """SHA-256 of a question's content; `q` is a QuestionItem or a library Question."""
    content = {
        "kind": q.kind,
        "text": [q.text_zh.strip(), q.text_en.strip()],
        "unit": [q.unit_zh, q.unit_en],
        "choices": sorted(
            [c.get("value"), c.get("label_zh", ""), c.get("label_en", "")] for c in q.choices
        ),
        "thresholds": sorted(
            [
                t.get("key"),
                t.get("value"),
                t.get("comparison"),
                t.get("unit", ""),
                bool(t.get("advisory")),
            ]
            for t in q.thresholds
        ),
    }
    data = json.dumps(content, ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(data.encode()).hexdigest()


# --- word / character diff -----------------------------------------------------------------

_WORD = re.compile(r"\s+|[A-Za-z0-9_.,%'’-]+|.", re.S)


def _tokens(text: str, lang: str) -> list[str]:
    # Chinese has no spaces between words: compare character by character; English by word.
    return list(text) if lang == "zh" else _WORD.findall(text)


@dataclass(frozen=True)
class Segment:
    op: str  # "same" | "del" | "ins"
    text: str


def text_diff(old: str, new: str, lang: str) -> list[Segment]:
    a, b = _tokens(old or "", lang), _tokens(new or "", lang)
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            segments.append(Segment("same", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(Segment("del", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(Segment("ins", "".join(b[j1:j2])))
    return segments


# --- thresholds in words --------------------------------------------------------------------

SYMBOLS = {"ge": "≥", "le": "≤", "gt": ">", "lt": "<", "eq": "="}
UNITS = {
    "percent": ("%", "%"),
    "days": ("天", " days"),
    "months": ("个月", " months"),
    "years": ("年", " years"),
    "seconds": ("秒", " s"),
    "clicks": ("次点击", " clicks"),
}


def _number(value) -> str:
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,}"
    try:
        return f"{int(value):,}".replace(",", " ")
    except (TypeError, ValueError):
        return str(value)


def threshold_text(t: dict, q, lang: str) -> str:
    """`≥ 10 000 条`, `≥ 96 %`, `≤ 31 days (advisory)`: never the stored key or unit code."""
    unit = t.get("unit", "")
    value = t.get("value")
    if unit == "ratio" and isinstance(value, int | float):
        figure = f"{value * 100:g} %"
    else:
        figure = _number(value)
        if unit == "count":
            suffix = q.unit_zh if lang == "zh" else q.unit_en
            figure += (suffix if lang == "zh" else f" {suffix}") if suffix else ""
        elif unit in UNITS:
            figure += UNITS[unit][0 if lang == "zh" else 1]
    text = f"{SYMBOLS.get(t.get('comparison'), '')} {figure}".strip()
    if t.get("advisory"):
        text += "（建议性）" if lang == "zh" else " (advisory)"
    return text


@dataclass(frozen=True)
class ThresholdChange:
    zh: list[Segment]
    en: list[Segment]


def _threshold_changes(old, new) -> list[ThresholdChange]:
    before = {t.get("key"): t for t in (old.thresholds if old else ())}
    after = {t.get("key"): t for t in (new.thresholds if new else ())}
    changes = []
    for key in list(before) + [k for k in after if k not in before]:
        a, b = before.get(key), after.get(key)
        texts = {
            lang: (
                threshold_text(a, old, lang) if a else "",
                threshold_text(b, new, lang) if b else "",
            )
            for lang in ("zh", "en")
        }
        if texts["zh"][0] != texts["zh"][1] or texts["en"][0] != texts["en"][1]:
            changes.append(
                ThresholdChange(text_diff(*texts["zh"], "zh"), text_diff(*texts["en"], "en"))
            )
    return changes


# --- questionnaire versions ------------------------------------------------------------------


@dataclass
class QuestionChange:
    code: str
    old: QuestionItem | None
    new: QuestionItem | None
    text_zh: list[Segment] = field(default_factory=list)
    text_en: list[Segment] = field(default_factory=list)
    thresholds: list[ThresholdChange] = field(default_factory=list)
    choices_added: list[dict] = field(default_factory=list)
    choices_removed: list[dict] = field(default_factory=list)
    kind_changed: bool = False

    @property
    def item(self) -> QuestionItem:
        return self.new or self.old

    @property
    def wording_changed(self) -> bool:
        return any(s.op != "same" for s in self.text_zh + self.text_en)

    @property
    def thresholds_only(self) -> bool:
        """Only the thresholds it is judged by changed: what was answered (a figure, a file)
        still answers it, and is judged again by the new thresholds."""
        old, new = self.old, self.new
        return bool(
            old
            and new
            and self.thresholds
            and not self.kind_changed
            and not self.wording_changed
            and not self.choices_added
            and not self.choices_removed
            and (old.unit_zh, old.unit_en) == (new.unit_zh, new.unit_en)
        )


@dataclass
class VersionDiff:
    old: Catalogue
    new: Catalogue
    added: list[QuestionChange]
    removed: list[QuestionChange]
    changed: list[QuestionChange]
    unchanged: list[str]

    @property
    def marked(self) -> list[str]:
        """Codes a provider has to (re)answer on the new version: added or changed."""
        return [c.code for c in self.added + self.changed]

    @property
    def rejudged(self) -> list[str]:
        """Changed questions whose answers carry over all the same: only their thresholds
        changed (see QuestionChange.thresholds_only)."""
        return [c.code for c in self.changed if c.thresholds_only]


def _choice_key(c: dict) -> tuple:
    return (c.get("value"), c.get("label_zh", ""), c.get("label_en", ""))


def compare(old: Catalogue, new: Catalogue) -> VersionDiff:
    """Added, removed and changed questions of `new` against `old`, in questionnaire order."""
    added, changed, unchanged = [], [], []
    for q in new.questions:
        before = old.by_code.get(q.code)
        if before is None:
            added.append(QuestionChange(q.code, None, q))
            continue
        if fingerprint(before) == fingerprint(q):
            unchanged.append(q.code)
            continue
        old_choices = {_choice_key(c) for c in before.choices}
        new_choices = {_choice_key(c) for c in q.choices}
        changed.append(
            QuestionChange(
                q.code,
                before,
                q,
                text_zh=text_diff(before.text_zh, q.text_zh, "zh"),
                text_en=text_diff(before.text_en, q.text_en, "en"),
                thresholds=_threshold_changes(before, q),
                choices_added=[c for c in q.choices if _choice_key(c) not in old_choices],
                choices_removed=[c for c in before.choices if _choice_key(c) not in new_choices],
                kind_changed=before.kind != q.kind,
            )
        )
    removed = [QuestionChange(q.code, q, None) for q in old.questions if q.code not in new.by_code]
    return VersionDiff(old, new, added, removed, changed, unchanged)


def previous_version(questionnaire: Questionnaire) -> Questionnaire | None:
    return (
        Questionnaire.objects.filter(code=questionnaire.code, version__lt=questionnaire.version)
        .order_by("-version")
        .first()
    )


# --- dates in force ---------------------------------------------------------------------------


def in_force_from(obj, today: dt.date | None = None) -> dt.date | None:
    """The date an instrument or provision comes into force, when that is still ahead; a
    provision's own date (where the library gives one) wins over its instrument's."""
    today = today or timezone.localdate()
    date = getattr(obj, "effective", None)
    if date is None and isinstance(obj, Provision):
        date = obj.instrument.effective
    if date is not None and date > today:
        return date
    if isinstance(obj, Instrument) and obj.status_on(today) == InstrumentStatus.NOT_YET_IN_FORCE:
        return date
    return None


# --- per instrument ---------------------------------------------------------------------------

ADDED = _("New in the library")
AMENDED = _("Questions derived from it changed")


@dataclass
class ProvisionChange:
    provision: Provision
    added: bool
    questions: list[QuestionChange]
    in_force_from: dt.date | None

    @property
    def label(self):
        return ADDED if self.added else AMENDED


def instrument_changes(instrument: Instrument, diff: VersionDiff) -> list[ProvisionChange]:
    """The instrument's provisions that version `diff.new` cites for the first time (added to
    the library since `diff.old`), or whose questions were added or changed (amended duties).
    An instrument that `diff.old` did not cite at all is new as a whole."""

    def cited(catalogue: Catalogue) -> dict[str, list[QuestionItem]]:
        keys: dict[str, list[QuestionItem]] = {}
        for q in catalogue.questions:
            for p in q.provisions:
                keys.setdefault(p.key, []).append(q)
        return keys

    before, after = cited(diff.old), cited(diff.new)
    touched = {c.code: c for c in diff.added + diff.changed}
    provisions = list(instrument.provisions.select_related("instrument"))
    new_instrument = not any(p.key in before for p in provisions)
    rows = []
    for p in provisions:
        added = new_instrument or (p.key in after and p.key not in before)
        questions = [touched[q.code] for q in after.get(p.key, []) if q.code in touched]
        if added or questions:
            rows.append(ProvisionChange(p, added, questions, in_force_from(p)))
    return rows

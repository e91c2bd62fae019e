"""Identifiers of Chinese organisations and filings, validated by their published rules.

Pure functions, no ORM: forms, analysers and the pre-filing checks share them.
Rules and test vectors: shared/reference/regulation.md sections 5.6, 6.3 and 9.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# GB 32100-2015: 31 symbols, the letters I, O, Z, S and V are never used.
USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
USCC_LENGTH = 18
PROVIDER_CODE_LENGTH = 27

ALGORITHM_FILING_RE = re.compile(r"^网信算备\d{21}号$")
# Generative-AI filing numbers: Province-PinyinName-YYYYMMDD, later with a 4-digit serial.
GAI_FILING_RE = re.compile(r"^[A-Za-z]+-[A-Za-z0-9.]+-(\d{8}|\d{12})$")
# Registration (登记) numbers: Province-PinyinName-YYYYMMDD followed by S and a serial.
GAI_REGISTRATION_RE = re.compile(r"^[A-Za-z]+-[A-Za-z0-9.]+-\d{8}S\d{4}$")


@dataclass(frozen=True)
class CodeError(Exception):
    """A code failed one rule; `code` is stable for tests, `message` is for people."""

    code: str
    message: str

    def __str__(self) -> str:
        return str(self.message)


def uscc_check_character(first17: str) -> str:
    """The 18th character of a Unified Social Credit Code for its first 17 characters."""
    total = sum(USCC_CHARSET.index(ch) * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    value = 31 - total % 31
    return USCC_CHARSET[0 if value == 31 else value]


def normalise_uscc(raw: str) -> str:
    return raw.strip().replace(" ", "").upper()


def validate_uscc(raw: str) -> str:
    """Return the normalised code or raise CodeError with the first rule it breaks."""
    code = normalise_uscc(raw)
    if len(code) != USCC_LENGTH:
        raise CodeError(
            "length",
            _("A Unified Social Credit Code has 18 characters; this one has %(n)d.")
            % {"n": len(code)},
        )
    forbidden = sorted({ch for ch in code if ch in "IOZSV"})
    if forbidden:
        raise CodeError(
            "forbidden_letter",
            _("The letters I, O, Z, S and V never appear in a credit code (found: %(letters)s).")
            % {"letters": ", ".join(forbidden)},
        )
    if any(ch not in USCC_CHARSET for ch in code):
        raise CodeError("charset", _("A credit code holds only digits and upper-case letters."))
    if not code[2:8].isdigit():
        raise CodeError(
            "division",
            _("Characters 3 to 8 of a credit code are the 6-digit administrative division code."),
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise CodeError(
            "check_character",
            _("The check character is wrong: for these 17 characters it must be %(ch)s.")
            % {"ch": expected},
        )
    return code


def provider_code_from_uscc(uscc: str, service_type: str = "", model_code: str = "") -> str:
    """The 27-character service-provider code of TC260-PG-20252A for an organisation."""
    uscc = validate_uscc(uscc)
    extension = "00000" if not service_type else f"{service_type}{model_code}"
    return f"0011{uscc}{extension}"


def validate_provider_code(raw: str, *, uscc: str | None = None) -> str:
    """Validate a 27-character service-provider code; optionally require a given USCC."""
    code = raw.strip().upper()
    if len(code) != PROVIDER_CODE_LENGTH:
        raise CodeError(
            "length",
            _("A service-provider code has 27 characters; this one has %(n)d.") % {"n": len(code)},
        )
    if not re.fullmatch(r"[0-9A-Z]{27}", code):
        raise CodeError(
            "charset", _("A service-provider code holds only digits and upper-case letters.")
        )
    if not code.startswith("00"):
        raise CodeError("format", _("A service-provider code starts with the format code 00."))
    if code[2:4] != "11":
        raise CodeError(
            "subject",
            _("Characters 3 and 4 must be 11: an organisation bound by its credit code."),
        )
    try:
        embedded = validate_uscc(code[4:22])
    except CodeError as exc:
        raise CodeError(
            "embedded_uscc",
            _("The credit code inside the provider code is invalid: %(reason)s")
            % {"reason": exc.message},
        ) from exc
    extension = code[22:]
    if extension != "00000" and extension[0] not in "12":
        raise CodeError(
            "service_type",
            _("Character 23 is the service type: 1 (generation) or 2 (propagation)."),
        )
    if uscc is not None and embedded != normalise_uscc(uscc):
        raise CodeError(
            "mismatch",
            _("This provider code belongs to another organisation (credit code %(code)s).")
            % {"code": embedded},
        )
    return code


def validate_algorithm_filing_number(raw: str) -> str:
    number = raw.strip()
    if not ALGORITHM_FILING_RE.fullmatch(number):
        raise CodeError(
            "format",
            _("An algorithm filing number reads 网信算备, 21 digits, then 号."),
        )
    return number


def validate_gai_filing_number(raw: str) -> str:
    number = raw.strip()
    if not (GAI_FILING_RE.fullmatch(number) or GAI_REGISTRATION_RE.fullmatch(number)):
        raise CodeError(
            "format",
            _(
                "A generative-AI filing number reads Province-Name-YYYYMMDD (optionally with a "
                "4-digit serial), a registration number Province-Name-YYYYMMDDS0000."
            ),
        )
    return number

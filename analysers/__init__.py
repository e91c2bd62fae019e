"""Evidence analysers: read a provider's uploaded evidence file and measure it against the
thresholds of the question library.

Pure Python (no models, no settings read at import). Entry points:

    from analysers import analyse, AnalyserError
    result = analyse("keyword_list", upload, filename=upload.name,
                     thresholds={"total_min": 10000}, max_bytes=50 * 2**20)
    result.passed, result.figures, result.checks, result.to_dict()

See docs/analysers.md.
"""

from .inputs import DEFAULT_MAX_BYTES
from .registry import ANALYSERS, KINDS, Analyser, analyse
from .report import AnalyserError, AnalyserResult, Check, Message
from .templates import TEMPLATES, Template, template

__all__ = [
    "ANALYSERS",
    "DEFAULT_MAX_BYTES",
    "KINDS",
    "TEMPLATES",
    "Analyser",
    "AnalyserError",
    "AnalyserResult",
    "Check",
    "Message",
    "Template",
    "analyse",
    "template",
]

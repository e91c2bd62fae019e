"""The zh_Hans catalogue covers every string the templates and Python sources mark for
translation, without running xgettext: templates go through Django's own templatize() (what
makemessages feeds to xgettext), Python sources through `ast`, and both are checked against
locale/zh_Hans/LC_MESSAGES/django.po and the compiled catalogue that Django loads."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.utils import translation
from django.utils.translation.template import templatize

BASE_DIR = Path(settings.BASE_DIR)
PO_PATH = Path(settings.LOCALE_PATHS[0]) / "zh_Hans" / "LC_MESSAGES" / "django.po"
LANGUAGE = "zh-hans"

# makemessages' default extensions for the "django" domain, minus .py.
TEMPLATE_SUFFIXES = (".html", ".txt")
# The directories makemessages is told to skip (see the Makefile and docs), plus migrations.
IGNORED_DIRS = frozenset({".venv", "node_modules", "static", "var", "tests", "migrations"})

# Strings spelt the same in both languages. Keep this short: names, acronyms, standard numbers.
ALLOWLIST = frozenset(
    {
        "API",
        "English",
        "GB/T 45654-2025",
        "GB 45438-2025",
        "TC260-003",
        "SHA-256",
        "PDF",
        "XLSX",
    }
)

LATIN_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True)
class Message:
    """One translatable string where it was found (path relative to the project)."""

    source: str
    line: int
    msgid: str
    plural: str | None = None
    context: str | None = None


# --- the .po file ---------------------------------------------------------------------


@dataclass
class PoEntry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] | None = None
    flags: frozenset[str] = frozenset()
    line: int = 0


_PO_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


def _po_string(quoted: str) -> str:
    return ast.literal_eval(quoted)  # PO escapes (\n \t \" \\) are a subset of Python's


def parse_po(path: Path) -> list[PoEntry]:
    """A small PO reader: entries with flags, context, plural forms; obsolete ones skipped."""
    entries: list[PoEntry] = []
    entry: PoEntry | None = None
    field: tuple[str, int] | None = None
    flags: set[str] = set()

    def finish() -> None:
        nonlocal entry
        if entry is not None:
            entry.flags = frozenset(flags)
            entries.append(entry)
        entry = None
        flags.clear()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#,"):
            if entry is not None and entry.msgstr:
                finish()
            flags.update(f.strip() for f in line[2:].split(",") if f.strip())
            continue
        if line.startswith("#"):
            if entry is not None and entry.msgstr:
                finish()
            continue
        match = _PO_KEYWORD.match(line)
        if match:
            keyword, index, quoted = match.groups()
            if keyword in ("msgctxt", "msgid") and entry is not None and entry.msgstr:
                finish()
            if entry is None:
                entry = PoEntry(msgstr={}, line=number)
            value = _po_string(quoted)
            if keyword.startswith("msgstr"):
                field = ("msgstr", int(index or 0))
                entry.msgstr[int(index or 0)] = value
            else:
                field = (keyword, 0)
                setattr(entry, keyword, value)
        elif line.startswith('"') and entry is not None and field is not None:
            value = _po_string(line)
            if field[0] == "msgstr":
                entry.msgstr[field[1]] += value
            else:
                setattr(entry, field[0], getattr(entry, field[0]) + value)
        else:
            raise AssertionError(f"{path.name}:{number}: cannot parse {raw!r}")
    finish()
    return entries


def po_catalogue(path: Path = PO_PATH) -> dict[tuple[str | None, str], PoEntry]:
    return {(e.msgctxt, e.msgid): e for e in parse_po(path) if e.msgid}


# --- extraction -------------------------------------------------------------------------


def project_template_dirs() -> list[Path]:
    """templates/ (the engines' DIRS) and the templates/ folder of every project app."""
    dirs: list[Path] = []
    for engine in settings.TEMPLATES:
        dirs.extend(Path(d) for d in engine.get("DIRS", []))
    for app_config in apps.get_app_configs():
        path = Path(app_config.path)
        if BASE_DIR in path.parents and not IGNORED_DIRS & set(path.relative_to(BASE_DIR).parts):
            dirs.append(path / "templates")
    return [d for d in dict.fromkeys(dirs) if d.is_dir()]


def _walk(root: Path, suffixes: tuple[str, ...]) -> Iterator[Path]:
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root).parts
        if any(part in IGNORED_DIRS or part.startswith(".") for part in relative[:-1]):
            continue
        if path.is_file() and path.suffix in suffixes:
            yield path


def _display_path(path: Path) -> str:
    try:
        return str(path.relative_to(BASE_DIR))
    except ValueError:
        return str(path)


_PY_STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
# The calls templatize() writes: gettext(), ngettext(), pgettext(), npgettext() and _().
_TEMPLATIZED_CALL = re.compile(
    rf"(?<![\w.])(gettext|ngettext|pgettext|npgettext|_)\(\s*({_PY_STRING}(?:\s*,\s*{_PY_STRING})*)"
)
_ARGUMENT = re.compile(_PY_STRING)


def _message(source: str, line: int, function: str, args: list[str]) -> Message | None:
    if function in ("gettext", "_", "gettext_lazy", "gettext_noop") and args:
        return Message(source, line, args[0])
    if function in ("ngettext", "ngettext_lazy") and len(args) >= 2:
        return Message(source, line, args[0], plural=args[1])
    if function in ("pgettext", "pgettext_lazy") and len(args) >= 2:
        return Message(source, line, args[1], context=args[0])
    if function in ("npgettext", "npgettext_lazy") and len(args) >= 3:
        return Message(source, line, args[1], plural=args[2], context=args[0])
    return None


def template_messages(dirs: Iterable[Path]) -> list[Message]:
    """Every {% translate %}, {% blocktranslate %} and _("...") string in the templates under
    `dirs`, normalised exactly as makemessages does (variables become %(name)s, `trimmed`
    collapses whitespace, literal % is doubled)."""
    messages: list[Message] = []
    for root in dirs:
        for path in _walk(Path(root), TEMPLATE_SUFFIXES):
            source = path.read_text(encoding="utf-8")
            code = templatize(source, origin=str(path))
            for match in _TEMPLATIZED_CALL.finditer(code):
                args = [ast.literal_eval(a) for a in _ARGUMENT.findall(match[2])]
                line = code.count("\n", 0, match.start()) + 1
                message = _message(_display_path(path), line, match[1], args)
                if message is not None:
                    messages.append(message)
    return messages


PYTHON_FUNCTIONS = frozenset(
    {
        "_",
        "gettext",
        "gettext_lazy",
        "gettext_noop",
        "ngettext",
        "ngettext_lazy",
        "pgettext",
        "pgettext_lazy",
        "npgettext",
        "npgettext_lazy",
    }
)


def python_messages(roots: Iterable[Path]) -> list[Message]:
    """String constants passed to the gettext family (by name, as xgettext matches them)."""
    messages: list[Message] = []
    for root in roots:
        root = Path(root)
        paths = [root] if root.is_file() else _walk(root, (".py",))
        for path in paths:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
                if name not in PYTHON_FUNCTIONS:
                    continue
                args: list[str] = []
                for arg in node.args:
                    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                        break
                    args.append(arg.value)
                message = _message(_display_path(path), node.lineno, name, args)
                if message is not None:
                    messages.append(message)
    return messages


# --- checking ---------------------------------------------------------------------------


def _runtime_translations(message: Message) -> list[tuple[str, str]]:
    """(source text, translation) pairs as Django renders them in zh-hans."""
    with translation.override(LANGUAGE):
        if message.plural is None:
            if message.context is None:
                return [(message.msgid, translation.gettext(message.msgid))]
            return [(message.msgid, translation.pgettext(message.context, message.msgid))]
        pairs = []
        for n, text in ((1, message.msgid), (5, message.plural)):
            if message.context is None:
                result = translation.ngettext(message.msgid, message.plural, n)
            else:
                result = translation.npgettext(message.context, message.msgid, message.plural, n)
            pairs.append((text, result))
        return pairs


def untranslated(
    messages: Iterable[Message], catalogue: dict[tuple[str | None, str], PoEntry] | None = None
) -> list[tuple[Message, str]]:
    """The messages without a usable zh_Hans translation, each with the reason."""
    catalogue = po_catalogue() if catalogue is None else catalogue
    problems: list[tuple[Message, str]] = []
    for message in messages:
        entry = catalogue.get((message.context, message.msgid))
        if entry is None:
            problems.append((message, "missing from django.po (run makemessages)"))
            continue
        if "fuzzy" in entry.flags:
            problems.append((message, "fuzzy in django.po"))
            continue
        if not entry.msgstr or not all(entry.msgstr.values()):
            problems.append((message, "empty msgstr in django.po"))
            continue
        for text, result in _runtime_translations(message):
            if (
                result == text
                and LATIN_LETTER.search(text)
                and text not in ALLOWLIST
                and message.msgid not in ALLOWLIST
            ):
                problems.append((message, "not translated at run time (run compilemessages)"))
                break
    return problems


def _report(problems: list[tuple[Message, str]]) -> str:
    by_source: dict[str, list[str]] = {}
    for message, reason in sorted(problems, key=lambda p: (p[0].source, p[0].line)):
        by_source.setdefault(message.source, []).append(
            f"  line {message.line}: {message.msgid!r} — {reason}"
        )
    lines = [f"{len(problems)} string(s) lack a zh_Hans translation:"]
    for source in sorted(by_source):
        lines.append(source)
        lines.extend(dict.fromkeys(by_source[source]))
    return "\n".join(lines)


def project_python_roots() -> list[Path]:
    return [
        path
        for path in sorted(BASE_DIR.iterdir())
        if path.name not in IGNORED_DIRS
        and not path.name.startswith(".")
        and (path.is_dir() or path.suffix == ".py")
    ]


# --- tests ------------------------------------------------------------------------------


def test_every_template_string_is_translated():
    dirs = project_template_dirs()
    messages = template_messages(dirs)
    assert len(messages) > 100, f"suspiciously few strings found in {dirs}"
    problems = untranslated(messages)
    assert not problems, _report(problems)


def test_every_python_string_is_translated():
    messages = python_messages(project_python_roots())
    assert len(messages) > 100, "suspiciously few gettext calls found"
    problems = untranslated(messages)
    assert not problems, _report(problems)


def test_po_file_has_no_fuzzy_or_empty_entries():
    entries = parse_po(PO_PATH)
    header = entries[0]
    assert header.msgid == "" and header.msgctxt is None, "the header comes first"
    assert "fuzzy" not in header.flags, "a fuzzy header is dropped by msgfmt"
    assert "Plural-Forms: nplurals=1; plural=0;" in header.msgstr[0]
    assert "charset=UTF-8" in header.msgstr[0]
    assert "Language: zh_Hans" in header.msgstr[0]
    fuzzy = [f"line {e.line}: {e.msgid!r}" for e in entries[1:] if "fuzzy" in e.flags]
    empty = [
        f"line {e.line}: {e.msgid!r}"
        for e in entries[1:]
        if not e.msgstr or not all(v.strip() for v in e.msgstr.values())
    ]
    plural_extra = [
        f"line {e.line}: {e.msgid!r}"
        for e in entries[1:]
        if e.msgid_plural is not None and sorted(e.msgstr) != [0]
    ]
    assert not fuzzy, "fuzzy entries:\n" + "\n".join(fuzzy)
    assert not empty, "entries without translation:\n" + "\n".join(empty)
    assert not plural_extra, "zh has one plural form, give msgstr[0] only:\n" + "\n".join(
        plural_extra
    )


_FORMAT_SPEC = re.compile(r"%(?:\((\w+)\))?[#0 +\-]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


def _placeholders(text: str) -> tuple[frozenset[str], tuple[str, ...]]:
    named, positional = set(), []
    for match in _FORMAT_SPEC.finditer(text):
        if match[0] == "%%":
            continue
        if match[1]:
            named.add(match[0])
        else:
            positional.append(match[0])
    return frozenset(named), tuple(positional)


def test_po_placeholders_match_the_source():
    mismatched = []
    for entry in parse_po(PO_PATH)[1:]:
        if "python-format" not in entry.flags:
            continue
        source = entry.msgid if entry.msgid_plural is None else entry.msgid_plural
        for translated in entry.msgstr.values():
            if _placeholders(translated) != _placeholders(source):
                mismatched.append(f"line {entry.line}: {entry.msgid!r} -> {translated!r}")
    assert not mismatched, "placeholders differ:\n" + "\n".join(mismatched)


def test_extraction_normalises_like_makemessages():
    messages = {(m.msgid, m.plural) for m in template_messages(project_template_dirs())}
    assert ("Provision library", None) in messages
    assert ("%(n)s provision, %(a)s assessable", "%(n)s provisions, %(a)s assessable") in messages
    assert ("%(counter)s question", "%(counter)s questions") in messages
    assert ("Yes,No", None) in messages  # _("...") in a filter argument


def test_an_untranslated_template_string_is_reported(tmp_path):
    original = BASE_DIR / "templates" / "library" / "index.html"
    copy = tmp_path / "library" / "index.html"
    copy.parent.mkdir()
    copy.write_text(
        original.read_text(encoding="utf-8")
        + '\n{% translate "Zebra crossing test" %}\n'
        + "{% blocktranslate with n=count %}Zebra {{ n }} stripes{% endblocktranslate %}\n",
        encoding="utf-8",
    )
    (tmp_path / "mail.txt").write_text(
        '{% load i18n %}{% translate "Zebra crossing test" context "road" %}', encoding="utf-8"
    )
    problems = untranslated(template_messages([tmp_path]))
    reported = {(m.source, m.msgid, m.context) for m, _reason in problems}
    assert reported == {
        (str(copy), "Zebra crossing test", None),
        (str(copy), "Zebra %(n)s stripes", None),
        (str(tmp_path / "mail.txt"), "Zebra crossing test", "road"),
    }
    assert "Zebra crossing test" in _report(problems)


def test_an_untranslated_python_string_is_reported(tmp_path):
    module = tmp_path / "zebra.py"
    module.write_text(
        "from django.utils.translation import gettext_lazy as _, ngettext\n"
        "A = _('Zebra in Python')\n"
        "B = _('Provision library')\n"
        "C = ngettext('%(n)d zebra', '%(n)d zebras', 2)\n",
        encoding="utf-8",
    )
    problems = untranslated(python_messages([tmp_path]))
    assert {m.msgid for m, _reason in problems} == {"Zebra in Python", "%(n)d zebra"}

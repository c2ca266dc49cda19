"""The authoring format: a header plus text with inline `[TYPE/SUBTYPE words]` markup.

    id: libya-2019-04-19-001
    topic: libya
    date: 2019-04-19
    genre: wire
    country: Libya
    ---
    قال [ACTOR/ORG البيت الأبيض]، الجمعة، إن [ROLE الرئيس الأمريكي] [ACTOR/PER دونالد ترامب] ...

`parse_document` turns a file into a canonical record (shared/spec/data-format.md) or a list of
errors with line and column; `to_markup` turns a record back into the same markup (round trip).
Literal brackets and backslashes in the text are written `\\[`, `\\]` and `\\\\`.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

import regex

from .argblock import BLOCK_HEADER, format_block, parse_block
from .arguments import check_args
from .schema import Span
from .validation import check_record

REQUIRED_META = ("id", "topic", "date", "genre", "country")
HEADER_ORDER = REQUIRED_META
GENRES = (
    "wire",
    "analysis",
    "statement",
    "headlines",
    "interview",
    "breaking",
    "press-conference",
    "live-blog",
)
_OPEN_RE = regex.compile(r"\[([A-Z]+)(?:/([A-Z]+))? ")
_ID_RE = regex.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE_RE = regex.compile(r"^(20[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")


@dataclass(frozen=True)
class MarkupError:
    """One problem in an authoring file, printed as `path:line:col: message` (1-based)."""

    path: str
    line: int
    col: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.message}"


def parse_document(source: str, path: str = "<string>") -> tuple[dict | None, list[MarkupError]]:
    """Parse one authoring document. Returns (record, []) or (None, errors)."""
    source = unicodedata.normalize("NFC", source)
    lines = source.split("\n")
    errors: list[MarkupError] = []

    def err(line: int, col: int, msg: str) -> None:
        errors.append(MarkupError(path, line, col, msg))

    # --- header: `key: value` lines up to a line that is exactly `---`
    meta: dict[str, str] = {}
    sep = next((i for i, ln in enumerate(lines) if ln.strip() == "---"), None)
    if sep is None:
        err(
            1,
            1,
            "no header separator: write the header lines (id, topic, date, genre, country), then a line '---', then the text",
        )
        return None, errors
    for i in range(sep):
        ln = lines[i]
        if not ln.strip():
            continue
        key, colon, value = ln.partition(":")
        key = key.strip()
        if not colon or not regex.fullmatch(r"[a-z_]+", key):
            err(i + 1, 1, f"bad header line {ln!r}: expected 'key: value'")
            continue
        if key in meta:
            err(i + 1, 1, f"header key {key!r} given twice")
        meta[key] = value.strip()
    for key in REQUIRED_META:
        if not meta.get(key):
            err(max(sep, 1), 1, f"header is missing {key!r} (required: {', '.join(REQUIRED_META)})")
    _check_meta(meta, path, sep, err)

    # --- body: strip surrounding blank lines; keep the rest byte for byte
    body_first_line = sep + 1
    while body_first_line < len(lines) and not lines[body_first_line].strip():
        body_first_line += 1
    block = next((i for i in range(body_first_line, len(lines)) if lines[i].strip() == BLOCK_HEADER), None)
    body = "\n".join(lines[body_first_line:block]).rstrip()

    text_chars: list[str] = []
    origin: list[tuple[int, int]] = []  # (line, col) in the file of each text char
    stack: list[tuple[int, str, str | None, int, int]] = []  # (start, label, subtype, line, col)
    spans: list[tuple[Span, tuple[int, int]]] = []  # each span with its '[' position in the file
    line, col = body_first_line + 1, 1
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body) and body[i + 1] in "[]\\":
            text_chars.append(body[i + 1])
            origin.append((line, col))
            i, col = i + 2, col + 2
            continue
        if ch == "[":
            m = _OPEN_RE.match(body, i)
            if not m:
                err(
                    line,
                    col,
                    "'[' must open a span like '[ACTOR/PER name]' or '[ROLE title]' (write '\\[' for a literal bracket)",
                )
                i, col = i + 1, col + 1
                continue
            stack.append((len(text_chars), m.group(1), m.group(2), line, col))
            col += m.end() - i
            i = m.end()
            continue
        if ch == "]":
            if not stack:
                err(line, col, "unbalanced ']': no span is open here (write '\\]' for a literal bracket)")
            else:
                start, label, subtype, ln, cl = stack.pop()
                spans.append((Span(start, len(text_chars), label, subtype), (ln, cl)))
            i, col = i + 1, col + 1
            continue
        text_chars.append(ch)
        origin.append((line, col))
        if ch == "\n":
            line, col = line + 1, 1
        else:
            col += 1
        i += 1
    for _, label, subtype, ln, cl in stack:
        err(ln, cl, f"unclosed '[{label}{'/' + subtype if subtype else ''}': missing ']'")

    text = "".join(text_chars)
    spans.sort(key=lambda sp: (sp[0].start, -sp[0].end, sp[0].label))
    record = {
        "id": meta.get("id", ""),
        "text": text,
        "spans": [s.to_dict() for s, _ in spans],
        "meta": {k: v for k, v in meta.items() if k != "id"},
    }
    for problem in check_record(record):
        if problem.span is not None:  # point at the span's opening bracket
            ln, cl = spans[problem.span][1]
        elif origin:
            ln, cl = origin[min(problem.offset, len(origin) - 1)]
        else:
            ln, cl = body_first_line + 1, 1
        err(ln, cl, problem.message)
    if block is not None and not errors:
        args, block_errors = parse_block(
            [(i + 1, lines[i]) for i in range(block + 1, len(lines))], text, record["spans"]
        )
        for ln, cl, msg in block_errors:
            err(ln, cl, msg)
        if not block_errors:
            record["args"] = args
            for offset, message in check_args(record):  # the spans passed above: only the argument rules
                ln, cl = origin[min(offset, len(origin) - 1)] if origin else (block + 1, 1)
                err(ln, cl, message)
    errors.sort(key=lambda e: (e.line, e.col))
    return (None, errors) if errors else (record, [])


def _check_meta(meta: dict[str, str], path: str, sep: int, err) -> None:
    p = Path(path)
    if meta.get("id") and not _ID_RE.match(meta["id"]):
        err(1, 1, f"id {meta['id']!r} must be lowercase letters, digits and '-'")
    if meta.get("id") and p.suffix == ".txt" and p.stem != meta["id"]:
        err(1, 1, f"id {meta['id']!r} differs from the file name {p.name!r}: name the file <id>.txt")
    if (
        meta.get("topic")
        and p.suffix == ".txt"
        and p.parent.name not in ("", ".")
        and p.parent.name != meta["topic"]
    ):
        err(
            1,
            1,
            f"topic {meta['topic']!r} differs from the folder {p.parent.name!r}: put the file in data/raw/<topic>/",
        )
    if meta.get("date") and not _DATE_RE.match(meta["date"]):
        err(1, 1, f"date {meta['date']!r} must be YYYY-MM-DD")
    if meta.get("genre") and meta["genre"] not in GENRES:
        err(1, 1, f"genre {meta['genre']!r} is not one of {', '.join(GENRES)}")


def read_document(path: str | Path) -> tuple[dict | None, list[MarkupError]]:
    """Read and parse one authoring file."""
    p = Path(path)
    try:
        source = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [MarkupError(str(p), 1, 1, "file not found")]
    except UnicodeDecodeError as e:
        return None, [
            MarkupError(str(p), 1, 1, f"not UTF-8 ({e.reason} at byte {e.start}); save the file as UTF-8")
        ]
    return parse_document(source, str(p))


def to_markup(record: dict) -> str:
    """Write a canonical record back as an authoring document (inverse of `parse_document`)."""
    meta = dict(record.get("meta", {}))
    head = [f"id: {record['id']}"]
    for key in HEADER_ORDER[1:]:
        if key in meta:
            head.append(f"{key}: {meta.pop(key)}")
    head += [f"{k}: {v}" for k, v in sorted(meta.items())]
    body = markup_body(record["text"], [Span.from_dict(d) for d in record["spans"]])
    if "args" in record:
        body += "\n\n" + format_block(record["text"], record["spans"], record["args"])
    return "\n".join(head) + "\n---\n" + body + "\n"


def markup_body(text: str, spans: list) -> str:
    """Text with inline `[TYPE/SUBTYPE words]` brackets for spans (anything with start, end, label, subtype)."""
    opens: dict[int, list] = {}
    closes: dict[int, int] = {}
    for s in sorted(spans, key=lambda s: (s.start, -s.end)):
        opens.setdefault(s.start, []).append(s)
        closes[s.end] = closes.get(s.end, 0) + 1
    out: list[str] = []
    for i in range(len(text) + 1):
        out.append("]" * closes.get(i, 0))
        for s in opens.get(i, []):
            out.append(f"[{s.label}/{s.subtype} " if s.subtype else f"[{s.label} ")
        if i < len(text):
            ch = text[i]
            out.append("\\" + ch if ch in "[]\\" else ch)
    return "".join(out)

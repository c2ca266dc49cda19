"""Rules of both specs, checked on canonical records (the compiler and the validator share them)."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .arguments import check_args
from .schema import Span, check_label
from .texts import text_problem
from .words import is_punct, tokenize


@dataclass(frozen=True)
class Problem:
    """A rule violation inside one record: `offset` is a character index into its text, and `span`
    the index of the offending span in record["spans"] when there is one."""

    offset: int
    message: str
    span: int | None = None


def check_record(record: dict) -> list[Problem]:
    """Every per-document rule: text, labels, offsets, word boundaries, punctuation, nesting, arguments.

    Types are checked strictly before anything uses them (offsets are ints, not 19.9 or "19"; the id a
    non-empty string; `spans` a list of objects), so nothing this accepts can crash a later command."""
    problems: list[Problem] = []
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return [
            Problem(
                0,
                "empty text: a document needs at least one word"
                if isinstance(text, str) or text is None
                else f"text must be a string, got {type(text).__name__}",
            )
        ]
    bad_text = text_problem(text)
    if bad_text:
        return [Problem(0, f"text {bad_text}")]
    if unicodedata.normalize("NFC", text) != text:
        problems.append(Problem(0, "text is not NFC-normalised"))
    rid = record.get("id")
    if not isinstance(rid, str) or not rid:
        problems.append(
            Problem(
                0, "missing id" if rid in (None, "") else f"id must be a string, got {type(rid).__name__}"
            )
        )
    if not isinstance(record.get("meta"), dict) or not record["meta"].get("topic"):
        problems.append(Problem(0, "meta.topic is required (it drives the split)"))
    if "spans" not in record:
        return problems + [Problem(0, 'no "spans" key: every record lists its spans (an empty list if none)')]
    if not isinstance(record["spans"], list):
        return problems + [
            Problem(0, f'"spans" must be a list of span objects, got {type(record["spans"]).__name__}')
        ]

    words = tokenize(text)
    starts = {w.start: w for w in words}
    ends = {w.end: w for w in words}
    spans: list[tuple[int, Span]] = []
    for k, d in enumerate(record["spans"]):
        shape = _span_shape_problem(d)
        if shape:
            problems.append(Problem(0, f"span {k} {shape}", k))
            continue
        s = Span.from_dict(d)
        where = s.start if 0 <= s.start < len(text) else 0
        msg = check_label(s.label, s.subtype)
        if msg:
            problems.append(Problem(where, msg, k))
        if not (0 <= s.start < s.end <= len(text)):
            problems.append(
                Problem(
                    where,
                    f"span offsets [{s.start}, {s.end}) out of range or empty (text has {len(text)} characters)",
                    k,
                )
            )
            continue
        surface = text[s.start : s.end]
        if s.start not in starts:
            problems.append(
                Problem(
                    s.start,
                    f"{s.tag} span {surface!r} starts inside a word: attached clitics (و ب ل ال) go inside the span",
                    k,
                )
            )
        if s.end not in ends:
            problems.append(
                Problem(s.start, f"{s.tag} span {surface!r} ends inside a word: spans cover whole words", k)
            )
        if (
            s.start in starts
            and is_punct(starts[s.start].text)
            or s.end in ends
            and is_punct(ends[s.end].text)
        ):
            problems.append(
                Problem(
                    s.start,
                    f"{s.tag} span {surface!r} begins or ends with punctuation: leave quotes and punctuation outside",
                    k,
                )
            )
        if "\n" in surface:
            problems.append(Problem(s.start, f"{s.tag} span {surface!r} crosses a line break", k))
        spans.append((k, s))
    problems += _check_nesting(spans, text)
    if "args" in record:
        if problems:
            problems.append(Problem(0, "arguments not checked: fix the spans first"))
        else:
            problems += [Problem(o, m) for o, m in check_args(record)]
    return sorted(problems, key=lambda p: p.offset)


def _span_shape_problem(d: object) -> str | None:
    """Why `d` is not a span object with int offsets and string label/subtype, or None."""
    if not isinstance(d, dict):
        return f"must be an object with start, end, label, subtype; got {type(d).__name__}"
    missing = [k for k in ("start", "end", "label") if k not in d]
    if missing:
        return f"lacks {', '.join(missing)}: a span needs start, end, label, subtype"
    for key in ("start", "end"):
        v = d[key]
        if not isinstance(v, int) or isinstance(v, bool):
            return f"{key} must be an integer character offset, got {v!r} ({type(v).__name__})"
    if not isinstance(d["label"], str):
        return f"label must be a string, got {d['label']!r}"
    if d.get("subtype") is not None and not isinstance(d["subtype"], str):
        return f"subtype must be a string or null, got {d['subtype']!r}"
    return None


def _check_nesting(spans: list[tuple[int, Span]], text: str) -> list[Problem]:
    """Only ACTOR may nest, only inside ROLE, one level deep; spans never cross or repeat.

    One pass with a stack of the spans still open (sorted by start, longest first), so the time is
    linear in the number of spans and each span is reported at most once, against the innermost span
    it meets (a hostile file of 100,000 nested brackets gives 100,000 messages, not 10^10)."""
    problems = []
    ordered = sorted(spans, key=lambda ks: (ks[1].start, -ks[1].end))
    stack: list[Span] = []
    for k, b in ordered:
        while stack and stack[-1].end <= b.start:
            stack.pop()
        if stack:
            a = stack[-1]
            sa, sb = text[a.start : a.end], text[b.start : b.end]
            if (a.start, a.end) == (b.start, b.end):
                problems.append(
                    Problem(a.start, f"two spans over the same words {sa!r} ({a.tag}, {b.tag})", k)
                )
            elif b.end > a.end:
                problems.append(Problem(b.start, f"crossing spans {sa!r} ({a.tag}) and {sb!r} ({b.tag})", k))
            elif not (a.label == "ROLE" and b.label == "ACTOR" and len(stack) == 1):
                problems.append(
                    Problem(
                        b.start,
                        f"forbidden nesting: {b.tag} {sb!r} inside {a.tag} {sa!r}; only ACTOR may nest, inside ROLE, one level deep",
                        k,
                    )
                )
        stack.append(b)
    return problems


def read_jsonl(path: str | Path) -> Iterable[tuple[int, dict | None, str | None]]:
    """Yield (line number, record, error) for each non-blank line of a JSONL file. Lines are decoded
    one by one, so a file with bytes that are not UTF-8 gives an error on that line, not a traceback."""
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield n, None, f"not UTF-8 ({e.reason} at byte {e.start} of the line); save the file as UTF-8"
                continue
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                yield n, None, f"invalid JSON: {e.msg} at column {e.colno}"
                continue
            except RecursionError:
                yield n, None, "invalid JSON: nested too deeply"
                continue
            if not isinstance(rec, dict):
                yield n, None, "a record must be a JSON object"
                continue
            yield n, rec, None


def validate_files(paths: list[str | Path]) -> list[str]:
    """Check canonical JSONL files; returns every violation as `path:line: message` (empty if valid)."""
    errors: list[str] = []
    seen: dict[str, str] = {}
    for path in paths:
        if not Path(path).exists():
            errors.append(f"{path}: file not found (run `make data` to build the splits)")
            continue
        if not Path(path).is_file():
            errors.append(f"{path}: not a regular file (give a JSONL file)")
            continue
        records = 0
        for n, rec, err in read_jsonl(path):
            records += 1
            where = f"{path}:{n}"
            if err:
                errors.append(f"{where}: {err}")
                continue
            rid = rec.get("id") if isinstance(rec.get("id"), str) else repr(rec.get("id"))
            if rid in seen:
                errors.append(
                    f"{where}: duplicate id {rid!r} (first at {seen[rid]}); ids are unique across all splits"
                )
            else:
                seen[rid] = where
            for p in check_record(rec):
                errors.append(f"{where}: [{rid}] char {p.offset}: {p.message}")
        if records == 0:
            errors.append(f"{path}: no records (an empty file); a corpus file holds one JSON object per line")
    return errors

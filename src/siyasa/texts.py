"""What a text is, decided once for every door: the Tagger, `siyasa predict`, the REST service and
the corpus tools all call `check_text` / `check_texts`, so they accept the same inputs and reject the
same, with the same message.

A text is a Python `str` (any length up to the caller's limit, the empty string included) that can be
written as UTF-8: lone surrogates (U+D800-U+DFFF, which JSON's "\\ud800" escape and some broken scrapes
produce) are rejected up front, because a tagged document holding one could never be written out.
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from .errors import UserError

_SURROGATE_RE = regex.compile(r"[\ud800-\udfff]")


def text_problem(text: object, max_chars: int | None = None) -> str | None:
    """Why `text` is not an acceptable text (a short phrase), or None when it is."""
    if not isinstance(text, str):
        return f"is {type(text).__name__}, not a string"
    if max_chars is not None and len(text) > max_chars:
        return f"has {len(text):,} characters, above the limit of {max_chars:,}"
    m = _SURROGATE_RE.search(text)
    if m:
        return (
            f"contains a lone surrogate U+{ord(m.group()):04X} at character {m.start()}, which is not "
            "Unicode text (it cannot be written as UTF-8); fix the text's encoding"
        )
    return None


def check_text(text: object, where: str = "text", max_chars: int | None = None) -> str:
    """Return `text` if acceptable, else raise UserError naming `where` (e.g. "news.jsonl:12 [doc-4]")."""
    problem = text_problem(text, max_chars)
    if problem:
        raise UserError(f"{where} {problem}")
    return text  # type: ignore[return-value]


def check_texts(texts: Iterable[object], where: str = "text", max_chars: int | None = None) -> list[str]:
    """A list of acceptable texts; a single string (or bytes) is an error, not a list of characters."""
    if isinstance(texts, (str, bytes, bytearray)):
        raise UserError(
            f"expected a list of texts, got a single {type(texts).__name__}: "
            "call tagger(text) for one text, or tagger.pipe([text])"
        )
    try:
        items = list(texts)
    except TypeError:
        raise UserError(f"expected a list of texts, got {type(texts).__name__}") from None
    return [check_text(t, f"{where} {i}", max_chars) for i, t in enumerate(items)]


def snippet(text: str, start: int, end: int, width: int = 35, marks: tuple[str, str] = ("【", "】")) -> str:
    """`text[start:end]` between `marks` with `width` characters either side, on one line: the one
    context shown by reviews, error files and agreement reports."""
    return (
        text[max(0, start - width) : start] + marks[0] + text[start:end] + marks[1] + text[end : end + width]
    ).replace("\n", " ")

"""The project's one word tokenizer: words with character offsets into the original text.

A word is a maximal run of letters, combining marks (harakat, shadda) and decimal digits in any
script (so ١٢٣ and 123 are words, and the tatweel of لـ stays inside its word). Every other visible
character -- ، ؛ ؟ « » “ ” ( ) . - / % -- is a word of its own. Whitespace, control and format
characters (RLM, LRM, ZWJ, BOM) separate words and are never words.

Data compilation, training features and inference all call `tokenize`, so a span that lies on word
boundaries at annotation time lies on the same boundaries when the model tags it.
"""

from __future__ import annotations

from typing import NamedTuple

import regex

# Letters, marks and decimal digits form words; any other char that is not space/control/format
# stands alone.
_WORD_RE = regex.compile(r"[\p{L}\p{M}\p{Nd}]+|[^\s\p{Cc}\p{Cf}\p{Z}]", regex.VERSION1)
_WORDCHAR_RE = regex.compile(r"[\p{L}\p{M}\p{Nd}]")


class Word(NamedTuple):
    """One word: its surface text and its [start, end) code-point offsets in the source text."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Word]:
    """Split `text` into words with offsets; `text[w.start:w.end] == w.text` for every word."""
    return [Word(m.group(), m.start(), m.end()) for m in _WORD_RE.finditer(text)]


def is_punct(word: str) -> bool:
    """True for a one-character word that is punctuation or a symbol rather than letters/digits."""
    return not _WORDCHAR_RE.match(word)

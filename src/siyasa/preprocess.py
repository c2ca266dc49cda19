"""The one normaliser: AraBERT v02 preprocessing, applied word by word so offsets survive.

`ArabertPreprocessor("bert-base-arabertv02").preprocess` works on whole texts and changes word counts
and offsets (it spaces out punctuation, turns `/` into ` - `). We apply the same steps to each word of
`siyasa.words.tokenize` instead: the model sees what AraBERT saw in pre-training, and every prediction
still maps to a word with exact character offsets in the original text. A test compares this function
with `ArabertPreprocessor` over the corpus vocabulary.
"""

from __future__ import annotations

import re
from functools import lru_cache

import regex

# The constants below are AraBERT v02's (arabert/preprocess.py, second-generation models).
_TASHKEEL = "\u064b\u064c\u064d\u064e\u064f\u0650\u0652\u0651"  # pyarabic.araby.TASHKEEL
_TATWEEL = "\u0640"
_HINDI_TO_ARABIC = str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")
_STRIP = str.maketrans("", "", _TASHKEEL + _TATWEEL)
_REPEAT = re.compile(r"(\D)\1{2,}", re.DOTALL)
_SPACE_AROUND = re.compile("([^0-9\u0621-\u063a\u0641-\u064a\u0660-\u0669a-zA-Z\\[\\]])")
# AraBERT's digit patterns are `(\d+)([letters]+)` and `([letters]+)(\d+)`. Unanchored, they retry from
# every position of a long run and backtrack over all of it: quadratic (a 50,000-letter word took a
# minute). A match can only start where a run starts (the two classes are disjoint, and a greedy run
# ends where the other class cannot follow), so the lookbehind and possessive quantifiers give the
# same matches in linear time.
_LETTERS = "\u0621-\u063a\u0641-\u064a\u0660-\u066c"
_DIGIT_WORD = regex.compile(f"(?<!\\d)(\\d++)([{_LETTERS}]++)")
_WORD_DIGIT = regex.compile(f"(?<![{_LETTERS}])([{_LETTERS}]++)(\\d++)")
_REJECTED = re.compile(
    r"[^0-9\u0621-\u063A\u0640-\u066C\u0671-\u0674a-zA-Z\[\]!\"#\$%\'\(\)\*\+,\.:;\-<=·>?@\[\\\]\^_ـ`{\|}~—٪’،؟`୍“؛”ۚ»؛\s+«–…‘]"
)


_CACHED_WORD_CHARS = 64  # long words are rare and would let one hostile text fill the cache


def normalize_word(word: str) -> str:
    """AraBERT v02 preprocessing of one word. May return '' (nothing AraBERT keeps) or several
    space-separated pieces (digits split from letters); callers keep the word's offsets either way.
    Time is linear in the word's length."""
    return _normalize_cached(word) if len(word) <= _CACHED_WORD_CHARS else _normalize(word)


@lru_cache(maxsize=200_000)
def _normalize_cached(word: str) -> str:
    return _normalize(word)


def _normalize(word: str) -> str:
    text = word.translate(_STRIP).translate(_HINDI_TO_ARABIC)
    text = _REPEAT.sub(r"\1\1", text)
    text = _SPACE_AROUND.sub(r" \1 ", text)
    text = _DIGIT_WORD.sub(r" \1 \2 ", text)
    text = _WORD_DIGIT.sub(r" \1 \2 ", text)
    text = text.replace("/", "-")
    text = _REJECTED.sub(" ", text)
    return " ".join(text.replace("\ufe0f", "").split())


_MARKS = regex.compile(r"[\p{Mn}\u0640]")  # every combining mark, and tatweel


def surface_key(s: str) -> str:
    """How corpus tools decide that two mentions are "the same form" (unseen-mention recall, the
    consistency report, the dataset card's unseen count): without any combining mark or tatweel.

    Deliberately not `normalize_word`, which is what the model sees: AraBERT v02 strips only eight
    harakat (fathatan to sukun) and tatweel, keeps other marks (e.g. superscript alef U+0670), and
    rewrites digits and punctuation. For comparing surfaces across documents the broader key is right;
    for model input AraBERT's exact steps are."""
    return _MARKS.sub("", s)


def normalize_words(words: list[str], placeholder: str) -> list[str]:
    """Normalise a word sequence for the model; a word that normalises to nothing becomes
    `placeholder` (the tokenizer's unknown token) so that every word keeps one prediction."""
    return [normalize_word(w) or placeholder for w in words]


def embed_in_tokenizer(backend_tokenizer) -> None:
    """Put the same normalisation into a `tokenizers.Tokenizer`'s normalizer, so tools that feed raw text
    to the exported tokenizer (transformers.pipeline) see what siyasa's Tagger sees. Idempotent, so text
    that siyasa already normalised passes through unchanged. (Only the collapse of 3+ repeated letters
    has no regex-replacement form; words with such runs may tokenize differently there.)"""
    from tokenizers import Regex, normalizers

    arabic = "\u0621-\u063a\u0641-\u064a"
    steps = [
        normalizers.Replace(Regex(f"[{_TASHKEEL}{_TATWEEL}]"), ""),
        *[normalizers.Replace(a, b) for a, b in zip("٠١٢٣٤٥٦٧٨٩", "0123456789", strict=True)],
        normalizers.Replace("/", "-"),
        normalizers.Replace(Regex(f"(?<=[{arabic}])(?=[0-9])|(?<=[0-9])(?=[{arabic}])"), " "),
        normalizers.Replace(Regex(_REJECTED.pattern), " "),
    ]
    current = backend_tokenizer.normalizer
    if current is not None and "siyasa" not in repr(current):
        steps.insert(0, current)
    backend_tokenizer.normalizer = normalizers.Sequence(steps)

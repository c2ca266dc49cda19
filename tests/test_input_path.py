"""Time on the input path grows linearly with the input: hostile shapes finish within generous bounds.

The bounds are 8-100x what these take on a 2-core machine (scripts/bench_input_path.py measures
characters per second; the densest shapes take ~15 s, most of it the learned linker); a super-linear pattern (the normaliser's old digit regexes took a minute on a
50,000-letter word, hours near the 1 MB request limit) blows through them. Each shape runs in a child
process with a timeout, so a regression fails in seconds instead of hanging the suite.
"""

import subprocess
import sys
import textwrap

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siyasa.preprocess import normalize_word

SHAPES = {
    "one 200k-letter word": "'روسيا' * 40_000",
    "200k digits": "'1234567890' * 20_000",
    "digit-letter alternation": "'1ب' * 100_000",
    "alternating scripts": "'aب' * 100_000",
    "combining marks": "'بَّ' * 70_000",
    "50k punctuation words": "'،.؟!«»' * 8_000",
    "spaced scripts": "'a ب ' * 25_000",
}


@pytest.mark.parametrize("shape", SHAPES)
def test_every_stage_is_fast_on_hostile_shapes(shape, smoke_export):
    code = textwrap.dedent(f"""
        from siyasa.features import encode
        from siyasa.inference import WordPieceTokenizer, decode, link_roles
        from siyasa.linker import Linker, WordVectors
        from siyasa.render import FORMATS
        from siyasa.validation import check_record
        from siyasa.words import tokenize
        text = {SHAPES[shape]}
        tok = WordPieceTokenizer({str(smoke_export / "tokenizer.json")!r})
        words = tokenize(text)
        encode(tok, [[w.text for w in words]], 256, 64)
        labels = ["B-ROLE", "B-ACTOR", "B-EVENT", "I-EVENT"]
        doc = decode(text, words, [(labels[i % 4], 0.5) for i in range(len(words))])  # rule linker
        linker = Linker.load({str(smoke_export)!r})  # the learned linker, with encoder-sized vectors
        import numpy as np
        width = linker.wd.shape[0] // 3 if linker.uses_vectors else 1
        vectors = WordVectors(np.array([w.start for w in words]), np.ones((len(words), width), "float32"))
        linker.link(text, doc.spans, vectors if linker.uses_vectors else None)
        link_roles(text, doc.spans)
        for fmt in FORMATS.values():
            fmt([doc])
        sub = {{"ACTOR": "PER", "EVENT": "OTHER", "ROLE": None}}
        check_record({{"id": "x", "text": text, "meta": {{"topic": "t"}},
                      "spans": [{{"start": s.start, "end": s.end, "label": s.label, "subtype": sub[s.label]}}
                                for s in doc.spans]}})
    """)
    subprocess.run(
        [sys.executable, "-c", code], check=True, timeout=120
    )  # ~15 s here; CI machines have run 3x slower


def test_the_tagger_tags_a_word_near_the_size_limit_quickly(smoke_export):
    code = textwrap.dedent(f"""
        from siyasa import Tagger
        tagger = Tagger.load({str(smoke_export)!r}, backend="onnx")
        doc = tagger("روسيا" * 190_000 + " 123" + "ب1" * 20_000)
        assert doc.text.startswith("روسيا")
    """)
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# AraBERT v02's own patterns, as arabert/preprocess.py writes them: the linear rewrite must agree.
_OLD_DIGIT_WORD = r"(\d+)([\u0621-\u063a\u0641-\u064a\u0660-\u066c]+)"
_OLD_WORD_DIGIT = r"([\u0621-\u063a\u0641-\u064a\u0660-\u066c]+)(\d+)"


def _old_normalize(word: str) -> str:
    import re

    from siyasa import preprocess as p

    text = word.translate(p._STRIP).translate(p._HINDI_TO_ARABIC)
    text = p._REPEAT.sub(r"\1\1", text)
    text = p._SPACE_AROUND.sub(r" \1 ", text)
    text = re.sub(_OLD_DIGIT_WORD, r" \1 \2 ", text)
    text = re.sub(_OLD_WORD_DIGIT, r" \1 \2 ", text)
    text = text.replace("/", "-")
    text = p._REJECTED.sub(" ", text)
    return " ".join(text.replace("\ufe0f", "").split())


@settings(max_examples=300, deadline=None)
@given(st.text(st.sampled_from("0123456789٠١٢٣٤٥٦٧٨٩۱۲بتثaZ٪٫/[]ـَ.،a"), max_size=30))
def test_linear_normaliser_equals_arabert_patterns(word):
    assert normalize_word(word) == _old_normalize(word)

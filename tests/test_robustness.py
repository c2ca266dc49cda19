"""Property-based: any Unicode text is tagged without a crash, and every span is well-formed."""

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from siyasa import Tagger
from siyasa.errors import UserError
from siyasa.words import tokenize

pytestmark = pytest.mark.slow

ARABIC = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
SPECIAL = st.sampled_from(
    [
        "\u200f",
        "\u200e",
        "\u202b",
        "\u202c",
        "\u200c",
        "\u200d",
        "\ufeff",
        "\u0640",
        "\u064b",
        "😀",
        "\x00",
        "\x07",
        "\t",
        "\n",
        "\r",
        " ",
        "«",
        "»",
        "،",
        "؟",
        "[",
        "]",
        "\\",
        "ﷺ",
    ]
)
TEXT = st.one_of(
    st.text(max_size=300),
    st.text(st.one_of(ARABIC, SPECIAL, st.characters()), max_size=400),
    st.lists(st.text(ARABIC, min_size=1, max_size=400), max_size=5).map(" ".join),  # very long words
    st.lists(st.one_of(st.text(ARABIC, max_size=20), st.just("🇱🇾"), st.just("👩🏽‍⚖️")), max_size=20).map(
        "".join
    ),  # multi-codepoint emoji
)


def _no_surrogate(t: str) -> bool:
    return not any("\ud800" <= c <= "\udfff" for c in t)


@pytest.fixture(scope="module")
def tagger(smoke_export):
    return Tagger.load(smoke_export, backend="onnx")


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(text=TEXT)
def test_any_text_gives_well_formed_spans(tagger, text):
    if not _no_surrogate(text):  # not Unicode text (st.characters() can draw one): refused, never tagged
        with pytest.raises(UserError, match="lone surrogate"):
            tagger(text)
        return
    doc = tagger(text)
    starts = {w.start for w in tokenize(text)}
    ends = {w.end for w in tokenize(text)}
    previous_end = 0
    for s in doc.spans:
        assert text[s.start : s.end] == s.text
        assert s.start in starts and s.end in ends
        assert s.start >= previous_end  # sorted, never crossing or nested
        previous_end = s.end
        assert isinstance(s.score, float) and 0.0 <= s.score <= 1.0


# lone surrogates are the `surrogate` case of the predict test (an error naming the line), not docs
DOCS = st.lists(TEXT.filter(lambda t: t.strip() and _no_surrogate(t)), min_size=1, max_size=6)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(docs=DOCS, surrogate=st.booleans())
@example(
    docs=["0\x85", "a\u2028b\u2029"], surrogate=False
)  # line breaks to str.splitlines: one record, one line
def test_predict_on_generated_jsonl_never_crashes_and_is_batch_invariant(
    smoke_export, tmp_path_factory, docs, surrogate
):
    """`siyasa predict` through the CLI: exit 0 with exact offsets, the same answer at batch size 1 and
    32; or, for a record holding a lone surrogate, exit 2 with a one-line error naming its line."""
    import json

    from siyasa.cli import main

    tmp = tmp_path_factory.mktemp("predict")
    if surrogate:
        docs = [*docs, "نص \ud800"]
    src = tmp / "in.jsonl"
    src.write_text("".join(json.dumps({"id": f"d{i}", "text": t}) + "\n" for i, t in enumerate(docs)))
    outs = []
    for batch in ("1", "32"):
        out = tmp / f"out{batch}.jsonl"
        code = main(
            [
                "predict",
                "--model",
                str(smoke_export),
                "--input",
                str(src),
                "--output",
                str(out),
                "--batch-size",
                batch,
            ]
        )
        if surrogate:
            assert code == 2 and not out.exists()
            return
        assert code == 0
        outs.append([json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()])
    for text, one, many in zip(docs, *outs, strict=True):
        assert one["text"] == text
        assert [(s["start"], s["end"], s["label"]) for s in one["spans"]] == [
            (s["start"], s["end"], s["label"]) for s in many["spans"]
        ]
        for a, b in zip(one["spans"], many["spans"], strict=True):
            assert text[a["start"] : a["end"]] == a["text"] and abs(a["score"] - b["score"]) < 1e-4

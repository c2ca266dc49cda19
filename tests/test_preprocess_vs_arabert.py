"""Our per-word normaliser must equal AraBERT's own preprocessing on every word of the corpus."""

import json
from pathlib import Path

import pytest

from siyasa.preprocess import normalize_word
from siyasa.words import tokenize


def corpus_vocabulary() -> set[str]:
    vocab = set()
    for split in ("train", "dev", "test"):
        path = Path("data/processed") / f"{split}.jsonl"
        for line in path.read_text(encoding="utf-8").splitlines():
            vocab.update(w.text for w in tokenize(json.loads(line)["text"]))
    return vocab


def test_normaliser_equals_arabert_preprocessor_on_corpus_vocabulary():
    arabert = pytest.importorskip(
        "arabert.preprocess", reason="arabert is a dev dependency; it imports offline"
    )
    prep = arabert.ArabertPreprocessor("bert-base-arabertv02")
    vocab = corpus_vocabulary()
    assert len(vocab) > 1000
    mismatches = {
        w: (prep.preprocess(w), normalize_word(w)) for w in vocab if prep.preprocess(w) != normalize_word(w)
    }
    assert not mismatches, list(mismatches.items())[:10]

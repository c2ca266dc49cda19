"""The CRF model: Arabic word features, the training-split gazetteer, and its files in a model directory.

Features suited to Arabic: the word and its AraBERT-normalised form, the form with its proclitics
(و ف ب ل ال لل) peeled off, prefixes and suffixes of length 1-3, shape and script, position, the
neighbouring words, and a gazetteer of span surface forms built from the training split only.

A CRF model directory holds `crf.model` (CRFsuite's own binary format, no pickle), `gazetteer.json`,
`siyasa.json` (`"backend": "crf"`) and `manifest.json`; `Tagger.load` runs it with python-crfsuite alone.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from .modeldir import CRF_FILE, GAZETTEER_FILE, SETTINGS_FILE, write_manifest
from .preprocess import normalize_word
from .words import tokenize

PROCLITICS = ("وال", "بال", "فال", "كال", "لل", "ال", "و", "ف", "ب", "ل", "ك")


def strip_proclitics(w: str) -> str:
    for p in PROCLITICS:
        if w.startswith(p) and len(w) - len(p) >= 2:
            return w[len(p) :]
    return w


def shape(w: str) -> str:
    if w.isdigit():
        return "digit"
    if all("\u0600" <= c <= "\u06ff" for c in w):
        return "arabic"
    if w.isascii() and w.isalpha():
        return "latin"
    if len(w) == 1 and not w.isalnum():
        return "punct"
    return "mixed"


class Gazetteer:
    """Word sequences labelled in the training split, matched longest-first (BIO feature per word)."""

    def __init__(self, records: list[dict]):
        self.by_first: dict[str, set[tuple[str, ...]]] = defaultdict(set)
        self.label: dict[tuple[str, ...], str] = {}
        counts: dict[tuple[str, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for r in records:
            for s in r["spans"]:
                seq = tuple(normalize_word(w.text) for w in tokenize(r["text"][s["start"] : s["end"]]))
                if seq:
                    counts[seq][s["label"]] += 1
        self._index({seq: max(c, key=c.get) for seq, c in counts.items()})

    def _index(self, label: dict[tuple[str, ...], str]) -> None:
        self.label = label
        for seq in label:
            self.by_first[seq[0]].add(seq)

    def to_json(self) -> str:
        return json.dumps(
            [[list(seq), label] for seq, label in sorted(self.label.items())], ensure_ascii=False
        )

    @classmethod
    def from_json(cls, text: str) -> Gazetteer:
        gaz = cls([])
        gaz._index({tuple(seq): label for seq, label in json.loads(text)})
        return gaz

    def tags(self, words: list[str]) -> list[str]:
        out = ["O"] * len(words)
        i = 0
        while i < len(words):
            best = None
            for seq in self.by_first.get(words[i], ()):
                if tuple(words[i : i + len(seq)]) == seq and (best is None or len(seq) > len(best)):
                    best = seq
            if best:
                out[i] = "B-" + self.label[best]
                for k in range(i + 1, i + len(best)):
                    out[k] = "I-" + self.label[best]
                i += len(best)
            else:
                i += 1
        return out


def word_features(words: list[str], gaz: list[str], i: int) -> dict[str, object]:
    w = words[i]
    n = normalize_word(w) or w
    core = strip_proclitics(n)
    f: dict[str, object] = {
        "bias": 1.0,
        "w": w,
        "n": n,
        "core": core,
        "shape": shape(n),
        "gaz": gaz[i],
        "p1": n[:1],
        "p2": n[:2],
        "p3": n[:3],
        "s1": n[-1:],
        "s2": n[-2:],
        "s3": n[-3:],
        "cs2": core[-2:],
        "cp2": core[:2],
        "len": min(len(n), 10),
        "BOS": i == 0,
        "EOS": i == len(words) - 1,
    }
    for d in (-2, -1, 1, 2):
        j = i + d
        if 0 <= j < len(words):
            m = normalize_word(words[j]) or words[j]
            f[f"{d}:n"] = m
            f[f"{d}:core"] = strip_proclitics(m)
            f[f"{d}:gaz"] = gaz[j]
            f[f"{d}:shape"] = shape(m)
    return f


def doc_features(tokens: list[str], gazetteer: Gazetteer) -> list[dict]:
    norm = [normalize_word(t) for t in tokens]
    gaz = gazetteer.tags(norm)
    return [word_features(tokens, gaz, i) for i in range(len(tokens))]


class CrfModel:
    """A saved CRF: tags words with python-crfsuite (no torch), scoring each word by its marginal."""

    def __init__(self, directory: str | Path):
        import pycrfsuite

        d = Path(directory)
        self.tagger = pycrfsuite.Tagger()
        self.tagger.open(str(d / CRF_FILE))
        self.gazetteer = Gazetteer.from_json((d / GAZETTEER_FILE).read_text(encoding="utf-8"))
        self.labels = sorted(self.tagger.labels(), key=lambda t: (t != "O", t[2:], t[:1]))

    def word_probs(self, docs_words: list[list[str]]) -> list[list[tuple[str, float]]]:
        """(label, marginal probability) per word: the CRF's own best sequence, which is valid IOB2
        because every I-X it saw in training followed B-X or I-X (checked; else the constrained
        Viterbi over the marginals decides)."""
        import numpy as np

        from .decoding import is_valid_iob2, viterbi_iob2

        out = []
        for words in docs_words:
            if not words:
                out.append([])
                continue
            self.tagger.set(doc_features(words, self.gazetteer))
            tags = self.tagger.tag()
            if not is_valid_iob2(tags):
                m = np.array([[self.tagger.marginal(y, t) for y in self.labels] for t in range(len(words))])
                tags = [self.labels[i] for i in viterbi_iob2(m, self.labels)]
            out.append([(y, float(self.tagger.marginal(y, t))) for t, y in enumerate(tags)])
        return out


def save(model_file: str | Path, gazetteer: Gazetteer, directory: str | Path, settings: dict) -> None:
    """Write a CRF model directory (the manifest last) from crfsuite's trained model file."""
    import shutil

    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(model_file, d / CRF_FILE)
    (d / GAZETTEER_FILE).write_text(gazetteer.to_json() + "\n", encoding="utf-8")
    (d / SETTINGS_FILE).write_text(json.dumps({"backend": "crf", **settings}, indent=2) + "\n")
    write_manifest(d)

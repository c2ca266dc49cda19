"""A linear-chain CRF baseline (python-crfsuite via sklearn-crfsuite) on the same splits and metrics.

Features suited to Arabic: the word and its AraBERT-normalised form, the form with its proclitics
(و ف ب ل ال لل) peeled off, prefixes and suffixes of length 1-3, shape and script, position, the
neighbouring words, and a gazetteer of span surface forms built from the training split only.

    make baseline            # siyasa baseline --data data/processed --out outputs/crf-<timestamp>
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path

from .data import PROCESSED_DIR, SPLITS, read_records, subsample, to_examples
from .evaluation import write_report
from .fileio import write_text
from .preprocess import normalize_word
from .scoring import metrics_table, score_records
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
        for seq, c in counts.items():
            self.by_first[seq[0]].add(seq)
            self.label[seq] = max(c, key=c.get)
        self.max_len = max((len(s) for s in self.label), default=1)

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
        "bias": 1.0, "w": w, "n": n, "core": core, "shape": shape(n), "gaz": gaz[i],
        "p1": n[:1], "p2": n[:2], "p3": n[:3], "s1": n[-1:], "s2": n[-2:], "s3": n[-3:],
        "cs2": core[-2:], "cp2": core[:2], "len": min(len(n), 10), "BOS": i == 0, "EOS": i == len(words) - 1,
    }  # fmt: skip
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


def train_baseline(processed: str | Path = PROCESSED_DIR, out: str | Path | None = None, c1: float = 0.05,
                   c2: float = 0.05, max_iterations: int = 150, train_fraction: float = 1.0) -> dict:  # fmt: skip
    """Train the CRF on train, score dev and test with the project's evaluation; returns the metrics."""
    import sklearn_crfsuite

    started = time.perf_counter()
    p = Path(processed)
    train, dev, test = (read_records(p / f"{s}.jsonl") for s in SPLITS)
    train = subsample(train, train_fraction)
    gazetteer = Gazetteer(train)
    examples = to_examples(train)
    crf = sklearn_crfsuite.CRF(
        algorithm="lbfgs", c1=c1, c2=c2, max_iterations=max_iterations, all_possible_transitions=True
    )
    crf.fit([doc_features(ex.tokens, gazetteer) for ex in examples], [ex.tags for ex in examples])
    train_seconds = time.perf_counter() - started
    out_dir = Path(out or f"outputs/crf-{datetime.now(timezone.utc).strftime('%Y%m%d-%H%M%S')}")
    metrics = {}
    for name, recs in (("dev", dev), ("test", test)):
        split = to_examples(recs)
        tags = [list(t) for t in crf.predict([doc_features(ex.tokens, gazetteer) for ex in split])]
        metrics[name] = score_records(split, tags, train)
        write_report(out_dir / "eval", name, split, tags, metrics[name])
    record = {"model": "crf", "params": {"c1": c1, "c2": c2, "max_iterations": max_iterations, "train_fraction": train_fraction},
              "train_documents": len(train), "train_seconds": round(train_seconds, 1), "metrics": metrics}  # fmt: skip
    write_text(out_dir / "metrics.json", json.dumps(record, indent=2) + "\n")
    print(metrics_table(metrics))
    print(f"\nCRF trained in {train_seconds:.0f} s on {len(train)} documents; reports in {out_dir}")
    return record

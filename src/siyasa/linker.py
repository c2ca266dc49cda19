"""The learned linker (issue 10.3): for each EVENT span and each ACTOR/ROLE span near it, SOURCE, TARGET
or none.

A pair is described by sparse named features (`pair_features`): direction and distance, how many
triggers and candidates lie between, the sentence distance, the candidate's type and whether it is a
title beside its name or nested in a ROLE, the function word before it (مع، على، ضد، إلى، بين ...), the
trigger's first word and whether it reads as a verb, and the rule baseline's decision for the pair
(siyasa.linking), which the model learns when to overrule. A one-hidden-layer network over those
features (an embedding bag: the sum of one row per active feature) gives the three probabilities.

It trains in seconds on the corpus's gold arguments (`train_linker`, with torch), and runs with numpy
alone (`Linker.link`), so the ONNX and CRF runtimes need no torch. Candidates are limited to the
nearest CANDIDATES_BEFORE / CANDIDATES_AFTER spans within SENTENCES_BACK earlier sentences: linear time
whatever the input, and covering the earlier-sentence links the contract allows.
"""

from __future__ import annotations

import bisect
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from .arguments import Arg, Sentences
from .linking import PREPOSITIONS, TARGET_WORDS, is_verb, rule_links
from .modeldir import LINKER_FILE, LINKER_WEIGHTS_FILE
from .preprocess import surface_key

ROLES = ("none", "SOURCE", "TARGET")
QUOTES = '«»"“”'
SENTENCES_BACK = 2
CANDIDATES_BEFORE = 6
CANDIDATES_AFTER = 4
FUNCTION_WORDS = TARGET_WORDS | PREPOSITIONS | {"و", "أن", "إن", "التي", "الذي", "قال", "وقال", "أعلن", "بين"}


@dataclass(frozen=True)
class _S:
    start: int
    end: int
    label: str
    subtype: str | None


def _spans(spans) -> list[_S]:
    out = []
    for s in spans:
        if isinstance(s, dict):
            out.append(_S(s["start"], s["end"], s["label"], s.get("subtype")))
        else:
            out.append(_S(s.start, s.end, s.label, s.subtype))
    return out


def _bucket(n: int, edges=(0, 1, 2, 3, 5, 8, 12, 20)) -> str:
    for e in edges:
        if n <= e:
            return str(e)
    return f">{edges[-1]}"


def _prefix(word: str) -> str:
    for p in ("وال", "بال", "لل", "ال", "و", "ب", "ل", "ف"):
        if word.startswith(p) and len(word) > len(p) + 1:
            return p
    return "-"


def _word_before(text: str, start: int) -> str:
    words = text[max(0, start - 16) : start].split()
    return words[-1] if words else "<s>"


class _Doc:
    """One text with its spans, indexed for the pair features."""

    def __init__(self, text: str, spans):
        self.text = text
        self.spans = sorted(_spans(spans), key=lambda s: (s.start, -s.end))
        self.sentences = Sentences(text)
        self.events = [s for s in self.spans if s.label == "EVENT"]
        self.cands = [s for s in self.spans if s.label in ("ACTOR", "ROLE")]
        self.cand_starts = [c.start for c in self.cands]
        self.event_starts = [e.start for e in self.events]
        roles = [s for s in self.cands if s.label == "ROLE"]
        self.role_bounds = [(r.start, r.end) for r in roles]
        self.rule = {(a.event, a.arg): a.role for a in rule_links(text, self.spans)}
        self._keys: dict[str, str] = {}

    def key(self, word: str) -> str:
        """surface_key of a word, cached for the document."""
        k = self._keys.get(word)
        if k is None:
            k = self._keys[word] = surface_key(word) if len(word) < 64 else word[:64]
        return k

    def nested(self, c: _S) -> bool:
        k = bisect.bisect_right(self.role_bounds, (c.start, math.inf))
        # the nearest ROLEs starting at or before c: a nested span ends within one of them
        return any(r[0] <= c.start and c.end <= r[1] and r != (c.start, c.end)
                   for r in self.role_bounds[max(0, k - 3) : k])  # fmt: skip

    def candidates(self, e: _S) -> list[_S]:
        """Candidates of an event: the nearest spans before (within SENTENCES_BACK sentences) and after (in
        its sentence), never overlapping it."""
        here = self.sentences.index(e.start)
        lo = self.sentences.bounds[max(0, here - SENTENCES_BACK)][0]
        hi = self.sentences.bounds[here][1]
        k = bisect.bisect_left(self.cand_starts, e.start)
        before = [
            c for c in self.cands[max(0, k - 3 * CANDIDATES_BEFORE) : k] if c.end <= e.start and c.start >= lo
        ]
        after = [c for c in self.cands[k : k + 3 * CANDIDATES_AFTER] if c.start >= e.end and c.end <= hi]
        return before[-CANDIDATES_BEFORE:] + after[:CANDIDATES_AFTER]


def _event_info(doc: _Doc, e: _S, subtype: str | None) -> tuple[str, list[str], dict[str, list[str]]]:
    """A pair's features that depend on its event alone: verb or noun, the direction-free features, and
    those per direction (B: candidate before, A: after). Computed once per event."""
    text = doc.text
    words = text[e.start : e.end].split()
    first, last = (doc.key(words[0]), doc.key(words[-1])) if words else ("", "")
    k = bisect.bisect_left(doc.event_starts, e.start)
    v = "V" if is_verb(text, e, doc.events[k - 1] if k else None) else "N"
    esub, enext = subtype or "-", doc.key(_word_after(text, e.end))
    fixed = ["bias", f"esub={esub}", f"eword={first}", f"elast={last}"]
    per_dir = {d: [f"d={d}", f"esub={esub}|{d}", f"verb={v}|{d}", f"eprefix={_prefix(first)}|{d}",
                   f"eword={first}|{d}", f"enext={enext}|{d}"] for d in "BA"}  # fmt: skip
    return v, fixed, per_dir


def _cand_info(doc: _Doc, c: _S) -> dict[tuple[str, str], list[str]]:
    """A pair's features that depend on its candidate (and the event's direction and verb/noun reading)
    alone, per (direction, V or N). Computed once per candidate."""
    text = doc.text
    prev = doc.key(_word_before(text, c.start)).lstrip("و") or "و"
    prev = prev if prev in FUNCTION_WORDS else "other"
    words = text[c.start : c.end].split()
    ctype = f"{c.label}.{c.subtype}" if c.subtype else c.label
    cprefix, clast = (_prefix(words[0]), doc.key(words[-1])) if words else ("-", "")
    nested = f"nested={doc.nested(c)}|{c.label}"
    return {(d, v): [f"ctype={ctype}", nested, f"ctype={c.label}|{d}|{v}", f"cprev={prev}|{d}",
                     f"cprev={prev}|{d}|{v}", f"cprefix={cprefix}|{d}", f"cword={clast}|{d}"]
            for d in "BA" for v in "VN"}  # fmt: skip


def pair_features(doc: _Doc, e: _S, c: _S, rank: int, event: tuple, cand: dict) -> list[str]:
    """The named features of (event e, candidate c), from `_event_info` and `_cand_info`; `rank` is c's
    nearness among e's candidates on its side (0: nearest)."""
    text = doc.text
    v, fixed, per_dir = event
    d = "B" if c.end <= e.start else "A"
    gap_lo, gap_hi = (c.end, e.start) if d == "B" else (e.end, c.start)
    far = gap_hi - gap_lo > 400  # a long gap is not sliced: time stays linear on any input
    gap = "" if far else text[gap_lo:gap_hi]
    starts = doc.event_starts
    n_ev = bisect.bisect_left(starts, gap_hi) - bisect.bisect_left(starts, gap_lo)
    starts = doc.cand_starts
    n_c = bisect.bisect_left(starts, gap_hi) - bisect.bisect_left(starts, gap_lo)
    sent = doc.sentences.index(e.start) - doc.sentences.index(c.start)
    rule = doc.rule.get(((e.start, e.end), (c.start, c.end)), "none")
    between = gap.split()
    near = "far" if far else _bucket(len(between))
    r = min(rank, 4)
    feats = fixed + per_dir[d] + cand[(d, v)] + [
        f"dist={near}|{d}", f"sent={min(sent, 2)}", f"ev_between={min(n_ev, 3)}|{d}",
        f"c_between={min(n_c, 3)}|{d}", f"rank={r}|{d}", f"rank={r}|{d}|{v}", f"rule={rule}", f"rule={rule}|{d}|{v}",
        f"adjacent={not far and not between}|{d}", f"comma={'،' in gap or ',' in gap}|{d}",
        f"quote={any(q in gap for q in QUOTES)}|{d}",
    ]  # fmt: skip
    if len(between) <= 6 and not far:  # the words between, when few: قال ... إن, في ... مع
        feats += [f"btw={doc.key(w).lstrip('و') or 'و'}|{d}" for w in between]
        feats.append(f"n_btw={len(between)}|{d}|{v}")
    return feats


def _word_after(text: str, end: int) -> str:
    words = text[end : end + 16].split()
    return words[0] if words else "</s>"


def document_pairs(text: str, spans, blank_subtypes: bool = False):
    """(event, candidate, features) for every candidate pair of a document."""
    doc = _Doc(text, spans)
    cand_info: dict[_S, tuple] = {}
    for e in doc.events:
        cands = doc.candidates(e)
        before = [c for c in cands if c.end <= e.start]
        after = [c for c in cands if c.start >= e.end]
        event = _event_info(doc, e, None if blank_subtypes else e.subtype)
        for side in (list(reversed(before)), after):
            for rank, c in enumerate(side):
                if c not in cand_info:
                    cand_info[c] = _cand_info(doc, c)
                yield e, c, pair_features(doc, e, c, rank, event, cand_info[c])


class Linker:
    """A trained linker: a feature vocabulary and numpy weights; `link(text, spans)` like `rule_links`."""

    def __init__(
        self, vocab: dict[str, int], w1, b1, w2, b2, info: dict | None = None, none_bias: float = 0.0
    ):
        self.vocab, self.w1, self.b1, self.w2, self.b2 = vocab, w1, b1, w2, b2
        self.info = info or {}
        # added to the "none" logit: below 0 links more (recall), above fewer; chosen on dev by train_linker
        self.none_bias = none_bias

    def probs(self, feature_lists: list[list[str]]):
        import numpy as np

        vocab = self.vocab
        ids = [[vocab[f] for f in feats if f in vocab] for feats in feature_lists]
        lengths = np.fromiter((len(r) for r in ids), dtype=np.int64, count=len(ids))
        rows = self.w1[np.fromiter((i for r in ids for i in r), dtype=np.int64, count=int(lengths.sum()))]
        h = np.zeros((len(ids), self.w1.shape[1]), dtype=np.float32)
        nonempty = lengths > 0
        if rows.size:  # the sum of each pair's feature rows (np.add.reduceat over the concatenated rows)
            starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])[nonempty]
            h[nonempty] = np.add.reduceat(rows, starts, axis=0)
        h += self.b1
        logits = np.maximum(h, 0) @ self.w2 + self.b2
        logits[:, 0] += self.none_bias
        logits -= logits.max(axis=1, keepdims=True)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)

    def link(self, text: str, spans) -> list[Arg]:
        """SOURCE and TARGET links of every EVENT span: each candidate gets its most probable class."""
        return self._decode(list(document_pairs(text, spans)))

    def _decode(self, pairs) -> list[Arg]:
        if not pairs:
            return []
        p = self.probs([f for _, _, f in pairs])
        out = []
        for (e, c, _), row in zip(pairs, p, strict=True):
            k = int(row.argmax())
            if k:
                out.append(Arg((e.start, e.end), ROLES[k], (c.start, c.end)))
        return sorted(out)

    __call__ = link

    def save(self, directory: str | Path) -> list[str]:
        """Write linker.json and linker.npz into `directory`; returns the file names."""
        import numpy as np

        d = Path(directory)
        (d / LINKER_FILE).write_text(json.dumps({"format": 1, "roles": list(ROLES), "none_bias": self.none_bias,
                                                 "vocab": self.vocab, "info": self.info}, ensure_ascii=False) + "\n", encoding="utf-8")  # fmt: skip
        with open(d / LINKER_WEIGHTS_FILE, "wb") as f:
            np.savez(f, w1=self.w1, b1=self.b1, w2=self.w2, b2=self.b2)
        return [LINKER_FILE, LINKER_WEIGHTS_FILE]

    @classmethod
    def load(cls, directory: str | Path) -> Linker:
        import numpy as np

        d = Path(directory)
        meta = json.loads((d / LINKER_FILE).read_text(encoding="utf-8"))
        with np.load(d / LINKER_WEIGHTS_FILE, allow_pickle=False) as w:
            return cls(meta["vocab"], w["w1"], w["b1"], w["w2"], w["b2"], meta.get("info"), meta["none_bias"])


def _examples(records) -> tuple[list[list[str]], list[int]]:
    """Training pairs: every candidate pair of every record with arguments, once with the gold subtypes
    and once without (a coarse tagger predicts no subtype), labelled by the gold arguments."""
    feats, labels = [], []
    for r in records:
        text, spans, args = (
            (r.text, r.spans, r.args) if hasattr(r, "text") else (r["text"], r["spans"], r.get("args"))
        )
        if args is None:
            continue
        gold = {}
        for a in args:
            a = a if isinstance(a, Arg) else Arg.from_dict(a)
            gold[(a.event, a.arg)] = ROLES.index(a.role)
        for blank in (False, True):
            for e, c, f in document_pairs(text, spans, blank_subtypes=blank):
                feats.append(f)
                labels.append(gold.get(((e.start, e.end), (c.start, c.end)), 0))
    return feats, labels


def train_linker(train, dev=None, hidden: int = 64, epochs: int = 30, learning_rate: float = 5e-3,
                 min_count: int = 2, seed: int = 42, weight_decay: float = 1e-4, progress: bool = False) -> Linker:  # fmt: skip
    """Train on examples (or records) with gold `args`; with `dev`, keep the epoch with the best dev
    argument-classification F1 (gold spans). Seconds on the corpus."""
    import numpy as np
    import torch

    torch.manual_seed(seed)
    feats, labels = _examples(train)
    if not feats:
        raise ValueError("no training pairs: the training records carry no `args`")
    counts = Counter(f for fs in feats for f in fs)
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    ids = [[vocab[f] for f in fs if f in vocab] for fs in feats]
    flat = torch.tensor([i for row in ids for i in row])
    offsets = torch.tensor([0] + [len(row) for row in ids[:-1]]).cumsum(0)
    y = torch.tensor(labels)
    bag = torch.nn.EmbeddingBag(len(vocab), hidden, mode="sum")
    torch.nn.init.normal_(bag.weight, std=0.05)
    b1 = torch.nn.Parameter(torch.zeros(hidden))
    out = torch.nn.Linear(hidden, len(ROLES))
    params = [bag.weight, b1, *out.parameters()]
    opt = torch.optim.Adam(params, lr=learning_rate, weight_decay=weight_decay)
    rows = torch.arange(len(ids))
    lengths = torch.tensor([len(r) for r in ids])

    def snapshot() -> Linker:
        return Linker(vocab, bag.weight.detach().numpy().astype(np.float32).copy(),
                      b1.detach().numpy().astype(np.float32).copy(),
                      out.weight.detach().numpy().T.astype(np.float32).copy(),
                      out.bias.detach().numpy().astype(np.float32).copy())  # fmt: skip

    dev_docs = [
        _Scored(d) for d in (dev or []) if (d.args if hasattr(d, "args") else d.get("args")) is not None
    ]
    best, best_f1, history = None, -1.0, []
    for epoch in range(epochs):
        perm = rows[torch.randperm(len(rows))]
        for batch in perm.split(512):
            starts = offsets[batch]
            idx = torch.cat(
                [flat[s : s + n] for s, n in zip(starts.tolist(), lengths[batch].tolist(), strict=True)]
            )
            offs = torch.cat([torch.zeros(1, dtype=torch.long), lengths[batch].cumsum(0)[:-1]])
            logits = out(torch.relu(bag(idx, offs) + b1))
            loss = torch.nn.functional.cross_entropy(logits, y[batch])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model = snapshot()
        if dev_docs:
            f1 = _dev_f1(dev_docs, model)
            history.append({"epoch": epoch + 1, "dev_f1": round(f1, 4)})
            if progress:
                print(f"linker epoch {epoch + 1}: dev argument F1 {f1:.3f}", flush=True)
            if f1 > best_f1:
                best, best_f1 = model, f1
        else:
            best = model
    if dev_docs:  # the decision threshold, on dev: a rare class trained on few pairs under-links
        best_f1, best.none_bias = max((_dev_f1(dev_docs, best, b), b) for b in BIASES)
    best.info = {"pairs": len(labels), "features": len(vocab), "hidden": hidden, "epochs": epochs,
                 "best_dev_f1": round(best_f1, 4) if dev_docs else None, "history": history}  # fmt: skip
    return best


BIASES = (-2.0, -1.5, -1.0, -0.75, -0.5, -0.25, 0.0, 0.5)


class _Scored:
    """A dev document with its candidate pairs computed once."""

    def __init__(self, d):
        text, spans, args = (
            (d.text, d.spans, d.args) if hasattr(d, "text") else (d["text"], d["spans"], d["args"])
        )
        self.gold = [a.to_dict() if isinstance(a, Arg) else a for a in args]
        self.pairs = list(document_pairs(text, spans))
        self.subtypes = {(s.start, s.end): s.subtype for s in _spans(spans) if s.label == "EVENT"}


def _dev_f1(docs: list[_Scored], linker: Linker, bias: float | None = None) -> float:
    from .arguments import score_args

    keep, linker.none_bias = linker.none_bias, linker.none_bias if bias is None else bias
    try:
        rows = [(d.gold, [a.to_dict() for a in linker._decode(d.pairs)], d.subtypes) for d in docs]
    finally:
        linker.none_bias = keep
    return score_args(rows)["classification"]["f1"]


def _gold_pred(docs, linker) -> list[tuple[list[dict], list[dict], dict]]:
    """(gold args, predicted args, event subtypes) per document, as arguments.score_args takes them."""
    out = []
    for d in docs:
        text, spans, args = (
            (d.text, d.spans, d.args) if hasattr(d, "text") else (d["text"], d["spans"], d["args"])
        )
        gold = [a.to_dict() if isinstance(a, Arg) else a for a in args]
        spans = _spans(spans)
        out.append((gold, [a.to_dict() for a in linker(text, spans)],
                    {(s.start, s.end): s.subtype for s in spans if s.label == "EVENT"}))  # fmt: skip
    return out

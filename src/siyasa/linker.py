"""The learned linker (issue 10.3): for each EVENT span and each ACTOR/ROLE span near it, SOURCE, TARGET
or none.

A pair is described by sparse named features (siyasa.linkfeatures): direction and distance, how many
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

import json
from collections import Counter
from pathlib import Path

from .arguments import Arg
from .linkfeatures import document_pairs
from .linking import as_spans
from .modeldir import LINKER_FILE, LINKER_WEIGHTS_FILE

ROLES = ("none", "SOURCE", "TARGET")


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
        (d / LINKER_FILE).write_text(
            json.dumps(
                {
                    "format": 1,
                    "roles": list(ROLES),
                    "none_bias": self.none_bias,
                    "vocab": self.vocab,
                    "info": self.info,
                },
                ensure_ascii=False,
            )
            + "\n",
            encoding="utf-8",
        )
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


def train_linker(
    train,
    dev=None,
    hidden: int = 64,
    epochs: int = 30,
    learning_rate: float = 5e-3,
    min_count: int = 2,
    seed: int = 42,
    weight_decay: float = 1e-4,
    progress: bool = False,
) -> Linker:
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
        return Linker(
            vocab,
            bag.weight.detach().numpy().astype(np.float32).copy(),
            b1.detach().numpy().astype(np.float32).copy(),
            out.weight.detach().numpy().T.astype(np.float32).copy(),
            out.bias.detach().numpy().astype(np.float32).copy(),
        )

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
    best.info = {
        "pairs": len(labels),
        "features": len(vocab),
        "hidden": hidden,
        "epochs": epochs,
        "best_dev_f1": round(best_f1, 4) if dev_docs else None,
        "history": history,
    }
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
        self.subtypes = {(s.start, s.end): s.subtype for s in as_spans(spans) if s.label == "EVENT"}


def _dev_f1(docs: list[_Scored], linker: Linker, bias: float | None = None) -> float:
    from .arguments import score_args

    keep, linker.none_bias = linker.none_bias, linker.none_bias if bias is None else bias
    try:
        rows = [(d.gold, [a.to_dict() for a in linker._decode(d.pairs)], d.subtypes) for d in docs]
    finally:
        linker.none_bias = keep
    return score_args(rows)["classification"]["f1"]

"""Tag text with a trained model: words in, one label per word out, then spans with offsets and scores.

`Tagger.load(dir)` reads a model directory (config.json with id2label, safetensors weights, tokenizer
files, siyasa.json with the preprocessing and window settings) or a run directory (its `model/`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .features import encode, merge_word_predictions, repair_iob2
from .schema import Span, tags_to_spans
from .words import tokenize

SETTINGS_FILE = "siyasa.json"


@dataclass
class TaggedSpan:
    start: int
    end: int
    text: str
    label: str
    subtype: str | None
    score: float

    def to_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "label": self.label,
                "subtype": self.subtype, "score": self.score}  # fmt: skip


@dataclass
class Doc:
    text: str
    spans: list[TaggedSpan] = field(default_factory=list)
    id: str | None = None

    def to_dict(self) -> dict:
        """A record of the canonical corpus format (plus `score` and `text` per span)."""
        return {"id": self.id, "text": self.text, "spans": [s.to_dict() for s in self.spans], "meta": {}}


def model_dir(path: str | Path) -> Path:
    """Accept a run directory (uses its model/) or a model directory."""
    p = Path(path)
    if (p / "model" / "config.json").exists():
        return p / "model"
    if (p / "config.json").exists():
        return p
    raise UserError(
        f"{path}: no model here (expected config.json, or a run directory with model/config.json)"
    )


class Tagger:
    """A token-classification model plus the project's word tokenizer, normaliser and windows."""

    def __init__(self, model, tokenizer, settings: dict):
        self.model = model.eval()
        self.tokenizer = tokenizer
        self.settings = settings
        self.labels: list[str] = [model.config.id2label[i] for i in range(model.config.num_labels)]
        self.max_length = int(settings.get("max_length", 256))
        self.stride = int(settings.get("stride", 64))
        self.preprocess = bool(settings.get("preprocess", True))
        self.batch_size = int(settings.get("batch_size", 32))

    @classmethod
    def load(cls, path: str | Path) -> Tagger:
        from transformers import AutoModelForTokenClassification, AutoTokenizer

        d = model_dir(path)
        settings = json.loads((d / SETTINGS_FILE).read_text()) if (d / SETTINGS_FILE).exists() else {}
        tok = AutoTokenizer.from_pretrained(d, do_lower_case=False, trust_remote_code=False)
        model = AutoModelForTokenClassification.from_pretrained(
            d, use_safetensors=True, trust_remote_code=False
        )
        return cls(model, tok, settings)

    def predict_word_probs(self, docs_words: list[list[str]]) -> list[list[tuple[str, float]]]:
        """(label, probability) per word per document."""
        import torch

        windows = encode(self.tokenizer, docs_words, self.max_length, self.stride, preprocess=self.preprocess)
        order = sorted(
            range(len(windows)), key=lambda k: len(windows[k].input_ids)
        )  # length buckets: little padding
        preds: list[list[int]] = [[] for _ in windows]
        probs: list[list[float]] = [[] for _ in windows]
        pad = self.tokenizer.pad_token_id or 0
        device = next(self.model.parameters()).device
        with torch.inference_mode():
            for i in range(0, len(order), self.batch_size):
                batch = [windows[k] for k in order[i : i + self.batch_size]]
                width = max(len(w.input_ids) for w in batch)
                ids = torch.tensor(
                    [w.input_ids + [pad] * (width - len(w.input_ids)) for w in batch], device=device
                )
                mask = torch.tensor(
                    [[1] * len(w.input_ids) + [0] * (width - len(w.input_ids)) for w in batch], device=device
                )
                p = torch.softmax(self.model(input_ids=ids, attention_mask=mask).logits.float(), dim=-1)
                best = p.max(dim=-1)
                for j, k in enumerate(order[i : i + self.batch_size]):
                    n = len(windows[k].input_ids)
                    preds[k] = best.indices[j, :n].tolist()
                    probs[k] = best.values[j, :n].tolist()
        n_words = [len(ws) for ws in docs_words]
        label_ids = merge_word_predictions(windows, preds, n_words)
        word_probs = merge_word_predictions(windows, probs, n_words)
        return [
            [(self.labels[i], float(p)) for i, p in zip(ids, ps, strict=True)]
            for ids, ps in zip(label_ids, word_probs, strict=True)
        ]

    def tag_words(self, docs_words: list[list[str]]) -> list[list[str]]:
        """Valid IOB2 tags per word per document."""
        return [repair_iob2([label for label, _ in row]) for row in self.predict_word_probs(docs_words)]

    def __call__(self, text: str) -> Doc:
        return self.pipe([text])[0]

    def pipe(self, texts: list[str]) -> list[Doc]:
        words = [tokenize(t) for t in texts]
        results = self.predict_word_probs([[w.text for w in ws] for ws in words])
        docs = []
        for text, ws, row in zip(texts, words, results, strict=True):
            offsets = [(w.start, w.end) for w in ws]
            tags = repair_iob2([label for label, _ in row])
            spans = []
            for s in tags_to_spans(offsets, tags):
                idx = [i for i, (a, b) in enumerate(offsets) if s.start <= a and b <= s.end]
                score = sum(row[i][1] for i in idx) / len(idx)
                spans.append(
                    TaggedSpan(s.start, s.end, text[s.start : s.end], s.label, s.subtype, round(score, 6))
                )
            docs.append(Doc(text, spans))
        return docs


def spans_from_tags(text: str, tags: list[str]) -> list[Span]:
    """Decode repaired word tags of `text` into character spans."""
    offsets = [(w.start, w.end) for w in tokenize(text)]
    return tags_to_spans(offsets, repair_iob2(tags))

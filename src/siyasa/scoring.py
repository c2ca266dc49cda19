"""Scoring, and nothing else: strict IOB2 entity metrics (seqeval through a local `evaluate` module),
unseen-mention recall, the markdown tables and the list of errors. Pure functions of gold records and
predicted tags: this module imports no model code, so any model's predictions are scored the same way.
`siyasa.evaluation` runs models and writes the report files on top of it."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

from .data import Example
from .preprocess import surface_key
from .report import seen_forms
from .schema import Span, outer_spans, tags_to_spans
from .texts import snippet

METRIC_PATH = str(Path(__file__).parent / "metrics" / "siyasa_seqeval")


@lru_cache(maxsize=1)
def _metric():
    import evaluate

    return evaluate.load(METRIC_PATH)


def seqeval_metrics(references: list[list[str]], predictions: list[list[str]]) -> dict:
    """Micro and macro P/R/F1 and per-type scores, strict IOB2 (plain floats, JSON-ready)."""
    return _metric().compute(predictions=predictions, references=references)


def unseen_recall(examples: list[Example], predicted: list[list[Span]], seen: set[tuple[str, str]]) -> dict:
    """Recall on gold (outer) spans whose surface form never occurs with that label in training."""
    hit, total = Counter(), Counter()
    for ex, pred in zip(examples, predicted, strict=True):
        pred_set = {(p.start, p.end, p.label) for p in pred}
        for s in outer_spans(list(ex.spans)):
            if (s.label, surface_key(ex.text[s.start : s.end])) in seen:
                continue
            total[s.label] += 1
            total["ALL"] += 1
            if (s.start, s.end, s.label) in pred_set:
                hit[s.label] += 1
                hit["ALL"] += 1
    return {k: {"recall": hit[k] / total[k] if total[k] else 0.0, "number": total[k]} for k in sorted(total)}


def score_records(
    examples: list[Example], pred_tags: list[list[str]], train_records: list[dict] | None = None
) -> dict:
    """All metrics for predicted word tags (valid IOB2, as every siyasa model decodes them) of examples."""
    result = seqeval_metrics([ex.tags for ex in examples], pred_tags)
    if train_records is not None:
        spans = [tags_to_spans(ex.offsets, p) for ex, p in zip(examples, pred_tags, strict=True)]
        coarse = [[Span(s.start, s.end, s.label, None) for s in ss] for ss in spans]
        result["unseen"] = unseen_recall(examples, coarse, seen_forms(train_records))
    result["documents"] = len(examples)
    result["words"] = sum(len(ex.tokens) for ex in examples)
    return result


def metrics_table(results: dict[str, dict]) -> str:
    """A markdown table: one row per split (or file), micro F1 and per-type P/R/F1, unseen recall."""
    types = sorted({k for r in results.values() for k, v in r.items() if isinstance(v, dict) and "f1" in v})
    head = (
        "| data | micro P | micro R | micro F1 | macro F1 | "
        + " | ".join(f"{t} F1" for t in types)
        + " | unseen ACTOR recall |"
    )
    rows = [head, "|---" * (5 + len(types) + 1) + "|"]
    for name, r in results.items():
        unseen = r.get("unseen", {}).get("ACTOR")
        u = f"{unseen['recall']:.3f} ({unseen['number']})" if unseen else "-"
        cells = [f"{r[t]['f1']:.3f}" if t in r else "-" for t in types]
        rows.append(f"| {name} | {r['overall_precision']:.3f} | {r['overall_recall']:.3f} | {r['overall_f1']:.3f} | "
                    f"{r['macro_f1']:.3f} | " + " | ".join(cells) + f" | {u} |")  # fmt: skip
    return "\n".join(rows)


def per_type_table(result: dict) -> str:
    """Precision, recall, F1 and support per entity type for one evaluation."""
    rows = ["| type | precision | recall | F1 | number |", "|---|---:|---:|---:|---:|"]
    for k, v in sorted(result.items()):
        if isinstance(v, dict) and "f1" in v:
            rows.append(f"| {k} | {v['precision']:.3f} | {v['recall']:.3f} | {v['f1']:.3f} | {v['number']} |")
    return "\n".join(rows)


def error_records(examples: list[Example], pred_tags: list[list[str]], context: int = 40) -> list[dict]:
    """Each false positive and false negative span with its surrounding text. Gold spans carry their
    annotated subtype (also in the coarse scheme) and overlaps their extent, for error analysis."""
    out = []
    for ex, tags in zip(examples, pred_tags, strict=True):
        subtypes = {(d.start, d.end, d.label): d.subtype for d in ex.spans}
        gold = set(tags_to_spans(ex.offsets, ex.tags))
        pred = set(tags_to_spans(ex.offsets, tags))
        text = ex.text
        for kind, spans in (("false_negative", gold - pred), ("false_positive", pred - gold)):
            for s in sorted(spans):
                overlap = [
                    g
                    for g in (pred if kind == "false_negative" else gold)
                    if g.start < s.end and s.start < g.end
                ]
                out.append({
                    "id": ex.id, "kind": kind, "start": s.start, "end": s.end, "text": text[s.start : s.end],
                    "label": s.tag, "subtype": subtypes.get((s.start, s.end, s.label)) if kind == "false_negative" else None,
                    "overlaps": [{"text": text[o.start : o.end], "label": o.tag, "start": o.start, "end": o.end,
                                  "subtype": subtypes.get((o.start, o.end, o.label)) if kind == "false_positive" else None}
                                 for o in overlap],
                    "context": snippet(text, s.start, s.end, context, ("[[", "]]")),
                })  # fmt: skip
    return out

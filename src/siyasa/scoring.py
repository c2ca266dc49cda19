"""Scoring, and nothing else: strict IOB2 entity metrics (seqeval through a local `evaluate` module),
unseen-mention recall, the markdown tables and the list of errors. Pure functions of gold records and
predicted tags: this module imports no model code, so any model's predictions are scored the same way.
`siyasa.evaluation` runs models and writes the report files on top of it."""

from __future__ import annotations

from collections import Counter
from functools import lru_cache
from pathlib import Path

from .arguments import Arg
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
        rows.append(
            f"| {name} | {r['overall_precision']:.3f} | {r['overall_recall']:.3f} | {r['overall_f1']:.3f} | "
            f"{r['macro_f1']:.3f} | " + " | ".join(cells) + f" | {u} |"
        )
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
                out.append(
                    {
                        "id": ex.id,
                        "kind": kind,
                        "start": s.start,
                        "end": s.end,
                        "text": text[s.start : s.end],
                        "label": s.tag,
                        "subtype": subtypes.get((s.start, s.end, s.label))
                        if kind == "false_negative"
                        else None,
                        "overlaps": [
                            {
                                "text": text[o.start : o.end],
                                "label": o.tag,
                                "start": o.start,
                                "end": o.end,
                                "subtype": subtypes.get((o.start, o.end, o.label))
                                if kind == "false_positive"
                                else None,
                            }
                            for o in overlap
                        ],
                        "context": snippet(text, s.start, s.end, context, ("[[", "]]")),
                    }
                )
    return out


def event_records(
    text: str, spans: list[Span], args: list[Arg], typed: bool = True
) -> set[tuple[str, str, str]]:
    """Who did what to whom, per document, as a set of (event type, SOURCE surface, TARGET surface):
    one tuple per source and target pair of each event that has at least one, "-" for a missing side,
    surfaces compared by `surface_key`. `typed=False` writes every type as EVENT (coarse models)."""
    sides: dict[tuple[int, int], dict[str, list[str]]] = {}
    for a in args:
        sides.setdefault(a.event, {"SOURCE": [], "TARGET": []})[a.role].append(
            surface_key(text[a.arg[0] : a.arg[1]])
        )
    out = set()
    for s in spans:
        linked = sides.get((s.start, s.end))
        if s.label != "EVENT" or not linked:
            continue
        kind = (s.subtype or "EVENT") if typed else "EVENT"
        for src in linked["SOURCE"] or ["-"]:
            for tgt in linked["TARGET"] or ["-"]:
                out.add((kind, src, tgt))
    return out


def score_arguments(examples: list[Example], predicted_spans: list[list[Span]] | None, linker) -> dict:
    """Argument scores of `linker(text, spans) -> list[Arg]` on the examples annotated for arguments:
    `gold_spans` (the linker given the gold spans) and, with `predicted_spans`, `end_to_end` (given the
    model's spans; an argument counts only when both its spans were found exactly). Each holds the
    argument scores of `arguments.score_args` and `records`: P/R/F1 of `event_records`."""
    from .arguments import prf, score_args

    rows = [(i, ex) for i, ex in enumerate(examples) if ex.args is not None]
    modes = {"gold_spans": [list(ex.spans) for _, ex in rows]}
    if predicted_spans is not None:
        modes["end_to_end"] = [predicted_spans[i] for i, _ in rows]
    out: dict = {
        "documents": len(rows),
        "events": sum(1 for _, ex in rows for s in ex.spans if s.label == "EVENT"),
    }
    for mode, span_lists in modes.items():
        docs, ok, n_gold, n_pred = [], 0, 0, 0
        typed = mode == "gold_spans" or any(s.subtype for ss in span_lists for s in ss if s.label == "EVENT")
        for (_, ex), spans in zip(rows, span_lists, strict=True):
            pred = linker(ex.text, spans)
            subtypes = {(s.start, s.end): s.subtype for s in ex.spans if s.label == "EVENT"}
            docs.append(([a.to_dict() for a in ex.args], [a.to_dict() for a in pred], subtypes))
            gold_rec = event_records(ex.text, list(ex.spans), list(ex.args), typed)
            pred_rec = event_records(ex.text, spans, pred, typed)
            ok, n_gold, n_pred = ok + len(gold_rec & pred_rec), n_gold + len(gold_rec), n_pred + len(pred_rec)
        out[mode] = {**score_args(docs), "records": prf(ok, n_gold, n_pred), "typed_records": typed}
    return out


def argument_errors(examples: list[Example], linker) -> list[dict]:
    """Every argument the linker got wrong with the gold spans given, one dict each: `missed` (gold only),
    `spurious` (predicted only) or `wrong role`, with the document id, both spans' texts and offsets, the
    gold and predicted roles, and the context of each (the trigger and the argument marked)."""
    out = []
    for ex in examples:
        if ex.args is None:
            continue
        gold = {(a.event, a.arg): a.role for a in ex.args}
        pred = {(a.event, a.arg): a.role for a in linker(ex.text, list(ex.spans))}
        for key in sorted(set(gold) | set(pred)):
            g, p = gold.get(key), pred.get(key)
            if g == p:
                continue
            (es, ee), (as_, ae) = key
            out.append(
                {
                    "id": ex.id,
                    "kind": "missed" if p is None else "spurious" if g is None else "wrong role",
                    "gold": g,
                    "predicted": p,
                    "event": ex.text[es:ee],
                    "event_offsets": [es, ee],
                    "arg": ex.text[as_:ae],
                    "arg_offsets": [as_, ae],
                    "event_context": snippet(ex.text, es, ee),
                    "arg_context": snippet(ex.text, as_, ae),
                }
            )
    return out


def arguments_table(result: dict) -> str:
    """Markdown: argument identification and classification, and event records, per mode."""
    lines = [
        "| linker input | identification F1 | classification P | R | F1 | SOURCE F1 | TARGET F1 | records F1 |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for mode in ("gold_spans", "end_to_end"):
        if mode not in result:
            continue
        r = result[mode]
        c, roles = r["classification"], r["per_role"]
        lines.append(
            f"| {mode.replace('_', ' ')} | {r['identification']['f1']:.3f} | {c['precision']:.3f} | "
            f"{c['recall']:.3f} | {c['f1']:.3f} | {roles.get('SOURCE', {}).get('f1', 0):.3f} | "
            f"{roles.get('TARGET', {}).get('f1', 0):.3f} | {r['records']['f1']:.3f} |"
        )
    return "\n".join(lines)

"""The model card (README.md) of an export: a Hugging Face card with model-index results from the test
split, the backbone, the label set, how to load it and its limits."""

from __future__ import annotations

from .schema import TYPES


def model_card(name: str, version: str, settings: dict) -> str:
    """A Hugging Face model card with model-index results from the test split."""
    metrics = settings.get("metrics", {})
    test = metrics.get("test", {})
    backbone = settings.get("backbone", {})
    results = []
    if test:
        entries = [
            ("overall_f1", "f1", "micro F1"),
            ("overall_precision", "precision", "micro precision"),
            ("overall_recall", "recall", "micro recall"),
        ] + [(t, "f1", f"{t} F1") for t in TYPES if t in test]
        for key, typ, label in entries:
            value = test[key]["f1"] if isinstance(test.get(key), dict) else test.get(key)
            results.append(f"      - type: {typ}\n        value: {float(value):.4f}\n        name: {label}")
    base = (
        backbone.get("actual")
        if backbone.get("actual") not in (None, "offline")
        and "/" in str(backbone.get("actual"))
        and not str(backbone.get("actual")).startswith("/")
        else None
    )
    front = [
        "---",
        "language: ar",
        "license: apache-2.0",
        "library_name: transformers",
        "pipeline_tag: token-classification",
        "tags: [token-classification, ner, arabic, political-news, event-extraction, siyasa]",
    ]
    if base:
        front.append(f"base_model: {base}")
    if results:
        front += [
            "model-index:",
            f"- name: {name}",
            "  results:",
            "  - task:",
            "      type: token-classification",
            "      name: Actor, role and event tagging",
            "    dataset:",
            "      name: siyasa corpus v1 (test split)",
            "      type: siyasa",
            "    metrics:",
        ] + results
    front.append("---")
    fallback = ""
    if backbone.get("fallback"):
        fallback = (
            f"\n> **Offline fallback.** This model was configured to fine-tune `{backbone.get('requested')}` but was "
            f"trained on the project's small offline backbone instead ({backbone.get('reason')}). Its scores are "
            f"not AraBERT's.\n"
        )
    labels = settings.get("labels", {})
    label_rows = "\n".join(
        f"| {i} | `{lab}` |" for i, lab in sorted(labels.items(), key=lambda kv: int(kv[0]))
    )
    table = ""
    if metrics:
        from .scoring import metrics_table

        table = metrics_table(metrics)
    return (
        "\n".join(front)
        + f"""

# {name} {version}

An Arabic token classifier for political news, trained with [siyasa](https://github.com/) on the siyasa corpus:
it tags **ACTOR** (people, organisations, states, armed groups, collectives), **ROLE** (titles and offices)
and **EVENT** (the words that report political action), as IOB2 over words.
{fallback}
- Backbone requested: `{backbone.get("requested")}`; actually trained: `{backbone.get("actual")}` (revision `{backbone.get("revision")}`).
- Label scheme: `{settings.get("label_scheme", "coarse")}`; window {settings.get("max_length")} subwords, stride {settings.get("stride")}.
- Preprocessing: AraBERT v02 normalisation per word (`preprocess: {settings.get("preprocess")}`); words from `siyasa.words.tokenize`.

## Results

{table or "No metrics recorded."}

Strict IOB2 entity-level scores (seqeval); "unseen" is recall on mentions whose surface form never occurs in training.

## Labels

| id | label |
|---|---|
{label_rows}

## How to use

```python
from siyasa import Tagger
tagger = Tagger.load("{name}-{version}")            # ONNX int8 when onnxruntime is installed, else torch
doc = tagger("قال البيت الأبيض إن الرئيس الأمريكي دونالد ترامب تحدث هاتفياً مع خليفة حفتر.")
print([(s.text, s.label, s.score) for s in doc.spans])
```

With transformers alone (same word-aligned spans): `pipeline("token-classification", model=DIR,
aggregation_strategy="first")` -- apply AraBERT v02 preprocessing per word first for identical results.

## Intended use and limitations

For tagging actors, roles and political-event triggers in Modern Standard Arabic news text, as a first
pass for analysts and event-data pipelines. The training corpus was written for annotation (it is not a
factual record) and covers Middle East, North Africa, Russia/Ukraine, EU and US politics from 2011 to 2026;
expect lower accuracy on dialects, social media, other domains and actors never seen in training.
Do not use it to make decisions about individuals.
"""
    )

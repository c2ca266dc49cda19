"""The local `evaluate` module gives exactly what seqeval gives, and loads offline by path."""

import random

from seqeval.metrics import classification_report, f1_score, precision_score, recall_score
from seqeval.scheme import IOB2

from siyasa.schema import label_names
from siyasa.scoring import METRIC_PATH, seqeval_metrics


def random_tags(r: random.Random, n: int) -> list[str]:
    names = label_names("coarse")
    return [r.choice(names) for _ in range(n)]


def test_local_metric_module_equals_seqeval_strict_iob2():
    r = random.Random(7)
    refs = [random_tags(r, r.randint(1, 40)) for _ in range(60)]
    preds = [[t if r.random() < 0.7 else r.choice(label_names("coarse")) for t in ref] for ref in refs]
    ours = seqeval_metrics(refs, preds)
    kw = {"mode": "strict", "scheme": IOB2, "zero_division": 0}
    assert ours["overall_f1"] == f1_score(refs, preds, **kw)
    assert ours["overall_precision"] == precision_score(refs, preds, **kw)
    assert ours["overall_recall"] == recall_score(refs, preds, **kw)
    assert ours["macro_f1"] == f1_score(refs, preds, average="macro", **kw)
    report = classification_report(refs, preds, output_dict=True, **kw)
    for t in ("ACTOR", "ROLE", "EVENT"):
        assert ours[t]["f1"] == report[t]["f1-score"] and ours[t]["number"] == report[t]["support"]
    assert all(type(v) is float for k, v in ours.items() if k.startswith(("overall", "macro")))


def test_metric_module_is_a_local_path():
    import os

    assert os.path.isfile(os.path.join(METRIC_PATH, "siyasa_seqeval.py"))

"""Entity-level strict IOB2 metrics (seqeval), as a local `evaluate` module loadable offline by path.

`evaluate.load("seqeval")` needs the hub; this module does the same job from inside the package:

    evaluate.load(siyasa.scoring.METRIC_PATH).compute(predictions=[[...]], references=[[...]])

Returns plain Python numbers (json-serialisable): micro and macro precision/recall/F1 and, per entity
type, precision, recall, F1 and the number of reference entities.
"""

import datasets
import evaluate

_DESCRIPTION = "Strict IOB2 entity-level precision, recall and F1 computed with seqeval."
_KWARGS = """
Args:
    predictions: list of tag sequences (strings such as B-ACTOR, I-ACTOR, O).
    references: list of tag sequences of the same lengths.
Returns:
    overall_precision, overall_recall, overall_f1 (micro), macro_precision, macro_recall, macro_f1,
    and a dict per entity type with precision, recall, f1 and number.
"""


@evaluate.utils.file_utils.add_start_docstrings(_DESCRIPTION, _KWARGS)
class SiyasaSeqeval(evaluate.Metric):
    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="Hiroki Nakayama, seqeval: A Python framework for sequence labeling evaluation, 2018.",
            inputs_description=_KWARGS,
            features=datasets.Features(
                {
                    "predictions": datasets.Sequence(datasets.Value("string", id="label"), id="sequence"),
                    "references": datasets.Sequence(datasets.Value("string", id="label"), id="sequence"),
                }
            ),
        )

    def _compute(self, predictions, references):
        from seqeval.metrics import classification_report
        from seqeval.scheme import IOB2

        report = classification_report(
            references, predictions, mode="strict", scheme=IOB2, output_dict=True, zero_division=0
        )
        out = {}
        for name, row in report.items():
            if name in ("micro avg", "macro avg", "weighted avg"):
                continue
            out[name] = {
                "precision": float(row["precision"]),
                "recall": float(row["recall"]),
                "f1": float(row["f1-score"]),
                "number": int(row["support"]),
            }
        micro, macro = report.get("micro avg", {}), report.get("macro avg", {})
        for prefix, row in (("overall", micro), ("macro", macro)):
            out[f"{prefix}_precision"] = float(row.get("precision", 0.0))
            out[f"{prefix}_recall"] = float(row.get("recall", 0.0))
            out[f"{prefix}_f1"] = float(row.get("f1-score", 0.0))
        return out

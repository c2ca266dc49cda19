"""Entity F1 of one model decoded two ways: argmax per word then `repair_iob2` (the old way, and the
Hugging Face examples'), and the constrained Viterbi decode of `siyasa.decoding` (the Tagger's).

    .venv/bin/python scripts/decoding_gain.py --model outputs/<run> [--data data/processed/test.jsonl]
"""

from __future__ import annotations

import argparse

from siyasa import inference
from siyasa.data import read_records, to_examples
from siyasa.features import repair_iob2
from siyasa.inference import Tagger
from siyasa.scoring import score_records


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", required=True)
    p.add_argument("--data", default="data/processed/test.jsonl")
    p.add_argument("--backend", default="torch", choices=["torch", "onnx"])
    args = p.parse_args()
    tagger = Tagger.load(args.model, backend=args.backend)
    examples = to_examples(read_records(args.data), tagger.settings.get("label_scheme", "coarse"))
    words = [ex.tokens for ex in examples]
    viterbi = [[lab for lab, _ in row] for row in tagger.predict_word_probs(words)]
    real = inference.viterbi_iob2
    inference.viterbi_iob2 = lambda probs, labels: probs.argmax(-1).tolist()
    try:
        argmax = [[lab for lab, _ in row] for row in tagger.predict_word_probs(words)]
    finally:
        inference.viterbi_iob2 = real
    repaired = score_records(examples, [repair_iob2(t) for t in argmax])
    decoded = score_records(examples, viterbi)
    print(
        f"| model | data | argmax + repair F1 | Viterbi F1 | gain |\n|---|---|---:|---:|---:|\n"
        f"| {args.model} | {args.data} | {repaired['overall_f1']:.3f} | {decoded['overall_f1']:.3f} | "
        f"{decoded['overall_f1'] - repaired['overall_f1']:+.3f} |"
    )


if __name__ == "__main__":
    main()

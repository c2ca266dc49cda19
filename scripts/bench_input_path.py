"""Characters per second of every stage on the input path, on ordinary text and on hostile shapes.

    .venv/bin/python scripts/bench_input_path.py [--model exports/<export>] [--chars 1000000] [--out docs/input-path.md]

Stages: the word tokenizer, the normaliser with subword windows (`features.encode`), decoding one
(label, probability) per word into spans (every word tagged, the worst case), the output formats
(JSONL, CoNLL, markup, HTML), ROLE-ACTOR links, and corpus validation of a record with a span per
word. The model itself is left out (its time is linear in windows by construction; docs/benchmarks.md
measures it); with --model the tokenizer is that model's, else one built from the training split.
Each shape is also run at a quarter of the size: time growing ~4x from the quarter to the full size
is linear, ~16x quadratic. The default size is the Tagger's limit per text (1,000,000 characters).
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from collections import Counter
from pathlib import Path

from siyasa.features import encode
from siyasa.inference import WordPieceTokenizer, decode, link_roles
from siyasa.render import FORMATS
from siyasa.validation import check_record
from siyasa.words import tokenize

ROOT = Path(__file__).resolve().parents[1]


def shapes(n: int) -> dict[str, str]:
    """Ordinary news text and the pathological shapes, each `n` characters long."""
    corpus = "\n".join(
        json.loads(line)["text"]
        for line in (ROOT / "data/processed/train.jsonl").read_text(encoding="utf-8").splitlines()
    )
    ordinary = (corpus * (n // len(corpus) + 1))[:n]
    return {
        "ordinary news text": ordinary,
        "one word of letters": ("روسيا" * n)[:n],
        "digits": ("1234567890" * n)[:n],
        "punctuation": ("،.؟!«»" * n)[:n],
        "alternating scripts (one word)": ("aب" * n)[:n],
        "digit-letter alternation": ("1ب" * n)[:n],
        "combining marks": ("بَّ" * n)[:n],
        "alternating scripts, spaced": ("a ب " * n)[:n],
    }


def offline_tokenizer(directory: Path) -> WordPieceTokenizer:
    """A WordPiece tokenizer of the offline backbone's kind, from the training split's words."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    from siyasa.backbone import wordpiece_vocab
    from siyasa.preprocess import embed_in_tokenizer, normalize_word

    counts: Counter = Counter()
    for line in (ROOT / "data/processed/train.jsonl").read_text(encoding="utf-8").splitlines():
        for w in tokenize(json.loads(line)["text"]):
            counts.update(normalize_word(w.text).split())
    vocab = {t: i for i, t in enumerate(wordpiece_vocab(counts, 6000))}
    tok = Tokenizer(models.WordPiece(vocab, unk_token="[UNK]", max_input_chars_per_word=100))
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    embed_in_tokenizer(tok)
    tok.save(str(directory / "tokenizer.json"))
    return WordPieceTokenizer(directory / "tokenizer.json")


def stage_seconds(text: str, tokenizer: WordPieceTokenizer, max_length: int = 256, stride: int = 64) -> dict:
    """Wall seconds of each stage on one text."""
    out: dict[str, float] = {}

    def timed(name, fn):
        start = time.perf_counter()
        result = fn()
        out[name] = time.perf_counter() - start
        return result

    words = timed("tokenize", lambda: tokenize(text))
    timed("normalise + windows", lambda: encode(tokenizer, [[w.text for w in words]], max_length, stride))
    labels = ["B-ROLE", "B-ACTOR", "B-EVENT", "I-EVENT"]
    row = [(labels[i % 4], 0.9) for i in range(len(words))]
    doc = timed("decode", lambda: decode(text, words, row))
    doc.id = "bench"
    timed("links", lambda: link_roles(doc.text, doc.spans))
    for name, fmt in FORMATS.items():
        timed(f"format {name}", lambda fmt=fmt: fmt([doc]))
    record = {
        "id": "bench",
        "text": text,
        "meta": {"topic": "bench"},
        "spans": [
            {
                "start": s.start,
                "end": s.end,
                "label": s.label,
                "subtype": "PER" if s.label == "ACTOR" else "OTHER" if s.label == "EVENT" else None,
            }
            for s in doc.spans
        ],
    }
    timed("validate", lambda: check_record(record))
    out["words"] = len(words)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default=None, help="export or model directory whose tokenizer to use")
    p.add_argument("--chars", type=int, default=1_000_000)
    p.add_argument("--out", default=None, help="also write the table as markdown to this file")
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        if args.model:
            from siyasa.modeldir import resolve

            tokenizer = WordPieceTokenizer(resolve(args.model) / "tokenizer.json")
        else:
            tokenizer = offline_tokenizer(Path(tmp))
        rows = []
        for name, text in shapes(args.chars).items():
            small = stage_seconds(text[: args.chars // 4], tokenizer)
            full = stage_seconds(text, tokenizer)
            stages = [k for k in full if k != "words"]
            total, total_small = sum(full[k] for k in stages), sum(small[k] for k in stages)
            worst = max(stages, key=lambda k: full[k])
            rows.append(
                f"| {name} | {full['words']:,} | {args.chars / total:,.0f} | {total:.2f} | "
                f"{total / max(total_small, 1e-9):.1f}x | {worst} ({full[worst]:.2f} s) |"
            )
            print(rows[-1], flush=True)
    head = [
        f"Made by `.venv/bin/python scripts/bench_input_path.py --chars {args.chars}` on {platform.machine()}, "
        f"Python {platform.python_version()}. One text of {args.chars:,} characters per shape; time of all "
        "stages but the model; growth is the time at the full size over the time at a quarter of it "
        "(4x is linear, 16x quadratic).",
        "",
        "| shape | words | characters/s | seconds | growth for 4x the input | slowest stage |",
        "|---|---:|---:|---:|---:|---|",
    ]
    table = "\n".join(head + rows) + "\n"
    if args.out:
        Path(args.out).write_text(table, encoding="utf-8")
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()

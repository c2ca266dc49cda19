"""Inference speed benchmark: torch fp32, ONNX fp32, ONNX int8 (fused + quantised) and the plain
`transformers.pipeline` baseline, at batch sizes 1, 8 and 32, on sentences of the test split.

    .venv/bin/python scripts/bench_inference.py --export exports/siyasa-tiny-0.1.0 [--base] [--sentences 256]

Models: the given export (the offline backbone) and, with --base, a BERT-base-sized model built locally
from the AraBERT v02 configuration (12 layers, 768 wide; random weights: speed does not depend on them).
Each measurement runs in its own process, so its peak memory (VmHWM) is its own. Span agreement is
2|A and B| / (|A| + |B|) against torch fp32 at the same batch size. Writes docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
BACKENDS = ("pipeline", "torch", "onnx-fp32", "onnx-int8")


def sentences(n: int) -> list[str]:
    out = []
    for line in (ROOT / "data/processed/test.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        out += [s.strip() for s in re.split(r"(?<=[.؟!])\s+|\n", text) if len(s.split()) >= 4]
    return out[:n]


def worker(model: str, backend: str, batch: int, n: int) -> dict:
    """Runs in a child process: load, warm up, time, and return spans, speed and peak memory."""
    texts = sentences(n)
    if backend == "pipeline":
        import torch
        from transformers import pipeline

        torch.set_num_threads(os.cpu_count() or 1)
        pipe = pipeline("token-classification", model=model, aggregation_strategy="first", device=-1)
        run = lambda: pipe(texts, batch_size=batch)  # noqa: E731
        pipe(texts[:batch], batch_size=batch)
        start = time.perf_counter()
        result = run()
        seconds = time.perf_counter() - start
        spans = [[(int(e["start"]), int(e["end"]), e["entity_group"]) for e in doc] for doc in result]
    else:
        from siyasa import Tagger

        kind = "torch" if backend == "torch" else "onnx"
        onnx_file = "model.int8.onnx" if backend == "onnx-int8" else "model.onnx"
        tagger = Tagger.load(model, backend=kind, onnx_file=onnx_file, verify=False)
        tagger.pipe(texts[:batch], batch_size=batch)
        start = time.perf_counter()
        docs = tagger.pipe(texts, batch_size=batch)
        seconds = time.perf_counter() - start
        spans = [[(s.start, s.end, s.label) for s in d.spans] for d in docs]
    # VmHWM is this process image's own peak; ru_maxrss would carry the parent's peak across fork+exec
    peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    peak_mb = peak_kb / 1024
    return {"sentences_per_s": len(texts) / seconds, "seconds": seconds, "peak_mb": peak_mb, "spans": spans}


def measure(model: str, backend: str, batch: int, n: int) -> dict:
    cmd = [sys.executable, __file__, "--worker", model, backend, str(batch), str(n)]
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=3600
    )
    if proc.returncode:
        raise RuntimeError(f"{backend} b{batch} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def agreement(a: list[list[tuple]], b: list[list[tuple]]) -> float:
    inter = sum(len(set(map(tuple, x)) & set(map(tuple, y))) for x, y in zip(a, b, strict=True))
    total = sum(len(x) + len(y) for x, y in zip(a, b, strict=True))
    return 2 * inter / total if total else 1.0


def build_base(out: Path) -> Path:
    """A BERT-base-sized token classifier with AraBERT v02's shape and a corpus WordPiece vocabulary."""
    if (out / "model.int8.onnx").exists():
        return out
    from transformers import AutoTokenizer, BertForTokenClassification

    from siyasa.export import export_onnx, quantize
    from siyasa.hublike import make_arabert_like
    from siyasa.schema import label_names

    texts = [
        json.loads(line)["text"]
        for line in (ROOT / "data/processed/train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    src = make_arabert_like(out / "hub", texts, vocab_size=30000)
    labels = label_names("coarse")
    model = BertForTokenClassification.from_pretrained(src, num_labels=len(labels), id2label=dict(enumerate(labels)),
                                                       label2id={x: i for i, x in enumerate(labels)})  # fmt: skip
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(src, do_lower_case=False).save_pretrained(out)
    (out / "siyasa.json").write_text(json.dumps({"max_length": 256, "stride": 64, "preprocess": True}))
    export_onnx(out, out / "model.onnx")
    quantize(out / "model.onnx", out / "model.int8.onnx")
    return out


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        model, backend, batch, n = sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
        print(json.dumps(worker(model, backend, batch, n)))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--export", required=True, help="an export directory (with model.onnx and model.int8.onnx)"
    )
    ap.add_argument(
        "--base", action="store_true", help="also benchmark a BERT-base-sized model (AraBERT v02 shape)"
    )
    ap.add_argument("--sentences", type=int, default=256)
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--out", default="docs/benchmarks.md")
    args = ap.parse_args()
    models = {"offline backbone": args.export}
    if args.base:
        models["BERT-base (AraBERT v02 shape)"] = str(build_base(ROOT / "outputs" / "bench-bert-base"))
    rows = []
    for name, path in models.items():
        for batch in args.batch_sizes:
            results = {b: measure(path, b, batch, args.sentences) for b in BACKENDS}
            base = results["pipeline"]["sentences_per_s"]
            for b, r in results.items():
                rows.append({"model": name, "backend": b, "batch": batch, "sentences_per_s": r["sentences_per_s"],
                             "speedup": r["sentences_per_s"] / base, "peak_mb": r["peak_mb"],
                             "agreement": agreement(r["spans"], results["torch"]["spans"])})  # fmt: skip
                print(json.dumps(rows[-1]), flush=True)
    write_doc(rows, Path(args.out), " ".join(sys.argv[1:]), args.sentences)
    return 0


def write_doc(rows: list[dict], path: Path, argv: str, n: int) -> None:
    import torch

    lines = ["# Inference benchmarks", "",
             f"Made by `.venv/bin/python scripts/bench_inference.py {argv}` on {platform.processor() or platform.machine()}, "
             f"{os.cpu_count()} cores, torch {torch.__version__}, no GPU. {n} sentences from the test split; "
             "speed-up is against `transformers.pipeline(\"token-classification\", aggregation_strategy=\"first\")` "
             "at the same batch size; agreement is span F1 against siyasa's torch fp32 at the same batch size "
             "on exact character offsets. The pipeline's spans differ where its offsets end before a final diacritic "
             "that the normaliser removed (عاماً), and, for the BERT-base directory, whose tokenizer was saved "
             "without siyasa's built-in normaliser, wherever normalisation matters. The BERT-base model has "
             "random weights: its near-uniform logits can make int8 rounding flip more labels than a trained "
             "model's (compare the trained offline backbone's int8 rows).", "",
             "| model | backend | batch | sentences/s | speed-up | peak memory (MB) | span agreement |",
             "|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in rows:
        lines.append(f"| {r['model']} | {r['backend']} | {r['batch']} | {r['sentences_per_s']:.1f} | {r['speedup']:.2f}x | "
                     f"{r['peak_mb']:.0f} | {r['agreement']:.4f} |")  # fmt: skip
    lines += ["", "Backends: `torch` is siyasa's Tagger on PyTorch; `onnx-fp32` the exported `model.onnx`; `onnx-int8` "
              "`model.int8.onnx` (onnxruntime transformer optimizer: fused attention, embedding and skip LayerNorm, "
              "bias-GELU; then dynamic int8 weights, per channel). All siyasa backends sort windows by length before batching."]  # fmt: skip
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())

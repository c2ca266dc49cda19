"""Inference speed benchmark: torch fp32, ONNX fp32, ONNX int8 (fused, statically quantised: what
`siyasa export` ships), ONNX int8 with dynamic quantisation (for comparison) and the plain
`transformers.pipeline` baseline, at batch sizes 1, 8 and 32, on sentences of the test split.

    .venv/bin/python scripts/bench_inference.py --export exports/siyasa-arabert-0.1.0 [--base] [--repeats 3]

Models: the given export (the offline backbone) and, with --base, a BERT-base-sized model built locally
from the AraBERT v02 configuration (12 layers, 768 wide; random weights: speed does not depend on them).
Each measurement runs in its own process, so its peak memory (VmHWM) is its own; with --repeats N
each is run N times and the median speed reported. Span agreement is 2|A and B| / (|A| + |B|) against
torch fp32 at the same batch size. Batch invariance: the largest score difference, and the number of
sentences whose spans differ, between tagging each sentence alone and in a batch. Writes
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BACKENDS = ("pipeline", "torch", "onnx-fp32", "onnx-int8", "onnx-int8-dynamic")
ONNX_FILES = {
    "onnx-fp32": "model.onnx",
    "onnx-int8": "model.int8.onnx",
    "onnx-int8-dynamic": "model.int8-dynamic.onnx",
}


def sentences(n: int) -> list[str]:
    out = []
    for line in (ROOT / "data/processed/test.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        out += [s.strip() for s in re.split(r"(?<=[.؟!])\s+|\n", text) if len(s.split()) >= 4]
    return out[:n]


def worker(model: str, backend: str, batch: int, n: int) -> dict:
    """Runs in a child process: load, warm up, time, and return spans, speed and peak memory."""
    texts = sentences(n)
    invariance = None
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
        tagger = Tagger.load(
            model, backend=kind, onnx_file=ONNX_FILES.get(backend, "model.onnx"), verify=False
        )
        if backend == "onnx-int8-dynamic":  # batched as is, to show what per-batch scales cost
            tagger.backend.per_window = False
        tagger.pipe(texts[:batch], batch_size=batch)
        start = time.perf_counter()
        docs = tagger.pipe(texts, batch_size=batch)
        seconds = time.perf_counter() - start
        spans = [[(s.start, s.end, s.label) for s in d.spans] for d in docs]
        if batch > 1:  # batch invariance: each sentence alone against the same sentence in the batch
            invariance = batch_invariance([tagger(t) for t in texts[:64]], docs[:64])
    # VmHWM is this process image's own peak; ru_maxrss would carry the parent's peak across fork+exec
    peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    peak_mb = peak_kb / 1024
    return {
        "sentences_per_s": len(texts) / seconds,
        "seconds": seconds,
        "peak_mb": peak_mb,
        "spans": spans,
        "invariance": invariance,
    }


def batch_invariance(alone: list, batched: list) -> dict:
    """How many docs change spans between the two runs, and the largest score move among the rest."""
    changed, moved = 0, 0.0
    for a, b in zip(alone, batched, strict=True):
        if [(s.start, s.end, s.label) for s in a.spans] != [(s.start, s.end, s.label) for s in b.spans]:
            changed += 1
        else:
            moved = max([moved] + [abs(x.score - y.score) for x, y in zip(a.spans, b.spans, strict=True)])
    return {"changed": changed, "max_score_diff": moved}


def measure(model: str, backend: str, batch: int, n: int, repeats: int = 1) -> dict:
    """Median speed (and peak memory) of `repeats` fresh processes; spans from the first."""
    runs = []
    for _ in range(repeats):
        cmd = [sys.executable, __file__, "--worker", model, backend, str(batch), str(n)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        proc = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=3600)
        if proc.returncode:
            raise RuntimeError(f"{backend} b{batch} failed:\n{proc.stderr[-3000:]}")
        runs.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    out = dict(runs[0])
    out["sentences_per_s"] = statistics.median(r["sentences_per_s"] for r in runs)
    out["all_sentences_per_s"] = [r["sentences_per_s"] for r in runs]
    out["peak_mb"] = statistics.median(r["peak_mb"] for r in runs)
    return out


def add_dynamic(model: Path, out: Path) -> Path:
    """A copy of the model directory with a dynamically quantised int8 file beside the shipped one."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if not (out / ONNX_FILES["onnx-int8-dynamic"]).exists():
        shutil.rmtree(out, ignore_errors=True)
        shutil.copytree(model, out)
        fused = out / "fused.onnx"
        _fuse(out / "model.onnx", fused)
        quantize_dynamic(
            str(fused),
            str(out / ONNX_FILES["onnx-int8-dynamic"]),
            weight_type=QuantType.QInt8,
            per_channel=True,
            extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        fused.unlink()
    return out


def _fuse(fp32: Path, out: Path) -> None:
    from onnxruntime.transformers import optimizer

    config = json.loads((fp32.parent / "config.json").read_text())
    optimizer.optimize_model(
        str(fp32),
        model_type="bert",
        num_heads=config["num_attention_heads"],
        hidden_size=config["hidden_size"],
    ).save_model_to_file(str(out))


def agreement(a: list[list[tuple]], b: list[list[tuple]]) -> float:
    inter = sum(len(set(map(tuple, x)) & set(map(tuple, y))) for x, y in zip(a, b, strict=True))
    total = sum(len(x) + len(y) for x, y in zip(a, b, strict=True))
    return 2 * inter / total if total else 1.0


def build_base(out: Path) -> Path:
    """A BERT-base-sized token classifier with AraBERT v02's shape and a corpus WordPiece vocabulary."""
    if (out / "model.int8.onnx").exists():
        return add_dynamic(out, out.with_name(out.name + "-cmp"))
    from hublike import make_arabert_like  # scripts/hublike.py, beside this script
    from transformers import AutoTokenizer, BertForTokenClassification

    from siyasa.export import calibration_windows, export_onnx, quantize
    from siyasa.schema import label_names

    texts = [
        json.loads(line)["text"]
        for line in (ROOT / "data/processed/train.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    src = make_arabert_like(out / "hub", texts, vocab_size=30000)
    labels = label_names("coarse")
    model = BertForTokenClassification.from_pretrained(
        src,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={x: i for i, x in enumerate(labels)},
    )
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(src, do_lower_case=False).save_pretrained(out)
    quant = {"model.onnx": None, "model.int8.onnx": "static"}
    (out / "siyasa.json").write_text(
        json.dumps({"max_length": 256, "stride": 64, "preprocess": True, "quantization": quant})
    )
    export_onnx(out, out / "model.onnx")
    quantize(out / "model.onnx", out / "model.int8.onnx", calibration_windows(out, texts))
    return add_dynamic(out, out.with_name(out.name + "-cmp"))


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
    ap.add_argument(
        "--repeats", type=int, default=3, help="fresh processes per measurement; the median is reported"
    )
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[1, 8, 32])
    ap.add_argument("--out", default="docs/benchmarks.md")
    args = ap.parse_args()
    models = {"offline backbone": str(add_dynamic(Path(args.export), ROOT / "outputs" / "bench-offline"))}
    if args.base:
        models["BERT-base (AraBERT v02 shape)"] = str(build_base(ROOT / "outputs" / "bench-bert-base"))
    rows = []
    for name, path in models.items():
        for batch in args.batch_sizes:
            results = {b: measure(path, b, batch, args.sentences, args.repeats) for b in BACKENDS}
            base = results["pipeline"]["sentences_per_s"]
            for b, r in results.items():
                rows.append(
                    {
                        "model": name,
                        "backend": b,
                        "batch": batch,
                        "sentences_per_s": r["sentences_per_s"],
                        "speedup": r["sentences_per_s"] / base,
                        "peak_mb": r["peak_mb"],
                        "agreement": agreement(r["spans"], results["torch"]["spans"]),
                        "invariance": r["invariance"],
                        "runs": r["all_sentences_per_s"],
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
    write_doc(rows, Path(args.out), " ".join(sys.argv[1:]), args.sentences, args.repeats)
    return 0


def cpu_description() -> str:
    """The CPU model and the instruction sets int8 speed depends on (VNNI and AMX multiply int8 natively)."""
    model, flags = platform.processor() or platform.machine(), set()
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name") and model in ("", platform.machine()):
                model = line.split(":", 1)[1].strip()
            elif line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
    except OSError:
        pass
    wanted = ("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8")
    return f"{model} ({', '.join(f for f in wanted if f in flags) or 'no AVX2'})"


def write_doc(rows: list[dict], path: Path, argv: str, n: int, repeats: int) -> None:
    import torch

    lines = [
        "# Inference benchmarks",
        "",
        f"Made by `.venv/bin/python scripts/bench_inference.py {argv}` on {cpu_description()}, "
        f"{os.cpu_count()} cores, torch {torch.__version__}, no GPU. {n} sentences from the test split; every "
        f"speed is the median of {repeats} fresh processes (all runs in the last column); speed-up is against "
        '`transformers.pipeline("token-classification", aggregation_strategy="first")` at the same batch size; '
        "agreement is span F1 against siyasa's torch fp32 at the same batch size on exact character offsets. "
        "Batch invariance compares the first 64 sentences tagged alone with the same sentences in the batch: "
        "how many change spans, and the largest score difference among the others. "
        "The pipeline's spans differ where its offsets end before a final diacritic "
        "that the normaliser removed (عاماً), and, for the BERT-base directory, whose tokenizer was saved "
        "without siyasa's built-in normaliser, wherever normalisation matters. The BERT-base model has "
        "random weights: its near-uniform logits make int8 rounding flip more labels than a trained "
        "model's (the trained offline backbone's int8 rows are the accuracy figure).",
        "",
        "| model | backend | batch | sentences/s | speed-up | peak memory (MB) | span agreement | batch invariance | runs (sentences/s) |",
        "|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        inv = r["invariance"]
        inv_text = "" if inv is None else f"{inv['changed']} changed, max Δscore {inv['max_score_diff']:.1e}"
        lines.append(
            f"| {r['model']} | {r['backend']} | {r['batch']} | {r['sentences_per_s']:.1f} | {r['speedup']:.2f}x | "
            f"{r['peak_mb']:.0f} | {r['agreement']:.4f} | {inv_text} | {', '.join(f'{x:.1f}' for x in r['runs'])} |"
        )
    lines += [
        "",
        "Backends: `torch` is siyasa's Tagger on PyTorch; `onnx-fp32` the exported `model.onnx`; `onnx-int8` "
        "`model.int8.onnx` as `siyasa export` writes it (onnxruntime transformer optimizer: fused attention, "
        "embedding and skip LayerNorm, bias-GELU; then static int8: weights per channel, activation ranges "
        "fixed by MinMax over 128 training windows, QDQ MatMuls); `onnx-int8-dynamic` the same fused graph with "
        "dynamic int8 (activation scales measured per batch), batched as is, for comparison: it is faster "
        "per call but a text's answer depends on its neighbours, which is why the export ships static int8. "
        "All siyasa backends sort windows by length before batching.",
    ]
    path.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())

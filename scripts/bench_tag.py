"""Benchmark `siyasa tag` against its ceiling: documents/s, words/s and peak memory.

    .venv/bin/python scripts/bench_tag.py --model exports/siyasa-arabert-0.1.0 [--model ...] \
        [--docs 20000] [--small 5000] [--out docs/benchmarks-tag.md]
    .venv/bin/python scripts/bench_tag.py --base --docs 1000 --small 500   # the BERT-base-shaped model

Builds a collection by sampling corpus sentences into documents of 3-8 sentences (in a temporary folder;
nothing committed), then, each in a fresh process so its peak memory (VmHWM) is its own:
  ceiling   Tagger.pipe over the documents in chunks (no reading, no writing)
  local     tag_collection(engine="local") on the same JSONL file, Parquet output
  ray-1/2   tag_collection(engine="ray") with 1 and 2 actors (peak memory is the driver's: actors are
            other processes)
and local again on `--small` documents, to show memory does not grow with the collection.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from siyasa.arguments import sentence_bounds


def build_collection(path: Path, n: int, seed: int = 13) -> int:
    """n documents of 3-8 corpus sentences each, as canonical JSONL; returns the number of words."""
    sents = []
    for split in ("train", "dev", "test"):
        with open(f"data/processed/{split}.jsonl", encoding="utf-8") as f:
            for line in f:
                text = json.loads(line)["text"]
                sents += [text[a:b].strip() for a, b in sentence_bounds(text) if text[a:b].strip()]
    rng = random.Random(seed)
    words = 0
    with open(path, "w", encoding="utf-8") as f:
        for i in range(n):
            text = " ".join(rng.choice(sents) for _ in range(rng.randint(3, 8)))
            words += len(text.split())
            f.write(
                json.dumps(
                    {"id": f"doc-{i}", "text": text, "meta": {"date": "2026-01-01"}}, ensure_ascii=False
                )
                + "\n"
            )
    return words


def build_base_model() -> Path:
    """The BERT-base-shaped model of scripts/bench_inference.py, with the manifest `siyasa tag` verifies."""
    from bench_inference import ROOT, build_base  # beside this script

    from siyasa.modeldir import write_manifest

    out = ROOT / "outputs" / "bench-bert-base"
    build_base(out)
    write_manifest(out)  # always: build_base may have rebuilt some files
    return out


def worker(mode: str, model: str, src: str, out: str, threads: int) -> dict:
    start = time.perf_counter()
    if mode == "ceiling":
        from siyasa.inference import Tagger

        tagger = Tagger.load(model, threads=threads)
        chunk, n = [], 0
        with open(src, encoding="utf-8") as f:
            for line in f:
                chunk.append(json.loads(line)["text"])
                if len(chunk) == 1000:
                    n += len(tagger.pipe(chunk))
                    chunk = []
        n += len(tagger.pipe(chunk)) if chunk else 0
    else:
        from siyasa.batch import tag_collection

        engine, actors = ("local", 1) if mode == "local" else ("ray", int(mode.split("-")[1]))
        s = tag_collection(
            model,
            [src],
            out,
            engine=engine,
            actors=actors,
            threads=threads if engine == "local" else max(1, threads // actors),
            progress=False,
        )
        n = s.documents
    seconds = time.perf_counter() - start
    peak_kb = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    return {"documents": n, "seconds": seconds, "peak_mb": peak_kb / 1024}


def run(mode: str, model: str, src: Path, tmp: Path, threads: int) -> dict:
    out = tmp / f"out-{mode}-{time.monotonic_ns()}"
    cmd = [
        sys.executable,
        __file__,
        "--model",
        model,
        "--worker",
        mode,
        "--src",
        str(src),
        "--dest",
        str(out),
        "--threads",
        str(threads),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", action="append", default=[])
    ap.add_argument(
        "--base",
        action="store_true",
        help="benchmark a BERT-base-sized model (AraBERT v02 shape, random weights; built once into "
        "outputs/bench-bert-base by scripts/bench_inference.py's build_base) instead of --model",
    )
    ap.add_argument("--docs", type=int, default=20000)
    ap.add_argument("--small", type=int, default=5000)
    ap.add_argument("--modes", default="ceiling,local,ray-1,ray-2")
    ap.add_argument("--out", default="docs/benchmarks-tag.md")
    ap.add_argument("--worker", help=argparse.SUPPRESS)  # one measurement, in its own process
    ap.add_argument("--src", help=argparse.SUPPRESS)
    ap.add_argument("--dest", help=argparse.SUPPRESS)
    ap.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = ap.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.model[0], args.src, args.dest, args.threads)))
        return 0
    if args.base:
        args.model.append(str(build_base_model()))
    if not args.model:
        ap.error("give --model (an export) or --base")
    threads = args.threads
    rows = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        big, small = tmp / "big.jsonl", tmp / "small.jsonl"
        words = {args.docs: build_collection(big, args.docs), args.small: build_collection(small, args.small)}
        for model in args.model:
            results = {}
            for mode in args.modes.split(","):
                results[mode] = run(mode, model, big, tmp, threads)
                print(model, mode, results[mode], flush=True)
            small_local = run("local", model, small, tmp, threads)
            ceiling = results.get("ceiling", {}).get("seconds")
            local = results.get("local", {}).get("seconds")
            for mode, r in results.items():
                vs = []
                if ceiling and mode != "ceiling":
                    vs.append(f"{ceiling / r['seconds']:.2f}x ceiling")
                if local and mode.startswith("ray"):
                    vs.append(f"{local / r['seconds']:.2f}x local")
                rows.append(
                    f"| {Path(model).name} | {mode} | {args.docs:,} | {r['documents'] / r['seconds']:,.1f} | "
                    f"{words[args.docs] / r['seconds']:,.0f} | {r['peak_mb']:,.0f} | {', '.join(vs) or '-'} |"
                )
            rows.append(
                f"| {Path(model).name} | local | {args.small:,} | {small_local['documents'] / small_local['seconds']:,.1f} | "
                f"{words[args.small] / small_local['seconds']:,.0f} | {small_local['peak_mb']:,.0f} | "
                f"peak memory {small_local['peak_mb'] / results['local']['peak_mb']:.2f}x the {args.docs:,}-document run |"
                if "local" in results
                else ""
            )
    lines = [
        "# Tagging a collection: `siyasa tag` against its ceiling",
        "",
        f"Made by `.venv/bin/python scripts/bench_tag.py {' '.join(sys.argv[1:])}` on {os.cpu_count()} cores. "
        "Documents of 3-8 corpus sentences sampled at random (seed 13). `ceiling` is `Tagger.pipe` over the texts "
        "in chunks of 1,000 (no reading or writing); `local` and `ray-N` are `tag_collection` with Parquet output; "
        "each row is one fresh process, and a Ray row's peak memory is its driver's only.",
        "",
        "| model | engine | documents | documents/s | words/s | peak memory (MB) | relative |",
        "|---|---|---:|---:|---:|---:|---|",
        *[r for r in rows if r],
    ]
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Tagging a news archive: `tag_collection` streams a collection through a model into sharded tables.

    tag_collection("exports/siyasa-arabert-0.1.0", ["news/*.jsonl"], "tagged/")

The collection (siyasa.sources: JSONL, Parquet, a folder of .txt files) is cut into shards of
`shard_size` records in a fixed order. Each shard is read, tagged and written on its own:
`documents/part-NNNNN`, `events/part-NNNNN` (one row per event) and `errors/part-NNNNN` (one row per
record that could not be tagged, with its file, line and reason), each file written under a temporary
name and renamed, then recorded in `_manifest.json`. A rerun of the same command skips the shards the
manifest lists, so a crash loses at most the shards in flight; `overwrite=True` starts over.

Engines: "local" (one process, the ONNX session's threads set to the machine's cores) and "ray" (Ray
Data runs `tag_shard` in a pool of actors, each holding one Tagger). Both call `tag_shard`, so their
outputs are identical.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from .backends import has_module
from .batch_manifest import (
    TagOptions,
    TagSummary,
    _add,
    _complete,
    _start_manifest,
    _write_manifest,
)
from .errors import UserError
from .events import event_rows
from .fileio import check_output_dir
from .inference import Tagger
from .modeldir import resolve
from .sources import Item, Shard, input_files, make_item, plan_shards, read_shard
from .tables import write_table

FORMATS = ("parquet", "jsonl")


def tag_collection(
    model: str | Path,
    inputs: list[str | Path],
    output: str | Path,
    fmt: str = "parquet",
    text_field: str = "text",
    id_field: str = "id",
    shard_size: int = 1000,
    batch_size: int = 32,
    engine: str = "local",
    threads: int | None = None,
    actors: int = 1,
    ray_address: str | None = None,
    backend: str = "auto",
    overwrite: bool = False,
    progress: bool = True,
) -> TagSummary:
    """Tag every document of `inputs` with `model` into `output` (module docstring); returns the counts."""
    opts = TagOptions(fmt, text_field, id_field, shard_size, batch_size)
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if engine not in ("local", "ray"):
        raise UserError(f"unknown engine {engine!r}; expected local or ray")
    if shard_size < 1 or batch_size < 1 or actors < 1 or (threads is not None and threads < 1):
        raise UserError("--shard-size, --batch-size, --actors and --threads must be at least 1")
    if fmt == "parquet":
        if not has_module("pyarrow"):
            raise UserError("Parquet output needs pyarrow (pip install pyarrow), or use --format jsonl")
    files = input_files(inputs)
    model_dir = resolve(model)
    out = check_output_dir(output)
    threads = threads or os.cpu_count() or 1
    started = time.perf_counter()

    shards = plan_shards(files, shard_size, text_field)
    manifest = _start_manifest(out, model_dir, files, opts, overwrite)
    done = {int(k) for k, v in manifest["shards"].items() if _complete(out, v)}
    todo = [s for s in shards if s.index not in done]
    summary = TagSummary(out, shards=len(shards), skipped=len(shards) - len(todo))
    for v in manifest["shards"].values():  # shards an earlier run finished count in the totals
        if _complete(out, v):
            _add(summary, v)
    total = sum(s.count for s in todo)
    bar = _progress(total, progress)
    try:
        if engine == "local":
            tagger = Tagger.load(model_dir, backend=backend, threads=threads)
            results = (tag_shard(tagger, s, out, opts) for s in todo)
        else:
            results = _ray_results(model_dir, todo, out, opts, backend, threads, actors, ray_address)
        for stats in results:
            manifest["shards"][str(stats["index"])] = stats
            _write_manifest(out, manifest, summary)
            _add(summary, stats)
            bar.update(stats["documents"] + stats["errors"])
            bar.set_postfix_str(f"{summary.words / max(bar.format_dict['elapsed'], 1e-9):,.0f} words/s")
    finally:
        bar.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    manifest["complete"] = len(manifest["shards"]) == len(shards)
    manifest["timings"] = {
        "seconds": summary.seconds,
        "engine": engine,
        "threads": threads,
        "actors": actors if engine == "ray" else None,
    }
    _write_manifest(out, manifest, summary)
    return summary


def tag_shard(tagger: Tagger, shard: Shard, out: Path, opts: TagOptions) -> dict:
    """Read, tag and write one shard (its three table files, atomically); return its counts. The one
    function every engine runs."""
    started = time.perf_counter()
    items = list(read_shard(shard, opts.text_field, opts.id_field, tagger.max_chars))
    documents, events, errors = tag_items(tagger, items, opts.batch_size)
    words = sum(len(d["text"].split()) for d in documents)
    files = {}
    for table, rows in (("documents", documents), ("events", events), ("errors", errors)):
        path = out / table / f"part-{shard.index:05d}.{opts.fmt}"
        write_table(path, table, rows, opts.fmt)
        files[table] = str(path.relative_to(out))
    return {
        "index": shard.index,
        "documents": len(documents),
        "errors": len(errors),
        "events": len(events),
        "words": words,
        "files": files,
        "seconds": round(time.perf_counter() - started, 3),
    }


def tag_items(
    tagger: Tagger, items: list[Item], batch_size: int = 32
) -> tuple[list[dict], list[dict], list[dict]]:
    """The rows of the three tables for some items (siyasa.sources.Item): documents, events, errors."""
    good = [it for it in items if it.error is None]
    documents, events = [], []
    for it, doc in zip(good, tagger.pipe([it.text for it in good], batch_size), strict=True):
        doc.id, doc.meta = it.id, it.meta
        record = doc.to_dict()
        documents.append(
            {
                "id": it.id,
                "source": it.source,
                "line": it.line,
                "text": it.text,
                "spans": record["spans"],
                "args": record.get("args") or [],
                "meta": json.dumps(it.meta, ensure_ascii=False),
            }
        )
        events += [{**row, "source": it.source} for row in event_rows([doc])]
    errors = [
        {"id": it.id, "source": it.source, "line": it.line, "reason": it.error} for it in items if it.error
    ]
    return documents, events, errors


def tag_rows(tagger: Tagger, ids, texts, metas=None, source: str = "", batch_size: int = 32):
    """`tag_items` for plain columns (a pandas partition in Spark's mapInPandas, a list of strings): each
    text is checked like a file's record, so a bad one becomes an error row instead of failing the task."""
    metas = metas if metas is not None else [{}] * len(texts)
    items = [
        make_item(
            source,
            k + 1,
            None if i is None else str(i),
            t,
            m if isinstance(m, dict) else {},
            tagger.max_chars,
        )
        for k, (i, t, m) in enumerate(zip(ids, texts, metas, strict=True))
    ]
    return tag_items(tagger, items, batch_size)


def _progress(total: int, enabled: bool):
    from tqdm import tqdm

    return tqdm(total=total, unit="doc", disable=not enabled, file=sys.stderr, smoothing=0.1)


# --- the Ray engine ---------------------------------------------------------------------------------


class ShardTagger:
    """A Ray Data actor: one Tagger, loaded once, tags whole shards (one shard per batch row)."""

    def __init__(self, model_dir: str, out: str, opts: dict, backend: str, threads: int):
        self.tagger = Tagger.load(model_dir, backend=backend, threads=threads)
        self.out, self.opts = Path(out), TagOptions(**opts)

    def __call__(self, batch: dict) -> dict:
        stats = [
            tag_shard(self.tagger, Shard.from_dict(json.loads(s)), self.out, self.opts)
            for s in batch["shard"]
        ]
        return {"stats": [json.dumps(s) for s in stats]}


def _ray_results(
    model_dir: Path,
    todo: list[Shard],
    out: Path,
    opts: TagOptions,
    backend: str,
    threads: int,
    actors: int,
    address: str | None,
):
    """Stats of each shard as Ray Data finishes it: shards are the dataset's rows, `map_batches` runs
    ShardTagger in a pool of `actors` actors with `threads` CPUs each (the ONNX threads, set explicitly)."""
    if not has_module("ray"):
        raise UserError("--engine ray needs Ray: pip install 'siyasa[ray]'")
    import ray

    if not todo:
        return
    if not ray.is_initialized():
        ray.init(
            address=address,
            include_dashboard=False,
            log_to_driver=False,
            **({} if address else {"num_cpus": max(threads * actors, os.cpu_count() or 1)}),
        )
    ds = ray.data.from_items([{"shard": json.dumps(s.to_dict())} for s in todo])
    ds = ds.map_batches(
        ShardTagger,
        batch_size=1,
        compute=ray.data.ActorPoolStrategy(size=actors),
        num_cpus=threads,
        fn_constructor_kwargs={
            "model_dir": str(model_dir),
            "out": str(out),
            "opts": vars(opts),
            "backend": backend,
            "threads": threads,
        },
    )
    for row in ds.iter_rows():
        yield json.loads(row["stats"])

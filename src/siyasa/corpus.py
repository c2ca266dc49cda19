"""Compile authoring files (data/raw/<topic>/<id>.txt) into the canonical splits, deterministically.

Same input, byte-identical output: files are read in sorted order, records are written sorted by id
with a fixed JSON layout, and the split is a pure function of (ids, topics, seed). If any file is
invalid, nothing is written and every error is reported as `path:line:col: message`.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .data import PROCESSED_DIR, SPLITS
from .markup import MarkupError, read_document

RAW_DIR = "data/raw"  # the authoring files, data/raw/<topic>/<id>.txt


@dataclass
class BuildResult:
    """What `build` did: the records per split (empty on error) and every error found."""

    splits: dict[str, list[dict]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def raw_files(raw_dir: str | Path) -> list[Path]:
    """All authoring files under raw_dir, in a stable order."""
    return sorted(Path(raw_dir).glob("*/*.txt"))


def compile_files(paths: list[Path]) -> tuple[list[dict], list[MarkupError | str]]:
    """Parse every file; collect all errors, including ids repeated across files."""
    records, errors = [], []
    first_seen: dict[str, Path] = {}
    for p in paths:
        rec, errs = read_document(p)
        errors.extend(errs)
        if rec is None:
            continue
        if rec["id"] in first_seen:
            errors.append(
                MarkupError(str(p), 1, 1, f"duplicate id {rec['id']!r}, also in {first_seen[rec['id']]}")
            )
            continue
        first_seen[rec["id"]] = p
        records.append(rec)
    return records, errors


def assign_splits(records: list[dict], seed: int = 13, dev_every: int = 10) -> dict[str, list[dict]]:
    """Split by document, stratified by topic: within each topic shuffle with a fixed seed, lay the
    topics end to end, and send one document in `dev_every` to dev and one to test (about 80/10/10)."""
    by_topic: dict[str, list[dict]] = defaultdict(list)
    for r in records:
        by_topic[r["meta"]["topic"]].append(r)
    ordered: list[dict] = []
    for topic in sorted(by_topic):
        docs = sorted(by_topic[topic], key=lambda r: r["id"])
        random.Random(f"{seed}:{topic}").shuffle(docs)
        ordered.extend(docs)
    out: dict[str, list[dict]] = {s: [] for s in SPLITS}
    for pos, rec in enumerate(ordered):
        slot = pos % dev_every
        split = "dev" if slot == dev_every // 2 - 1 else "test" if slot == dev_every - 1 else "train"
        out[split].append(rec)
    return {s: sorted(v, key=lambda r: r["id"]) for s, v in out.items()}


def dumps(record: dict) -> str:
    """The one JSON layout of a canonical record (keys in spec order, UTF-8, no ASCII escapes)."""
    ordered = {"id": record["id"], "text": record["text"], "spans": record["spans"]}
    if "args" in record:  # only documents annotated for arguments carry the key (even as [])
        ordered["args"] = record["args"]
    ordered["meta"] = record["meta"]
    return json.dumps(ordered, ensure_ascii=False, separators=(", ", ": "))


@dataclass
class CheckResult:
    """What `siyasa data check` found in authoring files: errors, and per file (path, words, spans,
    arguments or None when the file has no arguments block)."""

    errors: list = field(default_factory=list)
    files: list[tuple[str, int, int, int | None]] = field(default_factory=list)
    tags: Counter = field(default_factory=Counter)

    @property
    def words(self) -> int:
        return sum(f[1] for f in self.files)


def check_documents(paths: list[str | Path]) -> CheckResult:
    """Compile each authoring file on its own (markup, span and argument rules), without building."""
    from .words import is_punct, tokenize

    result = CheckResult()
    for f in paths:
        rec, errs = read_document(f)
        result.errors += errs
        if rec is None:
            continue
        words = sum(1 for w in tokenize(rec["text"]) if not is_punct(w.text))
        result.tags.update(
            f"{s['label']}.{s['subtype']}" if s["subtype"] else s["label"] for s in rec["spans"]
        )
        result.files.append((str(f), words, len(rec["spans"]), len(rec["args"]) if "args" in rec else None))
    return result


def build(raw_dir: str | Path = RAW_DIR, out_dir: str | Path = PROCESSED_DIR, seed: int = 13) -> BuildResult:
    """Compile raw_dir into out_dir/{train,dev,test}.jsonl, or write nothing and return the errors."""
    paths = raw_files(raw_dir)
    if not paths:
        return BuildResult(errors=[f"{raw_dir}: no documents found (expected {raw_dir}/<topic>/<id>.txt)"])
    records, errors = compile_files(paths)
    if errors:
        return BuildResult(errors=[str(e) for e in errors])
    splits = assign_splits(records, seed)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name, recs in splits.items():  # write to a temp file, then rename: never a half-written split
        tmp = out / f".{name}.jsonl.tmp"
        tmp.write_text("".join(dumps(r) + "\n" for r in recs), encoding="utf-8")
        os.replace(tmp, out / f"{name}.jsonl")
    return BuildResult(splits=splits)

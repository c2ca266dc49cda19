"""What `siyasa tag` records (siyasa.batch): its options and summary, and `_manifest.json`: the model
and inputs it ran on, the options, and each finished shard, so that a rerun continues only the same run."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .errors import UserError
from .fileio import write_text
from .modeldir import MANIFEST_FILE, file_sha256
from .sources import fingerprint

TABLES = ("documents", "events", "errors")
MANIFEST = "_manifest.json"


@dataclass
class TagOptions:
    """How records are read, tagged and written; recorded in the manifest (a rerun must match)."""

    fmt: str = "parquet"
    text_field: str = "text"
    id_field: str = "id"
    shard_size: int = 1000
    batch_size: int = 32


@dataclass
class TagSummary:
    output: Path
    documents: int = 0
    errors: int = 0
    events: int = 0
    words: int = 0
    shards: int = 0
    skipped: int = 0  # shards finished by an earlier run
    seconds: float = 0.0

    def line(self) -> str:
        rate = self.documents / self.seconds if self.seconds else 0.0
        return (
            f"{self.documents:,} documents ({self.words:,} words), {self.events:,} events, {self.errors:,} errors "
            f"in {self.shards} shards ({self.skipped} already done) in {self.seconds:.1f} s "
            f"({rate:,.1f} documents/s) -> {self.output}"
        )


def _start_manifest(out: Path, model_dir: Path, files, opts: TagOptions, overwrite: bool) -> dict:
    """The manifest to continue: a new one, or the earlier run's when model, inputs and options match."""
    manifest = {
        "siyasa_version": __version__,
        "model": {
            "path": str(model_dir),
            "sha256": file_sha256(model_dir / MANIFEST_FILE)
            if (model_dir / MANIFEST_FILE).exists()
            else None,
        },
        "inputs": fingerprint(files),
        "options": vars(opts),
        "shards": {},
        "complete": False,
    }
    path = out / MANIFEST
    if overwrite:
        for t in TABLES:
            shutil.rmtree(out / t, ignore_errors=True)
        path.unlink(missing_ok=True)
    elif path.exists():
        old = json.loads(path.read_text(encoding="utf-8"))
        for key, what in (("model", "model"), ("inputs", "inputs"), ("options", "options")):
            if old.get(key) != manifest[key]:
                raise UserError(
                    f"{out}: an earlier run wrote this folder with other {what}; use a new --output, "
                    "or --overwrite to start over"
                )
        manifest["shards"] = old.get("shards", {})
    elif out.exists() and any(out.iterdir()):
        raise UserError(
            f"{out}: not empty and not a siyasa tag output (no {MANIFEST}); choose an empty folder"
        )
    out.mkdir(parents=True, exist_ok=True)
    return manifest


def _complete(out: Path, stats: dict) -> bool:
    return (
        all((out / f).is_file() for f in stats.get("files", {}).values()) and len(stats.get("files", {})) == 3
    )


def _add(summary: TagSummary, stats: dict) -> None:
    for k in ("documents", "errors", "events", "words"):
        setattr(summary, k, getattr(summary, k) + stats[k])


def _write_manifest(out: Path, manifest: dict, summary: TagSummary) -> None:
    manifest["counts"] = {k: getattr(summary, k) for k in ("documents", "errors", "events", "words")}
    write_text(out / MANIFEST, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")

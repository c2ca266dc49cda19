"""The run record: what a finished run writes (run.json, metrics.json, log_history.json) and what
export, evaluation and scripts/results.py read, as one typed dataclass.

A run folder is finished once run.json exists: it is written last."""

from __future__ import annotations

import dataclasses
import json
import os
import platform
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UserError
from .fileio import write_text
from .modeldir import file_sha256, is_model_dir

RUN_FILE = "run.json"
VERSIONED = (
    "torch",
    "transformers",
    "datasets",
    "accelerate",
    "tokenizers",
    "seqeval",
    "evaluate",
    "safetensors",
)


@dataclass
class RunRecord:
    """Enough to reproduce or audit a run, nothing more."""

    config: str
    backbone: dict = field(default_factory=dict)  # requested, actual, fallback, reason, revision
    metrics: dict = field(default_factory=dict)  # {"dev": {...}, "test": {...}}
    data: dict = field(default_factory=dict)  # split -> {"path", "sha256"}
    git: dict = field(default_factory=dict)
    versions: dict = field(default_factory=dict)
    hardware: dict = field(default_factory=dict)
    training: dict = field(default_factory=dict)  # global_step, epochs, best_metric, best_checkpoint
    effective_training: dict = field(default_factory=dict)
    wall_seconds: dict = field(default_factory=dict)
    recipe: dict = field(default_factory=dict)  # what the offline fallback changed, if anything

    @classmethod
    def from_dict(cls, d: dict) -> RunRecord:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def write(self, run_dir: Path, log_history: list[dict]) -> None:
        """metrics.json, log_history.json, then run.json (last: it marks the run finished)."""
        write_text(
            run_dir / "metrics.json", json.dumps({"backbone": self.backbone, **self.metrics}, indent=2) + "\n"
        )
        write_text(run_dir / "log_history.json", json.dumps(log_history, indent=2) + "\n")
        write_text(run_dir / RUN_FILE, json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")


def read_run_record(run_dir: str | Path) -> RunRecord | None:
    """The record of a finished run folder, or None when it has none."""
    f = Path(run_dir) / RUN_FILE
    return RunRecord.from_dict(json.loads(f.read_text(encoding="utf-8"))) if f.is_file() else None


def run_dir_of(model_directory: Path) -> Path | None:
    """The run folder a model directory belongs to (outputs/<run>/model -> outputs/<run>), if any."""
    parent = Path(model_directory).parent
    return parent if (parent / RUN_FILE).is_file() else None


def latest_run(output_dir: str | Path = "outputs") -> Path:
    """The newest finished run under `output_dir` (one with run.json); failed or running ones never."""
    done = [p for p in Path(output_dir).glob(f"*/{RUN_FILE}") if is_model_dir(p.parent / "model")]
    if not done:
        raise UserError(
            f"{output_dir}: no finished run (a folder with run.json); train one with `make train`"
        )
    return max(done, key=lambda p: p.stat().st_mtime).parent


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def environment() -> dict:
    """git commit, package versions and platform of this process."""
    import importlib.metadata as md

    versions = {}
    for pkg in VERSIONED:
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = None
    versions["python"] = platform.python_version()
    git = {
        "commit": _git("rev-parse", "HEAD") or None,
        "dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
    }
    return {"git": git, "versions": versions, "platform": platform.platform(), "cpus": os.cpu_count()}


def data_hashes(files: dict[str, Path]) -> dict:
    return {s: {"path": str(p), "sha256": file_sha256(p)} for s, p in files.items()}

"""The model directory: its file names, where one is found, and its manifest, verified on every load.

A model directory (a run's `model/`, an export, or the `model/` folder of an installed model package)
holds the weights, `config.json`, the tokenizer, `siyasa.json` (inference settings) and
`manifest.json`: the sha256 and size of every other file. Loading verifies the manifest; a folder
without one, with an entry that is not a plain relative name of a regular file inside the folder, or
with a file whose hash differs, does not load. Skipping the check is explicit (`verify=False`,
`--no-verify`). Exports are assembled in a temporary `.<name>.tmp<pid>` folder renamed into place at
the end; such a folder never loads, and the next export removes the ones whose process is gone.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
from pathlib import Path

from .errors import UserError

SETTINGS_FILE = "siyasa.json"
CRF_FILE = "crf.model"  # a CRF model directory (siyasa.crf) has this instead of config.json
GAZETTEER_FILE = "gazetteer.json"
LINKER_FILE = "linker.json"  # the learned argument linker: feature vocabulary, threshold, training info
LINKER_WEIGHTS_FILE = "linker.npz"  # its weights (numpy arrays, loaded without pickle)
MODEL_MARKERS = ("config.json", CRF_FILE)  # a folder holding one of these is a model directory
MANIFEST_FILE = "manifest.json"
PACKAGE_PREFIX = "siyasa_model_"
ENTRY_POINT_GROUP = "siyasa.models"  # installed model packages declare themselves here
_UNFINISHED = re.compile(r"^\..+\.tmp(\d+)$")  # .<name>-<version>.tmp<pid>: an export being written


def file_sha256(path: str | Path) -> str:
    """Hex sha256 of a file's bytes, read in chunks (data splits in run records, model files in manifests)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def model_dir(path: str | Path) -> Path:
    """Accept a run directory (uses its model/) or a model/export directory (neural or CRF)."""
    p = Path(path)
    if is_model_dir(p / "model"):
        return p / "model"
    if is_model_dir(p):
        return p
    raise UserError(
        f"{path}: no model here (expected config.json or {CRF_FILE}, or a run directory with model/)"
    )


def is_model_dir(p: Path) -> bool:
    return any((p / marker).exists() for marker in MODEL_MARKERS)


def resolve(path: str | Path) -> Path:
    """A model directory from a path, or from the name of an installed siyasa model package.

    A name is looked up, never imported: only a distribution that declares a `siyasa.models` entry
    point, or a module named `siyasa_model_*`, counts, and its `model/` folder is found from the
    module's location on disk, so no code of an arbitrary module runs (`--model this` is refused)."""
    p = Path(str(path))
    if p.exists():
        d = model_dir(p)
        if _UNFINISHED.match(d.name) or _UNFINISHED.match(d.parent.name):
            raise UserError(
                f"{d}: an unfinished export (a temporary folder of `siyasa export`); export again"
            )
        return d
    name = str(path)
    modules = _declared_packages()
    module = modules.get(name, name if name.startswith(PACKAGE_PREFIX) and name.isidentifier() else None)
    if module is None:
        raise UserError(
            f"{path}: neither a model directory nor an installed siyasa model package "
            f"(packages are named {PACKAGE_PREFIX}<name>, built by `siyasa package`)"
        )
    import importlib.util

    spec = importlib.util.find_spec(module)  # a top-level name: finds, imports nothing
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"{path}: model package {module!r} is not installed (pip install its wheel)")
    return model_dir(Path(next(iter(spec.submodule_search_locations))) / "model")


def _declared_packages() -> dict[str, str]:
    """Entry-point name (and module name) -> module, for installed model packages that declare one."""
    from importlib.metadata import entry_points

    out: dict[str, str] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        module = ep.value.split(":")[0].strip()
        if module.isidentifier():
            out[ep.name] = module
            out[module] = module
    return out


def read_settings(directory: Path) -> dict:
    """siyasa.json of a model directory ({} when absent)."""
    f = directory / SETTINGS_FILE
    return json.loads(f.read_text(encoding="utf-8")) if f.exists() else {}


def write_manifest(directory: Path) -> None:
    """manifest.json: sha256 and size of every regular file of the directory (written last)."""
    files = sorted(p for p in directory.iterdir() if p.is_file() and p.name != MANIFEST_FILE)
    manifest = {"files": {p.name: {"sha256": file_sha256(p), "bytes": p.stat().st_size} for p in files}}
    (directory / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")


def _entry_problem(name: object, meta: object) -> str | None:
    """Why a manifest entry is unacceptable, or None. Checked before any file is opened."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name or name in (".", ".."):
        return f"{name!r} is not a plain file name inside the folder"
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("sha256"), str)
        or not isinstance(meta.get("bytes"), int)
    ):
        return f"{name!r} has no sha256 and bytes"
    return None


def verify_manifest(directory: str | Path) -> set[str]:
    """The names manifest.json lists, once every one is verified; else UserError naming every missing,
    altered or unacceptable file.

    Entries are plain names of regular files in the folder (no paths, no links, no devices); sizes are
    compared before hashing, so a huge or endless file is never read."""
    d = Path(directory)
    f = d / MANIFEST_FILE
    if not f.is_file():
        raise UserError(
            f"{d}: no {MANIFEST_FILE}, so the model cannot be verified. Re-export it (`siyasa export`), or "
            f"skip the check knowingly: Tagger.load(..., verify=False) / --no-verify"
        )
    try:
        manifest = json.loads(f.read_text(encoding="utf-8"))
        entries = manifest["files"]
        if not isinstance(entries, dict) or not entries:
            raise TypeError
    except (ValueError, KeyError, TypeError):
        raise UserError(
            f'{f}: not a siyasa manifest (expected {{"files": {{name: {{sha256, bytes}}}}}})'
        ) from None
    bad, missing, altered = [], [], []
    for name, meta in entries.items():
        problem = _entry_problem(name, meta)
        if problem:
            bad.append(problem)
            continue
        p = d / name
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            missing.append(name)
            continue
        if not stat.S_ISREG(st.st_mode):
            bad.append(f"{name!r} is not a regular file")
        elif st.st_size != meta["bytes"] or file_sha256(p) != meta["sha256"]:
            altered.append(name)
    parts = (
        ([f"unacceptable entries: {'; '.join(bad)}"] if bad else [])
        + ([f"missing: {', '.join(missing)}"] if missing else [])
        + ([f"altered: {', '.join(altered)}"] if altered else [])
    )
    if parts:
        raise UserError(
            f"{d}: the model does not match its {MANIFEST_FILE} ({'; '.join(parts)}); re-export it"
        )
    return set(entries)


def remove_stale_exports(out_root: Path) -> list[Path]:
    """Delete unfinished export folders left by processes that no longer run; return them."""
    removed = []
    if not out_root.is_dir():
        return removed
    for p in out_root.iterdir():
        m = _UNFINISHED.match(p.name)
        if m and p.is_dir() and not p.is_symlink() and not _alive(int(m.group(1))):
            shutil.rmtree(p, ignore_errors=True)
            removed.append(p)
    return removed


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

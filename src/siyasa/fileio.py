"""Files in and out, so that nothing is lost or half-made.

Every command that writes a file checks its output path before any work (`check_output_file`), and
writes through `atomic_write`: into a temporary file beside the target, renamed over it only on
success. A failure never truncates or replaces an existing output, and never leaves a partial one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .errors import UserError


def check_input_file(path: str | Path, what: str = "input") -> Path:
    """An existing regular file (not a directory or a device), else a UserError that says so."""
    p = Path(path)
    if not p.exists():
        raise UserError(f"{path}: {what} file not found")
    if p.is_dir():
        raise UserError(f"{path}: is a directory; give a file ({what})")
    if not p.is_file():
        raise UserError(f"{path}: not a regular file ({what})")
    return p


def check_output_file(path: str | Path, what: str = "output") -> Path:
    """A path a file can be written to: its folder exists and it is not itself a directory."""
    p = Path(path)
    if p.is_dir():
        raise UserError(f"{path}: is a directory; give a file path for the {what}")
    if p.exists() and not p.is_file():
        raise UserError(f"{path}: exists and is not a regular file; give a file path for the {what}")
    parent = p.parent
    if not parent.is_dir():
        raise UserError(f"{path}: folder {parent} does not exist; create it first (mkdir -p {parent})")
    if not os.access(parent, os.W_OK):
        raise UserError(f"{path}: folder {parent} is not writable")
    return p


def check_output_dir(path: str | Path, what: str = "output") -> Path:
    """A folder that exists or can be created (its nearest existing ancestor is a writable folder)."""
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UserError(f"{path}: exists and is not a folder; give a folder for the {what}")
    ancestor = p
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UserError(f"{path}: {ancestor} is not a folder")
    if not os.access(ancestor, os.W_OK):
        raise UserError(f"{path}: {ancestor} is not writable")
    return p


@contextlib.contextmanager
def atomic_write(path: str | Path, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file beside `path`; rename it to `path` when the block succeeds, delete it
    when the block raises (the previous `path`, if any, is untouched)."""
    target = Path(path)
    check_output_file(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the file ordinary permissions
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | Path, text: str) -> None:
    """Write `text` to `path` as UTF-8, atomically."""
    with atomic_write(path) as f:
        f.write(text)

"""Check an annotation branch before merging: it touches only data/raw, and every document it changes keeps
its text, spans and header (only the arguments block may differ); each changed document compiles.

    .venv/bin/python scripts/verify_branch.py BRANCH [BASE]
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from siyasa.markup import read_document


def _doc(ref: str, path: str) -> dict | None:
    src = subprocess.run(["git", "show", f"{ref}:{path}"], capture_output=True, text=True).stdout
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / Path(path).parent.name / Path(path).name  # named for its topic and id
        file.parent.mkdir()
        file.write_text(src, encoding="utf-8")
        record, errors = read_document(file)
    if errors:
        raise SystemExit(f"{ref}:{path}: {len(errors)} errors, first: {errors[0]}")
    return record


def main() -> int:
    branch, base = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "main"
    merge_base = subprocess.check_output(["git", "merge-base", base, branch], text=True).strip()
    changed = subprocess.check_output(["git", "diff", "--name-only", merge_base, branch], text=True).split()
    bad = [p for p in changed if not p.startswith("data/raw/")]
    if bad:
        print(f"{branch}: touches files outside data/raw: {bad}")
        return 1
    n_args = 0
    for path in changed:
        old, new = _doc(merge_base, path), _doc(branch, path)
        for key in ("id", "text", "spans", "meta"):
            if old[key] != new[key]:
                print(f"{branch}: {path}: {key} changed")
                return 1
        n_args += len(new.get("args") or [])
        if old.get("args") == new.get("args"):
            print(f"{branch}: {path}: arguments unchanged")
    print(f"{branch}: {len(changed)} documents, text/spans/header unchanged, {n_args} arguments")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The import graph has no cycle: every module imports only the layers below it (pyproject's
import-linter contract, which counts imports inside functions too)."""

import shutil
import subprocess
import sys
from pathlib import Path


def test_import_layers_contract_holds():
    exe = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    proc = subprocess.run([exe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]

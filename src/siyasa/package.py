"""`make package`: an installable wheel around an export, in the spirit of `spacy package`.

    pip install dist/siyasa_model_tiny-0.1.0-py3-none-any.whl
    import siyasa_model_tiny; tagger = siyasa_model_tiny.load()      # or Tagger.load("siyasa_model_tiny")

The wheel is written directly (it is a zip with a fixed layout), so packaging needs no build backend.
"""

from __future__ import annotations

import base64
import hashlib
import re
import tempfile
import zipfile
from pathlib import Path

from . import __version__
from .export import export
from .fileio import atomic_write

INIT = '''"""siyasa model package {module} {version}: `load()` returns a siyasa.Tagger."""

from pathlib import Path

__version__ = "{version}"
MODEL_DIR = Path(__file__).parent / "model"


def load(backend: str = "auto"):
    from siyasa import Tagger

    return Tagger.load(MODEL_DIR, backend=backend)
'''


def _record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()


def package(
    run: str | Path, out: str | Path = "dist", name: str | None = None, version: str | None = None
) -> Path:
    """Export `run` and wrap the export as dist/siyasa_model_<name>-<version>-py3-none-any.whl."""
    version = version or __version__
    with tempfile.TemporaryDirectory() as tmp:
        exported = export(run, tmp, name=f"siyasa-{name}" if name else None, version=version)
        base = name or exported.name[len("siyasa-") : -len(version) - 1]
        module = "siyasa_model_" + re.sub(r"[^a-z0-9]+", "_", base.lower()).strip("_")
        dist_info = f"{module}-{version}.dist-info"
        files: dict[str, bytes] = {
            f"{module}/__init__.py": INIT.format(module=module, version=version).encode()
        }
        for p in sorted(exported.iterdir()):
            files[f"{module}/model/{p.name}"] = p.read_bytes()
        files[f"{dist_info}/METADATA"] = (
            f"Metadata-Version: 2.1\nName: {module}\nVersion: {version}\n"
            f"Summary: siyasa Arabic actor/role/event tagger ({base})\nRequires-Python: >=3.10\n"
            f"Requires-Dist: siyasa>={__version__}\n"
        ).encode()
        # declared, so `Tagger.load(name)` / `--model name` finds it without importing anything
        files[f"{dist_info}/entry_points.txt"] = f"[siyasa.models]\n{base} = {module}\n".encode()
        files[f"{dist_info}/WHEEL"] = (
            b"Wheel-Version: 1.0\nGenerator: siyasa.package\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        )
        record = "".join(f"{path},{_record_hash(data)},{len(data)}\n" for path, data in files.items())
        files[f"{dist_info}/RECORD"] = (record + f"{dist_info}/RECORD,,\n").encode()
        Path(out).mkdir(parents=True, exist_ok=True)
        wheel = Path(out) / f"{module}-{version}-py3-none-any.whl"
        with (
            atomic_write(wheel, "wb") as raw,
            zipfile.ZipFile(raw, "w", compression=zipfile.ZIP_DEFLATED) as z,
        ):
            for path, data in files.items():
                z.writestr(
                    zipfile.ZipInfo(path, date_time=(2020, 1, 1, 0, 0, 0)),
                    data,
                    compress_type=zipfile.ZIP_DEFLATED,
                )
    return wheel

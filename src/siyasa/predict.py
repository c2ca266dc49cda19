"""`siyasa predict`: read texts (plain lines, a whole file, or canonical JSONL), tag, write a format."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .errors import UserError
from .inference import Doc, Tagger
from .render import FORMATS


def read_inputs(source: str, whole: bool = False) -> list[tuple[str | None, str, dict]]:
    """(id, text, meta) per document. JSONL is recognised by its first character `{`."""
    raw = sys.stdin.read() if source == "-" else _read(source)
    name = "stdin" if source == "-" else source
    if raw.lstrip().startswith("{"):
        docs = []
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                docs.append((rec.get("id"), rec["text"], rec.get("meta", {})))
            except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as e:
                raise UserError(
                    f"{name}:{n}: expected a JSON object with a 'text' field ({type(e).__name__})"
                ) from None
        return docs
    if whole:
        return [(None, raw, {})] if raw.strip() else []
    return [(None, line, {}) for line in raw.splitlines() if line.strip()]


def _read(path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UserError(f"{path}: file not found") from None
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 text (byte {e.start}); convert it to UTF-8") from None


def predict(model: str, source: str = "-", fmt: str = "jsonl", output: str | None = None, whole: bool = False,
            backend: str = "auto", batch_size: int = 32) -> list[Doc]:  # fmt: skip
    """Tag every input document and write them in `fmt` to `output` (stdout when None)."""
    from tqdm import tqdm

    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    tagger = Tagger.load(model, backend=backend)
    inputs = read_inputs(source, whole)
    docs: list[Doc] = []
    chunk = max(batch_size * 4, 64)
    with tqdm(total=len(inputs), unit="doc", disable=len(inputs) < 200, file=sys.stderr) as bar:
        for i in range(0, len(inputs), chunk):
            part = inputs[i : i + chunk]
            for (doc_id, _, _), doc in zip(
                part, tagger.pipe([t for _, t, _ in part], batch_size), strict=True
            ):
                doc.id = doc_id or f"doc-{len(docs) + 1}"
                docs.append(doc)
            bar.update(len(part))
    text = FORMATS[fmt](docs)
    if output:
        Path(output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return docs

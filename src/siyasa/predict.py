"""`siyasa predict`: read texts (plain lines, a whole file, or canonical JSONL), tag, write a format."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .doc import Doc
from .errors import UserError
from .fileio import check_input_file, check_output_file, write_text
from .inference import Tagger
from .render import FORMATS
from .texts import check_text


def read_inputs(source: str, whole: bool = False) -> list[tuple[str | None, str, dict]]:
    """(id, text, meta) per document. JSONL is recognised by its first character `{`. Every text passes
    `siyasa.texts.check_text`; a bad record is an error naming the file, line and id."""
    raw = sys.stdin.read() if source == "-" else _read(source)
    name = "stdin" if source == "-" else source
    if raw.lstrip().startswith("{"):
        docs = []
        for n, line in enumerate(raw.splitlines(), 1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise UserError(f"{name}:{n}: invalid JSON ({e.msg} at column {e.colno})") from None
            if not isinstance(rec, dict) or "text" not in rec:
                raise UserError(f"{name}:{n}: expected a JSON object with a 'text' field")
            rid = rec.get("id")
            if rid is not None and not isinstance(rid, str):
                raise UserError(f"{name}:{n}: id must be a string, got {type(rid).__name__}")
            meta = rec.get("meta", {})
            if not isinstance(meta, dict):
                raise UserError(f"{name}:{n} [{rid}]: meta must be an object, got {type(meta).__name__}")
            where = f"{name}:{n}" + (f" [{rid}]" if rid else "") + ": text"
            docs.append((rid, check_text(rec["text"], where), meta))
        return docs
    if whole:
        return [(None, raw, {})] if raw.strip() else []
    return [(None, line, {}) for line in raw.splitlines() if line.strip()]


def _read(path: str) -> str:
    check_input_file(path)
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not UTF-8 text (byte {e.start}); convert it to UTF-8") from None


def predict(
    model: str,
    source: str = "-",
    fmt: str = "jsonl",
    output: str | None = None,
    whole: bool = False,
    backend: str = "auto",
    batch_size: int = 32,
    verify: bool = True,
) -> list[Doc]:
    """Tag every input document and write them in `fmt` to `output` (stdout when None).

    Inputs and the output path are checked before the model is loaded; the output is written to a
    temporary file renamed into place at the end, so a failure never truncates an existing file."""
    from tqdm import tqdm

    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if batch_size < 1:
        raise UserError(f"--batch-size must be at least 1, got {batch_size}")
    if output:
        check_output_file(output)
    inputs = read_inputs(source, whole)
    tagger = Tagger.load(model, backend=backend, verify=verify)
    for k, (doc_id, text, _) in enumerate(inputs, 1):  # before any work: the whole file or nothing
        if len(text) > tagger.max_chars:
            raise UserError(
                f"{source}: document {k}{f' [{doc_id}]' if doc_id else ''} has {len(text):,} characters, "
                f"above the model's limit of {tagger.max_chars:,}; split it"
            )
    docs: list[Doc] = []
    chunk = max(batch_size * 4, 64)
    with tqdm(total=len(inputs), unit="doc", disable=len(inputs) < 200, file=sys.stderr) as bar:
        for i in range(0, len(inputs), chunk):
            part = inputs[i : i + chunk]
            for (doc_id, _, meta), doc in zip(
                part, tagger.pipe([t for _, t, _ in part], batch_size), strict=True
            ):
                doc.id = doc_id or f"doc-{len(docs) + 1}"
                doc.meta = meta
                docs.append(doc)
            bar.update(len(part))
    text = FORMATS[fmt](docs)
    if output:
        write_text(output, text)
    else:
        sys.stdout.write(text)
    return docs

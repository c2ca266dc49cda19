"""The tables `siyasa tag` writes (documents, events, errors) and how a shard's rows become a file:
Parquet with a fixed schema (so empty shards and pandas/DuckDB readers agree) or JSON lines."""

from __future__ import annotations

import json
from pathlib import Path

from .fileio import atomic_write

# --- output tables --------------------------------------------------------------------------------


def schemas():
    import pyarrow as pa

    span = pa.struct(
        [
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("text", pa.string()),
            ("label", pa.string()),
            ("subtype", pa.string()),
            ("score", pa.float64()),
        ]
    )
    arg = pa.struct([("event", pa.list_(pa.int64())), ("role", pa.string()), ("arg", pa.list_(pa.int64()))])
    party = pa.struct(
        [
            ("text", pa.string()),
            ("label", pa.string()),
            ("subtype", pa.string()),
            ("start", pa.int64()),
            ("end", pa.int64()),
            ("title", pa.string()),
        ]
    )
    return {
        "documents": pa.schema(
            [
                ("id", pa.string()),
                ("source", pa.string()),
                ("line", pa.int64()),
                ("text", pa.string()),
                ("spans", pa.list_(span)),
                ("args", pa.list_(arg)),
                ("meta", pa.string()),
            ]
        ),
        "events": pa.schema(
            [
                ("id", pa.string()),
                ("source", pa.string()),
                ("date", pa.string()),
                ("type", pa.string()),
                ("quad_class", pa.string()),
                ("trigger", pa.string()),
                ("start", pa.int64()),
                ("end", pa.int64()),
                ("sources", pa.list_(party)),
                ("targets", pa.list_(party)),
                ("sentence", pa.string()),
                ("sentence_offsets", pa.list_(pa.int64())),
                ("score", pa.float64()),
            ]
        ),
        "errors": pa.schema(
            [("id", pa.string()), ("source", pa.string()), ("line", pa.int64()), ("reason", pa.string())]
        ),
    }


def write_table(path: Path, table: str, rows: list[dict], fmt: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "jsonl":
        with atomic_write(path) as f:
            for r in rows:
                f.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = schemas()[table]
    if table == "events":  # a date in meta may be any JSON value; the column is a string
        rows = [{**r, "date": None if r.get("date") is None else str(r["date"])} for r in rows]
    with atomic_write(path, "wb", encoding=None) as f:
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), f)

"""The `siyasa` command. Each subcommand is a thin wrapper over a typed library function."""

from __future__ import annotations

import argparse
import sys

from . import serve as limits  # the serve options' defaults: module constants, documented there
from .baseline import train_baseline
from .batch import tag_collection
from .cli_data import _default, add_data_commands
from .export import export
from .fileio import check_output_file
from .package import package
from .predict import predict

EXIT_BAD_INPUT = 2


def _train(args: argparse.Namespace) -> int:
    from .training import train_from_args

    train_from_args(args.config, args.set, args.resume)
    return 0


def _run_path(value: str) -> str:
    """`latest` names the newest finished run under outputs/ (never a failed or unfinished one)."""
    if value != "latest":
        return value
    from .runrecord import latest_run

    return str(latest_run())


def _evaluate(args: argparse.Namespace) -> int:
    from .evaluation import evaluate_model

    if args.output:
        check_output_file(args.output)
    evaluate_model(_run_path(args.model), args.data, args.output, train_file=args.train_file)
    return 0


def _export(args: argparse.Namespace) -> int:
    path = export(
        _run_path(args.run),
        args.out,
        name=args.name,
        version=args.version,
        onnx=not args.no_onnx,
        force=args.force,
        calibration=args.calibration,
    )
    print(f"exported {path}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    predict(
        args.model,
        args.input,
        args.format,
        args.output,
        args.whole,
        args.backend,
        args.batch_size,
        verify=not args.no_verify,
    )
    return 0


def _tag(args: argparse.Namespace) -> int:
    summary = tag_collection(
        args.model,
        args.input,
        args.output,
        fmt=args.format,
        text_field=args.text_field,
        id_field=args.id_field,
        shard_size=args.shard_size,
        batch_size=args.batch_size,
        engine=args.engine,
        threads=args.threads,
        actors=args.actors,
        ray_address=args.ray_address,
        backend=args.backend,
        overwrite=args.overwrite,
        progress=not args.quiet,
    )
    print(summary.line())
    return 0


def _package(args: argparse.Namespace) -> int:
    print(f"built {package(_run_path(args.run), args.out, args.name, args.version)}")
    return 0


def _baseline(args: argparse.Namespace) -> int:
    train_baseline(args.processed, args.out, train_fraction=args.train_fraction)
    return 0


def _serve(args: argparse.Namespace) -> int:
    limits.serve(
        args.model,
        args.host,
        args.port,
        args.backend,
        args.max_body_bytes,
        onnx_file=args.onnx_file,
        max_texts=args.max_texts,
        workers=args.workers,
        max_queue=args.max_queue,
        max_connections=args.max_connections,
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
    )
    return 0


def add_config_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", default="configs/arabert.yaml", help="YAML experiment config")
    p.add_argument(
        "--set",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="dotted overrides, e.g. training.learning_rate=3e-5 (repeatable; later ones win)",
    )


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="siyasa", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    add_data_commands(sub)

    t = sub.add_parser("train", help="fine-tune a backbone on the corpus, evaluate on dev and test")
    add_config_args(t)
    t.add_argument("--resume", metavar="RUN_DIR", help="continue an interrupted run from its last checkpoint")
    t.set_defaults(func=_train)

    e = sub.add_parser("evaluate", help="score a run or exported model on any canonical JSONL file")
    e.add_argument("--model", required=True, help="run directory or model directory")
    e.add_argument("--data", required=True, help="canonical JSONL file (e.g. data/processed/test.jsonl)")
    e.add_argument(
        "--output", default=None, help="metrics JSON path (default: <model>/eval/<data stem>.metrics.json)"
    )
    e.add_argument(
        "--train-file", default=None, help="training split, for unseen-mention recall (default: the run's)"
    )
    e.set_defaults(func=_evaluate)

    x = sub.add_parser(
        "export", help="write a run as exports/<name>-<version>/ (safetensors, ONNX, card, manifest)"
    )
    x.add_argument("run", help="run directory (outputs/<run>), model directory, or latest")
    x.add_argument("--out", default=_default(export, "out_root"))
    x.add_argument("--name", default=None, help="default: siyasa-<config name>")
    x.add_argument("--version", default=None, help="default: the siyasa package version")
    x.add_argument("--no-onnx", action="store_true", help="skip model.onnx and model.int8.onnx")
    x.add_argument("--force", action="store_true", help="replace an existing export")
    x.add_argument(
        "--calibration",
        default=None,
        help="canonical JSONL whose texts calibrate int8 (default: the run's train split)",
    )
    x.set_defaults(func=_export)

    pr = sub.add_parser("predict", help="tag text with a run, export or installed model package")
    pr.add_argument("--model", required=True)
    pr.add_argument(
        "--input",
        default=_default(predict, "source"),
        help="text file (a document per line), canonical JSONL, or - for stdin",
    )
    pr.add_argument(
        "--format", default=_default(predict, "fmt"), choices=["jsonl", "events", "conll", "html", "text"]
    )
    pr.add_argument("--output", default=None, help="default: stdout")
    pr.add_argument("--whole", action="store_true", help="the whole input is one document")
    pr.add_argument(
        "--backend", default=_default(predict, "backend"), choices=["auto", "torch", "onnx", "crf"]
    )
    pr.add_argument("--batch-size", type=int, default=_default(predict, "batch_size"))
    pr.add_argument(
        "--no-verify", action="store_true", help="load a model folder without checking its manifest.json"
    )
    pr.set_defaults(func=_predict)

    tg = sub.add_parser(
        "tag", help="tag a collection (JSONL, Parquet, a folder of .txt) into sharded tables, resumably"
    )
    tg.add_argument("--model", required=True, help="export, model directory or installed model package")
    tg.add_argument(
        "--input", required=True, nargs="+", help="files, globs or folders (.jsonl, .parquet, .txt)"
    )
    tg.add_argument(
        "--output", required=True, help="folder for documents/, events/, errors/ and _manifest.json"
    )
    tg.add_argument("--format", default=_default(tag_collection, "fmt"), choices=["parquet", "jsonl"])
    tg.add_argument(
        "--text-field", default=_default(tag_collection, "text_field"), help="JSONL/Parquet text field"
    )
    tg.add_argument("--id-field", default=_default(tag_collection, "id_field"))
    tg.add_argument(
        "--shard-size",
        type=int,
        default=_default(tag_collection, "shard_size"),
        help="documents per output file: the unit of resumption",
    )
    tg.add_argument("--batch-size", type=int, default=_default(tag_collection, "batch_size"))
    tg.add_argument("--engine", default=_default(tag_collection, "engine"), choices=["local", "ray"])
    tg.add_argument(
        "--threads", type=int, default=None, help="ONNX threads per process or actor (default: all cores)"
    )
    tg.add_argument("--actors", type=int, default=_default(tag_collection, "actors"), help="Ray actors")
    tg.add_argument("--ray-address", default=None, help="a Ray cluster (auto: the one this node belongs to)")
    tg.add_argument(
        "--backend", default=_default(tag_collection, "backend"), choices=["auto", "torch", "onnx", "crf"]
    )
    tg.add_argument("--overwrite", action="store_true", help="start over instead of resuming")
    tg.add_argument("--quiet", action="store_true", help="no progress bar")
    tg.set_defaults(func=_tag)

    pk = sub.add_parser(
        "package", help="build an installable wheel siyasa_model_<name> whose load() returns a Tagger"
    )
    pk.add_argument("run", help="run directory or model directory")
    pk.add_argument("--out", default=_default(package, "out"))
    pk.add_argument("--name", default=None, help="default: the run's config name")
    pk.add_argument("--version", default=None)
    pk.set_defaults(func=_package)

    bl = sub.add_parser("baseline", help="train and score the CRF baseline on the corpus splits")
    bl.add_argument("--processed", default=_default(train_baseline, "processed"))
    bl.add_argument("--out", default=None, help="default: outputs/crf-<timestamp>")
    bl.add_argument("--train-fraction", type=float, default=_default(train_baseline, "train_fraction"))
    bl.set_defaults(func=_baseline)

    sv = sub.add_parser("serve", help="REST service: POST /v1/tag, GET /healthz, GET /v1/model")
    sv.add_argument("--model", required=True)
    sv.add_argument("--host", default=_default(limits.serve, "host"))
    sv.add_argument("--port", type=int, default=_default(limits.serve, "port"))
    sv.add_argument(
        "--backend", default=_default(limits.serve, "backend"), choices=["auto", "torch", "onnx", "crf"]
    )
    sv.add_argument(
        "--onnx-file", default=_default(limits.serve, "onnx_file"), help="model.onnx serves the fp32 export"
    )
    # limits: how each is enforced is in siyasa.serve's docstring and docs/security.md
    sv.add_argument(
        "--max-body-bytes", type=int, default=limits.DEFAULT_MAX_BODY, help="larger bodies get 413"
    )
    sv.add_argument("--max-texts", type=int, default=limits.DEFAULT_MAX_TEXTS, help="texts per request")
    sv.add_argument("--workers", type=int, default=limits.DEFAULT_WORKERS, help="tagging threads")
    sv.add_argument(
        "--max-queue",
        type=int,
        default=limits.DEFAULT_MAX_QUEUE,
        help="tagging jobs running + waiting; more get 503",
    )
    sv.add_argument(
        "--max-connections",
        type=int,
        default=limits.DEFAULT_MAX_CONNECTIONS,
        help="open connections; more get 503",
    )
    sv.add_argument(
        "--header-timeout",
        type=float,
        default=limits.DEFAULT_HEADER_TIMEOUT,
        help="seconds for a request head",
    )
    sv.add_argument(
        "--body-timeout",
        type=float,
        default=limits.DEFAULT_BODY_TIMEOUT,
        help="seconds for a request body (408)",
    )
    sv.set_defaults(func=_serve)
    return p


def main(argv: list[str] | None = None) -> int:
    from .errors import UserError

    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except UserError as e:
        print(f"error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT


if __name__ == "__main__":
    sys.exit(main())

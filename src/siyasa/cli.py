"""The `siyasa` command. Each subcommand is a thin wrapper over a typed library function."""

from __future__ import annotations

import argparse
import inspect
import sys

from . import agreement, corpus, report
from . import serve as limits  # the serve options' defaults: module constants, documented there
from .baseline import train_baseline
from .batch import tag_collection
from .data import export_splits, split_files
from .export import export
from .fileio import check_output_dir, check_output_file, write_text
from .package import package
from .predict import predict

EXIT_BAD_INPUT = 2


def _default(fn, name: str):
    """A parameter's default from the library function's signature: the one place it is written."""
    return inspect.signature(fn).parameters[name].default


def _data_build(args: argparse.Namespace) -> int:
    result = corpus.build(args.raw, args.out, seed=args.seed)
    if result.errors:
        for e in result.errors:
            print(e, file=sys.stderr)
        print(f"\n{len(result.errors)} error(s); nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    counts = ", ".join(f"{k} {len(v)}" for k, v in result.splits.items())
    print(f"wrote {args.out}/{{train,dev,test}}.jsonl: {counts} documents")
    return 0


def _data_check(args: argparse.Namespace) -> int:
    result = corpus.check_documents(args.files)
    for e in result.errors:
        print(e)
    if args.verbose:
        for f, words, spans, n_args in result.files:
            linked = f", {n_args} arguments" if n_args is not None else ", arguments not annotated"
            print(f"{f}: ok, {words} words, {spans} spans{linked}")
    n_spans = sum(result.tags.values())
    print(f"{len(args.files)} file(s), {len(result.errors)} error(s), {result.words} words, {n_spans} spans")
    if args.verbose:
        for label in ("ACTOR", "ROLE", "EVENT"):
            sub = {k: v for k, v in sorted(result.tags.items()) if k.split(".")[0] == label}
            counts = ", ".join(f"{k.split('.')[-1]} {v}" for k, v in sub.items())
            print(f"  {label} {sum(sub.values())}: {counts}")
    return EXIT_BAD_INPUT if result.errors else 0


def _data_validate(args: argparse.Namespace) -> int:
    from .validation import validate_files

    files = args.files or split_files(args.processed)
    errors = validate_files(files)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"\n{len(errors)} violation(s) in {', '.join(files)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(report.consistency_report(files, max_examples=args.examples))
    print(f"valid: {', '.join(files)}")
    return 0


def _data_stats(args: argparse.Namespace) -> int:
    print(report.write_stats(args.processed, args.card))
    print(f"\nupdated {args.card}")
    return 0


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
    predict(args.model, args.input, args.format, args.output, args.whole, args.backend, args.batch_size,
            verify=not args.no_verify)  # fmt: skip
    return 0


def _tag(args: argparse.Namespace) -> int:
    summary = tag_collection(
        args.model, args.input, args.output, fmt=args.format, text_field=args.text_field, id_field=args.id_field,
        shard_size=args.shard_size, batch_size=args.batch_size, engine=args.engine, threads=args.threads,
        actors=args.actors, ray_address=args.ray_address, backend=args.backend, overwrite=args.overwrite,
        progress=not args.quiet,
    )  # fmt: skip
    print(summary.line())
    return 0


def _package(args: argparse.Namespace) -> int:
    print(f"built {package(_run_path(args.run), args.out, args.name, args.version)}")
    return 0


def _baseline(args: argparse.Namespace) -> int:
    train_baseline(args.processed, args.out, train_fraction=args.train_fraction)
    return 0


def _serve(args: argparse.Namespace) -> int:
    limits.serve(args.model, args.host, args.port, args.backend, args.max_body_bytes, onnx_file=args.onnx_file,
          max_texts=args.max_texts, workers=args.workers, max_queue=args.max_queue,
          max_connections=args.max_connections, header_timeout=args.header_timeout,
          body_timeout=args.body_timeout)  # fmt: skip
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


def _data_agreement(args: argparse.Namespace) -> int:
    import json

    for path in (args.output, args.card, args.disagreements):
        if path:
            check_output_file(path)
    result, found = agreement.study(args.pass1, args.pass2, args.args_pass1, args.args_pass2)
    print(f"{result['documents']} documents annotated twice, independently\n")
    print(agreement.agreement_table(result))
    if "arguments" in result:
        print(f"\narguments: {result['arguments']['documents']} documents, gold spans given\n")
        print(agreement.args_agreement_table(result["arguments"]))
    if args.output:
        write_text(args.output, json.dumps(result, indent=2) + "\n")
    if args.disagreements:
        write_text(args.disagreements, agreement.disagreements_markdown(found))
    if args.card:
        agreement.write_card_section(args.card, result)
        print(f"\nupdated {args.card}")
    return 0


def _data_review(args: argparse.Namespace) -> int:
    check_output_file(args.out)
    places, docs = report.write_review(args.out, args.processed)
    print(f"wrote {args.out}: {places} places in {docs} documents")
    return 0


def _data_export(args: argparse.Namespace) -> int:
    check_output_dir(args.out)
    for path in export_splits(args.out, args.processed, args.format, args.scheme):
        print(f"wrote {path}")
    return 0


def _data_strip(args: argparse.Namespace) -> int:
    written = agreement.strip_files(args.files, args.out)
    print(f"wrote {len(written)} unmarked file(s) under {args.out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="siyasa", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="build, check, validate and describe the corpus")
    dsub = data.add_subparsers(dest="data_command", required=True)
    b = dsub.add_parser("build", help="compile data/raw into data/processed/{train,dev,test}.jsonl")
    b.add_argument("--raw", default=_default(corpus.build, "raw_dir"))
    b.add_argument("--out", default=_default(corpus.build, "out_dir"))
    b.add_argument(
        "--seed",
        type=int,
        default=_default(corpus.build, "seed"),
        help="split seed (fixed: changing it reshuffles the splits)",
    )
    b.set_defaults(func=_data_build)
    c = dsub.add_parser("check", help="check authoring files (markup and span rules) without building")
    c.add_argument("files", nargs="+")
    c.add_argument("-v", "--verbose", action="store_true")
    c.set_defaults(func=_data_check)
    v = dsub.add_parser("validate", help="validate canonical JSONL files and print a consistency report")
    v.add_argument("files", nargs="*", help="JSONL files (default: the three processed splits)")
    v.add_argument("--processed", default=_default(split_files, "processed_dir"))
    v.add_argument("--examples", type=int, default=3, help="examples shown per report line")
    v.set_defaults(func=_data_validate)
    s = dsub.add_parser("stats", help="count spans per split, type and subtype; update the dataset card")
    s.add_argument("--processed", default=_default(report.write_stats, "processed"))
    s.add_argument("--card", default=_default(report.write_stats, "card"))
    s.set_defaults(func=_data_stats)
    ag = dsub.add_parser(
        "agreement", help="span-level F1 between two independent annotations of the same documents"
    )
    ag.add_argument("--pass1", default=_default(agreement.study, "pass1"))
    ag.add_argument("--pass2", default=_default(agreement.study, "pass2"))
    ag.add_argument(
        "--args-pass1",
        default=_default(agreement.study, "args_pass1"),
        help="argument study: the first annotation (frozen), gold spans (skipped if missing)",
    )
    ag.add_argument(
        "--args-pass2",
        default=_default(agreement.study, "args_pass2"),
        help="argument study: the independent second annotation of the same documents and spans",
    )
    ag.add_argument(
        "--disagreements", default=None, help="write every span and argument found by one pass only"
    )
    ag.add_argument("--output", default=None, help="also write the result as JSON")
    ag.add_argument("--card", default=None, help="write the tables into this dataset card (data/README.md)")
    ag.set_defaults(func=_data_agreement)
    rv = dsub.add_parser(
        "review", help="per-document list of places to check (minority labels, likely misses)"
    )
    rv.add_argument("--processed", default=_default(report.write_review, "processed"))
    rv.add_argument("--out", required=True, help="markdown file to write")
    rv.set_defaults(func=_data_review)
    de = dsub.add_parser("export", help="write the splits as CoNLL or Hugging Face JSON lines")
    de.add_argument("--format", default=_default(export_splits, "fmt"), choices=["conll", "hf-json"])
    de.add_argument("--out", required=True)
    de.add_argument("--processed", default=_default(export_splits, "processed_dir"))
    de.add_argument("--scheme", default=_default(export_splits, "scheme"), choices=["coarse", "fine"])
    de.set_defaults(func=_data_export)
    st = dsub.add_parser(
        "strip", help="write authoring files without markup (for an independent second annotation)"
    )
    st.add_argument("files", nargs="+")
    st.add_argument("--out", required=True)
    st.set_defaults(func=_data_strip)

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
    tg.add_argument("--shard-size", type=int, default=_default(tag_collection, "shard_size"),
                    help="documents per output file: the unit of resumption")  # fmt: skip
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

"""The `siyasa` command. Each subcommand is a thin wrapper over a typed library function."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .data import PROCESSED_DIR, SPLITS
from .fileio import check_output_dir, check_output_file, write_text

EXIT_BAD_INPUT = 2


def _data_build(args: argparse.Namespace) -> int:
    from .corpus import build

    result = build(args.raw, args.out, seed=args.seed)
    if result.errors:
        for e in result.errors:
            print(e, file=sys.stderr)
        print(f"\n{len(result.errors)} error(s); nothing was written.", file=sys.stderr)
        return EXIT_BAD_INPUT
    counts = ", ".join(f"{k} {len(v)}" for k, v in result.splits.items())
    print(f"wrote {args.out}/{{train,dev,test}}.jsonl: {counts} documents")
    return 0


def _data_check(args: argparse.Namespace) -> int:
    from collections import Counter

    from .markup import read_document
    from .words import is_punct, tokenize

    n_err, n_words, tags = 0, 0, Counter()
    for f in args.files:
        rec, errs = read_document(f)
        for e in errs:
            print(e)
        n_err += len(errs)
        if rec is None:
            continue
        words = sum(1 for w in tokenize(rec["text"]) if not is_punct(w.text))
        n_words += words
        tags.update(f"{s['label']}.{s['subtype']}" if s["subtype"] else s["label"] for s in rec["spans"])
        if args.verbose:
            linked = f", {len(rec['args'])} arguments" if "args" in rec else ", arguments not annotated"
            print(f"{f}: ok, {words} words, {len(rec['spans'])} spans{linked}")
    print(f"{len(args.files)} file(s), {n_err} error(s), {n_words} words, {sum(tags.values())} spans")
    if args.verbose:
        for label in ("ACTOR", "ROLE", "EVENT"):
            sub = {k: v for k, v in sorted(tags.items()) if k.split(".")[0] == label}
            print(
                f"  {label} {sum(sub.values())}: "
                + ", ".join(f"{k.split('.')[-1]} {v}" for k, v in sub.items())
            )
    return EXIT_BAD_INPUT if n_err else 0


def _data_validate(args: argparse.Namespace) -> int:
    from .report import consistency_report
    from .validation import validate_files

    files = args.files or [str(Path(args.processed) / f"{s}.jsonl") for s in SPLITS]
    errors = validate_files(files)
    for e in errors:
        print(e, file=sys.stderr)
    if errors:
        print(f"\n{len(errors)} violation(s) in {', '.join(files)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    print(consistency_report(files, max_examples=args.examples))
    print(f"valid: {', '.join(files)}")
    return 0


def _data_stats(args: argparse.Namespace) -> int:
    from .report import write_stats

    table = write_stats(args.processed, args.card)
    print(table)
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
    from .export import export

    path = export(
        _run_path(args.run),
        args.out,
        name=args.name,
        version=args.version,
        onnx=not args.no_onnx,
        force=args.force,
    )
    print(f"exported {path}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from .predict import predict

    predict(args.model, args.input, args.format, args.output, args.whole, args.backend, args.batch_size,
            verify=not args.no_verify)  # fmt: skip
    return 0


def _package(args: argparse.Namespace) -> int:
    from .package import package

    print(f"built {package(_run_path(args.run), args.out, args.name, args.version)}")
    return 0


def _baseline(args: argparse.Namespace) -> int:
    from .baseline import train_baseline

    train_baseline(args.processed, args.out, train_fraction=args.train_fraction)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from .serve import serve

    serve(args.model, args.host, args.port, args.backend, args.max_body_bytes, onnx_file=args.onnx_file,
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

    from . import agreement as ag

    for path in (args.output, args.card, args.disagreements):
        if path:
            check_output_file(path)
    result = ag.agreement(args.pass1, args.pass2)
    print(f"{result['documents']} documents annotated twice, independently\n")
    print(ag.agreement_table(result))
    found = {"spans": ag.disagreements(args.pass1, args.pass2)}
    if Path(args.args_pass1).is_dir() and Path(args.args_pass2).is_dir():
        pairs = ag.args_pairs(args.args_pass1, args.args_pass2)  # read once, for both
        result["arguments"] = ag.args_agreement(pairs)
        print(f"\narguments: {result['arguments']['documents']} documents, gold spans given\n")
        print(ag.args_agreement_table(result["arguments"]))
        found["arguments"] = ag.disagreements_args(pairs)
    if args.output:
        write_text(args.output, json.dumps(result, indent=2) + "\n")
    if args.disagreements:
        write_text(args.disagreements, "".join(f"## {kind}: {doc}\n\n" + "".join(f"- {x}\n" for x in lines) + "\n"
                                               for kind, docs in found.items() for doc, lines in docs.items()))  # fmt: skip
    if args.card:
        ag.write_card_section(args.card, result)
        print(f"\nupdated {args.card}")
    return 0


def _data_review(args: argparse.Namespace) -> int:
    from .report import review_candidates

    check_output_file(args.out)
    files = [str(Path(args.processed) / f"{s}.jsonl") for s in SPLITS]
    lines = []
    for doc_id, notes in sorted(review_candidates(files).items()):
        lines += [f"## {doc_id}", *[f"- {n}" for n in notes]]
    write_text(args.out, "\n".join(lines) + "\n")
    print(
        f"wrote {args.out}: {sum(1 for x in lines if x.startswith('- '))} places in {sum(1 for x in lines if x.startswith('## '))} documents"
    )
    return 0


def _data_export(args: argparse.Namespace) -> int:
    from .data import export_splits

    check_output_dir(args.out)
    for path in export_splits(args.processed, args.out, args.format, args.scheme):
        print(f"wrote {path}")
    return 0


def _data_strip(args: argparse.Namespace) -> int:
    from .agreement import strip_markup
    from .markup import read_document

    out = Path(args.out)
    for f in args.files:
        rec, errs = read_document(f)
        if errs:
            print("\n".join(map(str, errs)), file=sys.stderr)
            return EXIT_BAD_INPUT
        target = out / rec["meta"]["topic"] / f"{rec['id']}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text(target, strip_markup(rec))
    print(f"wrote {len(args.files)} unmarked file(s) under {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="siyasa", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    data = sub.add_parser("data", help="build, check, validate and describe the corpus")
    dsub = data.add_subparsers(dest="data_command", required=True)
    b = dsub.add_parser("build", help="compile data/raw into data/processed/{train,dev,test}.jsonl")
    b.add_argument("--raw", default="data/raw")
    b.add_argument("--out", default=PROCESSED_DIR)
    b.add_argument(
        "--seed", type=int, default=13, help="split seed (fixed: changing it reshuffles the splits)"
    )
    b.set_defaults(func=_data_build)
    c = dsub.add_parser("check", help="check authoring files (markup and span rules) without building")
    c.add_argument("files", nargs="+")
    c.add_argument("-v", "--verbose", action="store_true")
    c.set_defaults(func=_data_check)
    v = dsub.add_parser("validate", help="validate canonical JSONL files and print a consistency report")
    v.add_argument("files", nargs="*", help="JSONL files (default: the three processed splits)")
    v.add_argument("--processed", default=PROCESSED_DIR)
    v.add_argument("--examples", type=int, default=3, help="examples shown per report line")
    v.set_defaults(func=_data_validate)
    s = dsub.add_parser("stats", help="count spans per split, type and subtype; update the dataset card")
    s.add_argument("--processed", default=PROCESSED_DIR)
    s.add_argument("--card", default="data/README.md")
    s.set_defaults(func=_data_stats)
    ag = dsub.add_parser(
        "agreement", help="span-level F1 between two independent annotations of the same documents"
    )
    ag.add_argument("--pass1", default="data/agreement/pass1")
    ag.add_argument("--pass2", default="data/agreement/pass2")
    ag.add_argument(
        "--args-pass1",
        default="data/agreement/args/pass1",
        help="argument study: the first annotation (frozen), gold spans (skipped if missing)",
    )
    ag.add_argument(
        "--args-pass2",
        default="data/agreement/args/pass2",
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
    rv.add_argument("--processed", default=PROCESSED_DIR)
    rv.add_argument("--out", required=True, help="markdown file to write")
    rv.set_defaults(func=_data_review)
    de = dsub.add_parser("export", help="write the splits as CoNLL or Hugging Face JSON lines")
    de.add_argument("--format", default="conll", choices=["conll", "hf-json"])
    de.add_argument("--out", required=True)
    de.add_argument("--processed", default=PROCESSED_DIR)
    de.add_argument("--scheme", default="coarse", choices=["coarse", "fine"])
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
    x.add_argument("--out", default="exports")
    x.add_argument("--name", default=None, help="default: siyasa-<config name>")
    x.add_argument("--version", default=None, help="default: the siyasa package version")
    x.add_argument("--no-onnx", action="store_true", help="skip model.onnx and model.int8.onnx")
    x.add_argument("--force", action="store_true", help="replace an existing export")
    x.set_defaults(func=_export)

    pr = sub.add_parser("predict", help="tag text with a run, export or installed model package")
    pr.add_argument("--model", required=True)
    pr.add_argument(
        "--input", default="-", help="text file (a document per line), canonical JSONL, or - for stdin"
    )
    pr.add_argument("--format", default="jsonl", choices=["jsonl", "conll", "html", "text"])
    pr.add_argument("--output", default=None, help="default: stdout")
    pr.add_argument("--whole", action="store_true", help="the whole input is one document")
    pr.add_argument("--backend", default="auto", choices=["auto", "torch", "onnx", "crf"])
    pr.add_argument("--batch-size", type=int, default=32)
    pr.add_argument(
        "--no-verify", action="store_true", help="load a model folder without checking its manifest.json"
    )
    pr.set_defaults(func=_predict)

    pk = sub.add_parser(
        "package", help="build an installable wheel siyasa_model_<name> whose load() returns a Tagger"
    )
    pk.add_argument("run", help="run directory or model directory")
    pk.add_argument("--out", default="dist")
    pk.add_argument("--name", default=None, help="default: the run's config name")
    pk.add_argument("--version", default=None)
    pk.set_defaults(func=_package)

    bl = sub.add_parser("baseline", help="train and score the CRF baseline on the corpus splits")
    bl.add_argument("--processed", default=PROCESSED_DIR)
    bl.add_argument("--out", default=None, help="default: outputs/crf-<timestamp>")
    bl.add_argument("--train-fraction", type=float, default=1.0)
    bl.set_defaults(func=_baseline)

    from . import serve as limits  # the defaults of the serve options: module constants, documented there

    sv = sub.add_parser("serve", help="REST service: POST /v1/tag, GET /healthz, GET /v1/model")
    sv.add_argument("--model", required=True)
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=8000)
    sv.add_argument("--backend", default="auto", choices=["auto", "torch", "onnx", "crf"])
    sv.add_argument("--onnx-file", default="model.int8.onnx", help="model.onnx serves the fp32 export")
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

"""Inter-annotator agreement: span-level F1 between two independent annotations of the same texts.

Two passes over the same documents (data/agreement/pass1 = the corpus annotation frozen when the second
annotator started, data/agreement/pass2 = the independent re-annotation from unmarked text). A span
agrees when start, end, type and subtype are all equal; F1 = 2|A and B| / (|A| + |B|), overall, per type,
and at type level alone (subtypes ignored). Nested spans count like any other.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from .arguments import arg_key, score_args
from .errors import UserError
from .markup import HEADER_ORDER, read_document
from .texts import snippet

PASS1, PASS2 = "data/agreement/pass1", "data/agreement/pass2"  # the span study, both passes frozen
ARGS_PASS1, ARGS_PASS2 = "data/agreement/args/pass1", "data/agreement/args/pass2"  # the argument study


def study(
    pass1: str | Path = PASS1,
    pass2: str | Path = PASS2,
    args_pass1: str | Path = ARGS_PASS1,
    args_pass2: str | Path = ARGS_PASS2,
) -> tuple[dict, dict[str, dict[str, list[str]]]]:
    """Both agreement studies: the result (spans, and "arguments" when both argument passes exist)
    and the disagreements found by one pass only, per kind and document."""
    result = agreement(pass1, pass2)
    found = {"spans": disagreements(pass1, pass2)}
    if Path(args_pass1).is_dir() and Path(args_pass2).is_dir():
        pairs = args_pairs(args_pass1, args_pass2)  # read once, for both
        result["arguments"] = args_agreement(pairs)
        found["arguments"] = disagreements_args(pairs)
    return result, found


def disagreements_markdown(found: dict[str, dict[str, list[str]]]) -> str:
    """The disagreement list for adjudication: one section per kind and document."""
    return "".join(
        f"## {kind}: {doc}\n\n" + "".join(f"- {x}\n" for x in lines) + "\n"
        for kind, docs in found.items()
        for doc, lines in docs.items()
    )


def strip_files(paths: list[str | Path], out: str | Path) -> list[Path]:
    """Write each authoring file without markup to out/<topic>/<id>.txt (nothing if any is invalid)."""
    from .fileio import write_text

    records, errors = [], []
    for f in paths:
        rec, errs = read_document(f)
        errors += [str(e) for e in errs]
        records.append(rec)
    if errors:
        raise UserError("invalid authoring files, nothing written:\n" + "\n".join(errors))
    written = []
    for rec in records:
        target = Path(out) / rec["meta"]["topic"] / f"{rec['id']}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text(target, strip_markup(rec))
        written.append(target)
    return written


def strip_markup(record: dict) -> str:
    """The authoring document without any span markup (what a second annotator starts from)."""
    meta = dict(record["meta"])
    head = [f"id: {record['id']}"] + [f"{k}: {meta[k]}" for k in HEADER_ORDER[1:] if k in meta]
    text = record["text"].replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")
    return "\n".join(head) + "\n---\n" + text + "\n"


def _load(directory: Path) -> dict[str, dict]:
    out, errors = {}, []
    for p in sorted(directory.glob("**/*.txt")):
        rec, errs = read_document(p)
        errors += [str(e) for e in errs]
        if rec:
            out[rec["id"]] = rec
    if errors:
        raise UserError("invalid annotation files:\n" + "\n".join(errors[:40]))
    return out


def agreement(pass1: str | Path, pass2: str | Path) -> dict:
    """Agreement between the documents present in both directories (ids must match, texts be equal)."""
    a, b = _load(Path(pass1)), _load(Path(pass2))
    common = sorted(set(a) & set(b))
    if not common:
        raise UserError(f"no document ids in common between {pass1} and {pass2}")
    for doc_id in common:
        if a[doc_id]["text"] != b[doc_id]["text"]:
            raise UserError(
                f"{doc_id}: the two passes have different texts; the second annotator must not edit the text"
            )
    strict, typed, total_a, total_b = Counter(), Counter(), Counter(), Counter()
    for doc_id in common:
        sa = Counter((s["start"], s["end"], s["label"], s["subtype"]) for s in a[doc_id]["spans"])
        sb = Counter((s["start"], s["end"], s["label"], s["subtype"]) for s in b[doc_id]["spans"])
        for key, n in (sa & sb).items():
            strict[key[2]] += n
        for key, n in sa.items():
            total_a[key[2]] += n
        for key, n in sb.items():
            total_b[key[2]] += n
        ta = Counter((s, e, lab) for (s, e, lab, _), n in sa.items() for _ in range(n))
        tb = Counter((s, e, lab) for (s, e, lab, _), n in sb.items() for _ in range(n))
        for key, n in (ta & tb).items():
            typed[key[2]] += n

    def f1(agree: int, na: int, nb: int) -> float:
        return 2 * agree / (na + nb) if na + nb else 1.0

    labels = sorted(set(total_a) | set(total_b))
    result = {
        "documents": len(common),
        "spans_pass1": sum(total_a.values()),
        "spans_pass2": sum(total_b.values()),
        "f1": f1(sum(strict.values()), sum(total_a.values()), sum(total_b.values())),
        "f1_type_only": f1(sum(typed.values()), sum(total_a.values()), sum(total_b.values())),
        "per_type": {
            t: {
                "f1": f1(strict[t], total_a[t], total_b[t]),
                "f1_type_only": f1(typed[t], total_a[t], total_b[t]),
                "pass1": total_a[t],
                "pass2": total_b[t],
            }
            for t in labels
        },
    }
    return result


def agreement_table(result: dict) -> str:
    rows = [
        "| type | spans (pass 1) | spans (pass 2) | F1 (type and subtype) | F1 (type only) |",
        "|---|---:|---:|---:|---:|",
    ]
    for t, r in result["per_type"].items():
        rows.append(f"| {t} | {r['pass1']} | {r['pass2']} | {r['f1']:.3f} | {r['f1_type_only']:.3f} |")
    rows.append(
        f"| **all** | {result['spans_pass1']} | {result['spans_pass2']} | **{result['f1']:.3f}** | **{result['f1_type_only']:.3f}** |"
    )
    return "\n".join(rows)


def disagreements(pass1: str | Path, pass2: str | Path, context: int = 35) -> dict[str, list[str]]:
    """Per document, every span found by only one pass, with its context (for adjudication)."""
    a, b = _load(Path(pass1)), _load(Path(pass2))
    out: dict[str, list[str]] = {}
    for doc_id in sorted(set(a) & set(b)):
        text = a[doc_id]["text"]
        sa = {(s["start"], s["end"], s["label"], s["subtype"]) for s in a[doc_id]["spans"]}
        sb = {(s["start"], s["end"], s["label"], s["subtype"]) for s in b[doc_id]["spans"]}
        lines = []
        for who, only in (("pass1 only", sa - sb), ("pass2 only", sb - sa)):
            for s, e, lab, sub in sorted(only):
                tag = f"{lab}/{sub}" if sub else lab
                ctx = snippet(text, s, e, context)
                lines.append(f"{who}: [{tag}] at {s}-{e}: {ctx}")
        if lines:
            out[doc_id] = sorted(lines, key=lambda x: int(x.split(" at ")[1].split("-")[0]))
    return out


def write_card_section(card: str | Path, result: dict) -> None:
    """Rewrite the dataset card's agreement section (between its markers) from an agreement result."""
    from .report import replace_section

    body = (
        f"{result['documents']} documents (about 10% of the corpus, three or four from each of seven of the eight writers; the eighth was still writing when the sample was drawn) were "
        f"annotated a second time from their unmarked text by annotators who never saw the first annotation "
        f"and worked from the guidelines alone. Span-level agreement (F1 of exact matches, nested spans "
        f"included), computed by `make agreement` (`siyasa data agreement`) from `data/agreement/pass1` "
        f"(the first annotation, frozen) and `data/agreement/pass2`:\n\n{agreement_table(result)}\n\n"
        f"The disagreements were then adjudicated against the guidelines and the corpus files corrected."
    )
    replace_section(card, "agreement", body)
    if "arguments" in result:
        r = result["arguments"]
        replace_section(
            card,
            "args-agreement",
            (
                f"{r['documents']} documents ({r['events']} events) were annotated for arguments twice, independently, "
                "with the gold spans given: pass 1 is the corpus annotation frozen in `data/agreement/args/pass1`, pass 2 "
                "a second annotator's from the guidelines alone (`data/agreement/args/pass2`). Computed by `make "
                "agreement`; F1 of exact (event, role, argument) triples:\n\n" + args_agreement_table(r)
            ),
        )


def args_pairs(pass1: str | Path, pass2: str | Path) -> list[tuple[str, dict, dict]]:
    """(id, pass-1 record, pass-2 record) of the documents annotated for arguments in both passes,
    which must share text and spans (the gold spans are given to both annotators)."""
    a, b = _load(Path(pass1)), _load(Path(pass2))
    common = sorted(i for i in set(a) & set(b) if "args" in a[i] and "args" in b[i])
    if not common:
        raise UserError(f"no document with arguments in both {pass1} and {pass2}")
    for doc_id in common:
        if a[doc_id]["text"] != b[doc_id]["text"] or a[doc_id]["spans"] != b[doc_id]["spans"]:
            raise UserError(
                f"{doc_id}: the passes differ in text or spans; argument agreement needs the same gold spans"
            )
    return [(doc_id, a[doc_id], b[doc_id]) for doc_id in common]


def args_agreement(pairs: list[tuple[str, dict, dict]]) -> dict:
    """Argument agreement over `args_pairs`: pass 1 is scored as the reference, so F1 is symmetric
    and precision/recall say which pass links more."""
    docs = []
    for _, a, b in pairs:
        subtypes = {(s["start"], s["end"]): s["subtype"] for s in a["spans"] if s["label"] == "EVENT"}
        docs.append((a["args"], b["args"], subtypes))
    return {"documents": len(pairs), "events": sum(len(d[2]) for d in docs), **score_args(docs)}


def args_agreement_table(result: dict) -> str:
    rows = ["| | arguments (pass 1) | arguments (pass 2) | F1 |", "|---|---:|---:|---:|"]
    named = [
        ("**classification** (event, role, argument)", result["classification"]),
        ("identification (role ignored)", result["identification"]),
    ]
    named += [(role, r) for role, r in result["per_role"].items()]
    named += [(t, r) for t, r in result["per_event_type"].items()]
    for name, r in named:
        rows.append(f"| {name} | {r['gold']} | {r['predicted']} | {r['f1']:.3f} |")
    return "\n".join(rows)


def disagreements_args(pairs: list[tuple[str, dict, dict]], context: int = 35) -> dict[str, list[str]]:
    """Per document of `args_pairs`, every argument found by only one pass, with the event in context."""
    out: dict[str, list[str]] = {}
    for doc_id, a, b in pairs:
        text = a["text"]
        ka, kb = set(map(arg_key, a["args"])), set(map(arg_key, b["args"]))
        lines = [
            f"{who}: {role} {text[arg[0] : arg[1]]!r} of {snippet(text, ev[0], ev[1], context)}"
            for who, only in (("pass1 only", ka - kb), ("pass2 only", kb - ka))
            for ev, role, arg in sorted(only)
        ]
        if lines:
            out[doc_id] = lines
    return out

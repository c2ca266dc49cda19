"""One-off: bring the first writing round in line with hard cases 33-37 of the guidelines.

Run once (already applied to data/raw; kept as the record of what changed and why):

    .venv/bin/python scripts/fix_corpus_v1.py [--dry-run]

Each rule is mechanical and prints every change it makes:
  HC36  support verbs at the start of an EVENT span are dropped  (فرض عقوبات -> عقوبات)
  HC35  a title at the start of a PER span becomes its own ROLE  (الأمير فيصل -> ROLE الأمير + PER فيصل)
  HC34  police and security forces labelled ORG become ARMED
  HC33  coups (انقلاب) are ASSAULT
  HC37  the war noun is not an event: a bare الحرب span is removed, وقف/إنهاء الحرب keeps only the verb
"""

from __future__ import annotations

import argparse
import sys

from siyasa.corpus import raw_files
from siyasa.markup import read_document, to_markup
from siyasa.words import is_punct, tokenize

CLITICS = ("و", "ف", "ب", "ل", "وب", "ول", "فب", "فل")
SUPPORT_VERBS = {
    "فرض",
    "فرضت",
    "يفرض",
    "تفرض",
    "نفرض",
    "سنفرض",
    "ستفرض",
    "سيفرض",
    "فرضا",
    "شن",
    "شنت",
    "يشن",
    "تشن",
    "شنوا",
    "شنا",
    "أجرى",
    "أجرت",
    "يجري",
    "تجري",
    "إجراء",
    "اجراء",
    "أجريا",
    "عقد",
    "عقدت",
    "يعقد",
    "تعقد",
    "عقدا",
    "نفذ",
    "نفذت",
    "ينفذ",
    "تنفذ",
    "تنفيذ",
    "نفذوا",
    "قدم",
    "قدمت",
    "يقدم",
    "تقديم",
    "قدما",
}
TITLES = {
    "الأمير",
    "الشيخ",
    "الملك",
    "السلطان",
    "المشير",
    "اللواء",
    "العميد",
    "العقيد",
    "الجنرال",
    "الفريق",
    "العاهل",
    "الرئيس",
}
POLICE = ("الشرطة", "شرطة", "قوات الأمن", "قوى الأمن", "الدرك", "قوات الشرطة")
WAR = {"الحرب", "حرب", "والحرب", "بالحرب", "للحرب"}
STOP = {"وقف", "إنهاء", "انهاء", "لوقف", "لإنهاء"}
_MARKS = dict.fromkeys(map(ord, "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0640"))


def bare(word: str) -> str:
    return word.translate(_MARKS)


def strip_clitic(word: str, vocab: set[str]) -> str | None:
    """The word itself if in vocab, else with one proclitic removed if that is in vocab."""
    w = bare(word)
    if w in vocab:
        return w
    for c in CLITICS:
        if w.startswith(c) and w[len(c) :] in vocab:
            return w[len(c) :]
    return None


def fix(rec: dict) -> list[str]:
    text, changes, out = rec["text"], [], []
    for s in rec["spans"]:
        words = [w for w in tokenize(text[s["start"] : s["end"]])]
        surface = text[s["start"] : s["end"]]
        if (
            s["label"] == "EVENT"
            and len(words) >= 2
            and strip_clitic(words[0].text, SUPPORT_VERBS)
            and not is_punct(words[1].text)
        ):
            new_start = s["start"] + words[1].start
            changes.append(f"HC36 {surface!r} -> {text[new_start : s['end']]!r}")
            s = {**s, "start": new_start}
        elif s["label"] == "EVENT" and bare(surface) in WAR:
            changes.append(f"HC37 removed {surface!r} ({s['subtype']})")
            continue
        elif (
            s["label"] == "EVENT"
            and len(words) == 2
            and bare(words[1].text) in WAR
            and strip_clitic(words[0].text, STOP)
        ):
            new_end = s["start"] + words[0].end
            changes.append(f"HC37 {surface!r} -> {text[s['start'] : new_end]!r} RETREAT")
            s = {**s, "end": new_end, "subtype": "RETREAT"}
        elif s["label"] == "EVENT" and "انقلاب" in bare(surface) and s["subtype"] != "ASSAULT":
            changes.append(f"HC33 {surface!r} {s['subtype']} -> ASSAULT")
            s = {**s, "subtype": "ASSAULT"}
        elif (
            s["label"] == "ACTOR"
            and s["subtype"] == "ORG"
            and bare(surface).lstrip("وفبل").startswith(POLICE)
        ):
            changes.append(f"HC34 {surface!r} ORG -> ARMED")
            s = {**s, "subtype": "ARMED"}
        elif (
            s["label"] == "ACTOR"
            and s["subtype"] == "PER"
            and len(words) >= 2
            and strip_clitic(words[0].text, TITLES)
        ):
            role_end = s["start"] + words[0].end
            name_start = s["start"] + words[1].start
            changes.append(
                f"HC35 {surface!r} -> ROLE {text[s['start'] : role_end]!r} + PER {text[name_start : s['end']]!r}"
            )
            out.append({"start": s["start"], "end": role_end, "label": "ROLE", "subtype": None})
            s = {**s, "start": name_start}
        out.append(s)
    rec["spans"] = sorted(out, key=lambda d: (d["start"], -d["end"], d["label"]))
    return changes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--dry-run", action="store_true")
    ap.add_argument("--raw", default="data/raw")
    ap.add_argument(
        "--skip", nargs="*", default=[], help="topics to leave alone (documents still being written)"
    )
    args = ap.parse_args()
    total = 0
    for path in raw_files(args.raw):
        if path.parent.name in args.skip:
            continue
        rec, errs = read_document(path)
        if errs:
            print(*errs, sep="\n")
            return 2
        changes = fix(rec)
        for c in changes:
            print(f"{path.name}: {c}")
        total += len(changes)
        if changes and not args.dry_run:
            path.write_text(to_markup(rec), encoding="utf-8")
    print(f"{total} change(s){' (dry run)' if args.dry_run else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

from conftest import make_doc
from siyasa.agreement import agreement, disagreements, strip_markup
from siyasa.markup import parse_document


def write(dirpath, body):
    d = dirpath / "libya"
    d.mkdir(parents=True, exist_ok=True)
    (d / "libya-2019-04-19-01.txt").write_text(make_doc(body), encoding="utf-8")


def test_agreement_counts_exact_matches_per_type(tmp_path):
    write(
        tmp_path / "p1",
        "قال [ROLE الرئيس] [ACTOR/PER ترامب] إن [ACTOR/GPE روسيا] [EVENT/REJECT رفضت] [EVENT/CONSULT المحادثات]",
    )
    write(
        tmp_path / "p2",
        "قال [ROLE الرئيس] [ACTOR/PER ترامب] إن [ACTOR/ORG روسيا] [EVENT/REJECT رفضت] المحادثات",
    )
    r = agreement(tmp_path / "p1", tmp_path / "p2")
    assert r["documents"] == 1 and r["spans_pass1"] == 5 and r["spans_pass2"] == 4
    assert r["f1"] == 2 * 3 / 9 and r["f1_type_only"] == 2 * 4 / 9
    assert r["per_type"]["ROLE"]["f1"] == 1.0 and r["per_type"]["EVENT"]["f1"] == 2 / 3
    lines = disagreements(tmp_path / "p1", tmp_path / "p2")["libya-2019-04-19-01"]
    assert len(lines) == 3 and any("pass1 only: [EVENT/CONSULT]" in x for x in lines)


def test_stripped_document_keeps_text_and_loses_markup():
    rec, _ = parse_document(
        make_doc("قال [ACTOR/PER ترامب] \\[نص\\]"), "data/raw/libya/libya-2019-04-19-01.txt"
    )
    again, errs = parse_document(strip_markup(rec), "data/raw/libya/libya-2019-04-19-01.txt")
    assert (
        errs == [] and again["text"] == rec["text"] and again["spans"] == [] and again["meta"] == rec["meta"]
    )

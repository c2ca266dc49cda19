"""The rule linker (siyasa.linking) and the argument scores of `siyasa evaluate` (siyasa.scoring)."""

from siyasa.arguments import Arg
from siyasa.data import read_records, to_examples
from siyasa.linking import rule_links
from siyasa.schema import Span
from siyasa.scoring import event_records, score_arguments


def spans_of(text: str, marked: list[tuple[str, str, str | None]]) -> list[Span]:
    out, at = [], 0
    for surface, label, subtype in marked:
        start = text.index(surface, at)
        out.append(Span(start, start + len(surface), label, subtype))
        at = start + len(surface)
    return out


def links(text, spans):
    return {
        (text[a.event[0] : a.event[1]], a.role, text[a.arg[0] : a.arg[1]]) for a in rule_links(text, spans)
    }


def test_verb_subject_object_order():
    text = "التقى بوتين أردوغان في سوتشي."
    spans = spans_of(
        text, [("التقى", "EVENT", "CONSULT"), ("بوتين", "ACTOR", "PER"), ("أردوغان", "ACTOR", "PER")]
    )
    assert links(text, spans) == {("التقى", "SOURCE", "بوتين"), ("التقى", "TARGET", "أردوغان")}


def test_subject_before_the_verb_and_target_after_a_preposition():
    text = "وقالت إن واشنطن فرضت عقوبات على طهران."
    spans = spans_of(
        text,
        [
            ("واشنطن", "ACTOR", "GPE"),
            ("فرضت", "EVENT", "SANCTION"),
            ("عقوبات", "EVENT", "SANCTION"),
            ("طهران", "ACTOR", "GPE"),
        ],
    )
    got = links(text, spans)
    assert ("فرضت", "SOURCE", "واشنطن") in got and ("عقوبات", "TARGET", "طهران") in got


def test_a_title_beside_a_name_links_the_name_and_never_a_later_sentence():
    text = "انتقد الرئيس الأمريكي دونالد ترامب القرار. ثم وصل الوزير."
    spans = spans_of(
        text,
        [
            ("انتقد", "EVENT", "ACCUSE"),
            ("الرئيس الأمريكي", "ROLE", None),
            ("دونالد ترامب", "ACTOR", "PER"),
            ("الوزير", "ROLE", None),
        ],
    )
    assert links(text, spans) == {("انتقد", "SOURCE", "دونالد ترامب")}


def test_a_dropped_subject_takes_the_last_mention_before():
    text = "وصل لافروف إلى أنقرة. ورفض أي تنازل."
    spans = spans_of(text, [("لافروف", "ACTOR", "PER"), ("ورفض", "EVENT", "REJECT")])
    assert links(text, spans) == {("ورفض", "SOURCE", "لافروف")}


def test_the_possessor_of_an_event_noun_undergoes_or_performs_it_by_type():
    text = "جاء ذلك بعد اعتقال المعارض وزيارة بوتين."
    spans = spans_of(
        text,
        [
            ("اعتقال", "EVENT", "COERCE"),
            ("المعارض", "ROLE", None),
            ("وزيارة", "EVENT", "CONSULT"),
            ("بوتين", "ACTOR", "PER"),
        ],
    )
    got = links(text, spans)
    assert ("اعتقال", "TARGET", "المعارض") in got and ("وزيارة", "SOURCE", "بوتين") in got


def test_rule_linker_scores_the_annotated_test_split_with_gold_spans():
    examples = to_examples(read_records("data/processed/test.jsonl"))
    result = score_arguments(examples, None, rule_links)
    assert result["documents"] == sum(ex.args is not None for ex in examples) > 0
    gold = result["gold_spans"]
    assert gold["classification"]["gold"] == sum(len(ex.args) for ex in examples if ex.args is not None)
    assert 0.3 < gold["classification"]["f1"] < 0.9  # a baseline: far from nothing, far from perfect


def test_perfect_links_score_one_and_records_pair_sources_with_targets():
    text = "التقى بوتين أردوغان."
    spans = spans_of(
        text, [("التقى", "EVENT", "CONSULT"), ("بوتين", "ACTOR", "PER"), ("أردوغان", "ACTOR", "PER")]
    )
    args = [Arg((0, 5), "SOURCE", (6, 11)), Arg((0, 5), "TARGET", (12, 19))]
    assert event_records(text, spans, args) == {("CONSULT", "بوتين", "أردوغان")}
    assert event_records(text, spans, args, typed=False) == {("EVENT", "بوتين", "أردوغان")}
    from siyasa.data import Example

    ex = Example("x", text, [], [], [], [], tuple(spans), tuple(args))
    result = score_arguments([ex], [spans], lambda t, s: args)
    assert result["gold_spans"]["classification"]["f1"] == result["end_to_end"]["records"]["f1"] == 1.0

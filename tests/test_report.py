"""The dataset card and the review lists (siyasa.report): figures that match an independent count,
"the same word" decided one way, likely misses found, sections replaced in place."""

from siyasa.preprocess import surface_key
from siyasa.report import replace_section, tagged_sequences, unseen_ratio, untagged_occurrences


def _rec(text, spans, id_="d"):
    return {"id": id_, "text": text, "meta": {"topic": "t"}, "spans": spans}


def test_unseen_mentions_count_forms_never_tagged_with_that_label_in_training():
    train = [_rec("زار بوتين بكين.", [{"start": 4, "end": 9, "label": "ACTOR", "subtype": "PER"}])]
    test = [
        _rec(
            "التقى بوتين شي.",
            [
                {"start": 6, "end": 11, "label": "ACTOR", "subtype": "PER"},
                {"start": 12, "end": 14, "label": "ACTOR", "subtype": "PER"},
            ],
        )
    ]
    assert unseen_ratio(train, test) == (1, 2)  # شي is unseen, بوتين was seen


def test_an_untagged_occurrence_of_a_tagged_form_is_listed_as_a_likely_miss():
    tagged = _rec("قال الرئيس.", [{"start": 4, "end": 10, "label": "ROLE", "subtype": None}])
    other = _rec("وصل الرئيس أمس.", [])
    found = list(untagged_occurrences(other, tagged_sequences([tagged])))
    assert [(a.text, b.text, top) for a, b, _, top in found] == [("الرئيس", "الرئيس", "ROLE")]
    assert not list(untagged_occurrences(tagged, tagged_sequences([tagged])))  # tagged there: no miss


def test_surface_key_ignores_diacritics_and_tatweel():
    assert surface_key("الرئيـــس") == surface_key("الرَّئِيسُ") == surface_key("الرئيس")


def test_a_card_section_is_replaced_in_place_and_appended_when_missing(tmp_path):
    card = tmp_path / "README.md"
    card.write_text("# Card\n\n<!-- stats:begin -->\nold\n<!-- stats:end -->\n\ntail\n")
    replace_section(card, "stats", "new")
    assert card.read_text() == "# Card\n\n<!-- stats:begin -->\nnew\n<!-- stats:end -->\n\ntail\n"
    replace_section(card, "agreement", "table")
    assert card.read_text().endswith(
        "## Agreement\n\n<!-- agreement:begin -->\ntable\n<!-- agreement:end -->\n"
    )


def test_dataset_card_figures_equal_an_independent_count_of_the_splits():
    """Every row of the card's statistics table, recounted straight from the processed JSONL."""
    import json
    import re
    from collections import Counter
    from pathlib import Path

    card = Path("data/README.md").read_text(encoding="utf-8")
    rows = {
        m[0].strip("* "): [int(x) for x in m[1:]]
        for m in re.findall(r"^\| ([^|]+?) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", card, flags=re.M)
    }
    for k, split in enumerate(("train", "dev", "test")):
        counts: Counter = Counter()
        for line in Path(f"data/processed/{split}.jsonl").read_text(encoding="utf-8").splitlines():
            rec = json.loads(line)
            counts["documents"] += 1
            counts["spans"] += len(rec["spans"])
            for s in rec["spans"]:
                counts[s["label"]] += 1
                if s["subtype"]:
                    counts[f"{s['label']}.{s['subtype']}"] += 1
        for key, n in counts.items():
            assert rows[key][k] == n, (key, split, rows[key][k], n)
    for values in rows.values():
        assert sum(values[:3]) == values[3]
    assert rows["ROLE"][3] + rows["ACTOR"][3] + rows["EVENT"][3] == rows["spans"][3]

from siyasa.words import tokenize


def texts(s: str) -> list[str]:
    return [w.text for w in tokenize(s)]


def test_offsets_index_the_original_text():
    s = "قال البيت الأبيض، الجمعة: «نرفض»؟ (٢٠١٩)"
    for w in tokenize(s):
        assert s[w.start : w.end] == w.text


def test_arabic_punctuation_and_quotes_are_separate_words():
    assert texts("الأبيض، الجمعة؛ لماذا؟ «حماس» “فتح”") == [
        "الأبيض",
        "،",
        "الجمعة",
        "؛",
        "لماذا",
        "؟",
        "«",
        "حماس",
        "»",
        "“",
        "فتح",
        "”",
    ]


def test_diacritics_and_tatweel_stay_inside_words():
    assert texts("تَحَدَّثَ الـرئيس لـ«حماس»") == ["تَحَدَّثَ", "الـرئيس", "لـ", "«", "حماس", "»"]


def test_digits_in_both_scripts_are_words():
    assert texts("عام ٢٠١٩ و2020") == ["عام", "٢٠١٩", "و2020"]
    assert texts("3.5%") == ["3", ".", "5", "%"]


def test_format_characters_and_spaces_are_not_words():
    assert texts("\u200fليبيا\u200e \u00a0 تونس\ufeff") == ["ليبيا", "تونس"]
    assert tokenize("") == [] and tokenize(" \n\t ") == []

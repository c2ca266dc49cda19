import random

from siyasa.features import encode, make_windows, merge_word_predictions, repair_iob2
from siyasa.preprocess import normalize_word


class FakeTokenizer:
    """Splits each word into pieces of 3 characters; enough to exercise windows without a vocabulary."""

    unk_token, cls_token_id, sep_token_id, pad_token_id = "[UNK]", 1, 2, 0

    def convert_tokens_to_ids(self, tok):
        return 3

    def __call__(self, docs, is_split_into_words, add_special_tokens, verbose=False):
        ids, wids = [], []
        for words in docs:
            i, w = [], []
            for k, word in enumerate(words):
                for j in range(0, len(word), 3):
                    i.append(10 + len(word[j : j + 3]))
                    w.append(k)
            ids.append(i)
            wids.append(w)

        class Enc(dict):
            def word_ids(self, k):
                return wids[k]

        return Enc(input_ids=ids)


def test_windows_cover_every_word_and_respect_the_length():
    r = random.Random(0)
    for _ in range(300):
        pieces = [[0] * r.randint(1, 7) for _ in range(r.randint(0, 80))]
        max_length, stride = r.randint(8, 40), 0
        stride = r.randint(0, max_length - 3)
        ranges = make_windows(pieces, max_length, stride)
        covered = set()
        for a, b in ranges:
            assert b > a and sum(min(len(pieces[i]), max_length - 2) for i in range(a, b)) <= max_length - 2
            covered |= set(range(a, b))
        assert covered == set(range(len(pieces)))


def test_a_2000_word_document_gets_exactly_one_prediction_per_word():
    words = [f"كلمة{i % 97}" + "ب" * (i % 11) for i in range(2000)]
    windows = encode(FakeTokenizer(), [words, ["قصير"]], max_length=64, stride=16, preprocess=False)
    assert len({w.doc for w in windows}) == 2 and sum(w.doc == 0 for w in windows) > 30
    assert all(len(w.input_ids) <= 64 for w in windows)
    # predict each token's own word index: the merge must hand every word its own index back
    preds = [[max(w, 0) for w in win.word_ids] for win in windows]
    merged = merge_word_predictions(windows, preds, [2000, 1])
    assert merged[0] == list(range(2000)) and merged[1] == [0]


def test_a_word_longer_than_the_window_is_cut_not_lost():
    windows = encode(FakeTokenizer(), [["أ" * 300, "ب"]], max_length=16, stride=4, preprocess=False)
    merged = merge_word_predictions(windows, [[max(w, 0) for w in win.word_ids] for win in windows], [2])
    assert merged == [[0, 1]] and all(len(w.input_ids) <= 16 for w in windows)


def test_labels_sit_on_first_subwords_or_all_with_b_mapped_to_i():
    first = encode(FakeTokenizer(), [["abcdef", "gh"]], 32, 4, [[1, 0]], preprocess=False)[0]
    assert first.labels == [-100, 1, -100, 0, -100]
    every = encode(
        FakeTokenizer(),
        [["abcdef", "gh"]],
        32,
        4,
        [[1, 0]],
        label_all_subwords=True,
        b_to_i={1: 2},
        preprocess=False,
    )[0]
    assert every.labels == [-100, 1, 2, 0, -100]


def test_repair_turns_orphan_inside_tags_into_begins():
    assert repair_iob2(["I-ACTOR", "I-ACTOR", "O", "I-ROLE", "B-EVENT", "I-ROLE"]) == [
        "B-ACTOR",
        "I-ACTOR",
        "O",
        "B-ROLE",
        "B-EVENT",
        "B-ROLE",
    ]


def test_normaliser_matches_arabert_v02_on_hard_words():
    assert normalize_word("تَحَدَّثَ") == "تحدث"
    assert normalize_word("الـرئيس") == "الرئيس"
    assert normalize_word("٢٠١٩") == "2019"
    assert normalize_word("و2020") == "و 2020"
    assert normalize_word("/") == "-"
    assert normalize_word("😀") == ""


def test_viterbi_decodes_the_most_probable_valid_iob2_sequence():
    import numpy as np

    from siyasa.decoding import is_valid_iob2, viterbi_iob2

    labels = ["O", "B-ACTOR", "I-ACTOR", "B-ROLE", "I-ROLE"]
    # argmax says O I-ACTOR I-ACTOR: repair would invent an ACTOR from word 1; the best valid
    # sequence keeps O where B-ACTOR is unlikely, and B-ACTOR I-ACTOR where it is likely enough
    doubt = np.array(
        [[0.9, 0.05, 0.02, 0.02, 0.01], [0.45, 0.05, 0.5, 0.0, 0.0], [0.4, 0.05, 0.55, 0.0, 0.0]]
    )
    assert [labels[i] for i in viterbi_iob2(doubt, labels)] == ["O", "O", "O"]
    likely = np.array([[0.9, 0.05, 0.02, 0.02, 0.01], [0.1, 0.4, 0.5, 0.0, 0.0], [0.1, 0.05, 0.85, 0.0, 0.0]])
    assert [labels[i] for i in viterbi_iob2(likely, labels)] == ["O", "B-ACTOR", "I-ACTOR"]
    # a valid argmax is returned as it is; the empty document decodes to nothing
    valid = np.eye(5)[[1, 2, 0, 3, 4]]
    assert viterbi_iob2(valid, labels) == [1, 2, 0, 3, 4]
    assert viterbi_iob2(np.zeros((0, 5)), labels) == []
    rng = np.random.default_rng(0)
    for _ in range(50):
        p = rng.dirichlet(np.ones(5) * 0.3, size=12)
        path = viterbi_iob2(p, labels)
        assert is_valid_iob2([labels[i] for i in path])
        # no valid sequence scores higher: compare with every single-position change that stays valid
        best = np.log(p[np.arange(12), path]).sum()
        for t in range(12):
            for j in range(5):
                alt = list(path)
                alt[t] = j
                if is_valid_iob2([labels[i] for i in alt]):
                    assert np.log(p[np.arange(12), alt]).sum() <= best + 1e-9

"""The toy English → French-like language: reordering, agreement, generation and reading user text."""

from __future__ import annotations

import random

import pytest

from attention_core.translation import grammar as g


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("the european economic area", "la zone économique européenne"),
        ("the small black cat sleeps", "le chat noir petit dort"),
        ("the small black cats sleep", "les chats noirs petits dorment"),
        ("a pretty white house", "une maison blanche jolie"),
        ("some pretty white houses", "des maisons blanches jolies"),
        ("your journey starts with one step", "ton voyage commence avec un pas"),
        ("the dog often sleeps", "le chien dort souvent"),
        ("the cat sleeps while the dog runs", "le chat dort pendant que le chien court"),
        ("his old mouse", "sa souris vieille"),
        ("her old horses", "ses chevaux vieux"),
    ],
)
def test_reference_translations(source: str, target: str) -> None:
    assert " ".join(g.translate(source.split()).tokens) == target


def test_adjectives_follow_the_noun_in_mirrored_order() -> None:
    rng = random.Random(7)
    for _ in range(200):
        adjs = rng.sample(list(g.ADJECTIVES), rng.randint(1, 4))
        noun = rng.choice(list(g.NOUNS))
        ref = g.translate(["the", *adjs, noun])
        # source positions: det 0, adjectives 1..k, noun k+1 -> det, noun, adjectives k..1
        assert ref.alignment == [0, len(adjs) + 1, *range(len(adjs), 0, -1)]


@pytest.mark.parametrize("noun", ["cat", "house", "mouse", "horse"])
@pytest.mark.parametrize("plural", [False, True])
def test_determiner_and_adjectives_agree_with_the_noun(noun: str, plural: bool) -> None:
    _, fr_sg, fr_pl, gender = g.NOUNS[noun]
    slot = (2 if plural else 0) + (gender == "f")
    english_noun = g.NOUNS[noun][0] if plural else noun
    ref = g.translate(["the", "happy", "white", english_noun])
    expected = [
        g.DETERMINERS["the"][min(slot, 2)],
        fr_pl if plural else fr_sg,
        g.ADJECTIVES["white"][slot],
        g.ADJECTIVES["happy"][slot],
    ]
    assert ref.tokens == expected


def test_verbs_agree_in_number() -> None:
    assert g.translate(["the", "cat", "eats"]).tokens[-1] == "mange"
    assert g.translate(["the", "cats", "eat"]).tokens[-1] == "mangent"


def test_alignment_is_complete_and_in_range() -> None:
    rng = random.Random(3)
    for _ in range(300):
        pair = g.make_pair(g.sample_sentence(rng))
        assert len(pair.target) == len(pair.alignment)
        assert set(pair.alignment) == set(range(len(pair.source)))  # every source word is rendered


def test_generated_lengths_cover_the_range_and_are_seeded() -> None:
    pairs = g.generate_pairs(2000, seed=5)
    lengths = [len(p.source) for p in pairs]
    assert min(lengths) >= g.MIN_LEN and max(lengths) == g.MAX_LEN
    assert sum(n <= 10 for n in lengths) > 50 and sum(n >= 30 for n in lengths) > 300
    assert [p.source for p in g.generate_pairs(50, seed=5)] == [p.source for p in pairs[:50]]
    assert [p.source for p in g.generate_pairs(50, seed=6)] != [p.source for p in pairs[:50]]


def test_held_out_pairs_have_exact_lengths_and_avoid_excluded() -> None:
    first = g.held_out_pairs(3, seed=11, lengths=[3, 12, 40])
    assert [len(p.source) for p in first] == [3, 3, 3, 12, 12, 12, 40, 40, 40]
    excluded = {" ".join(first[0].source)}
    again = g.held_out_pairs(3, seed=11, exclude=excluded, lengths=[3])
    assert " ".join(again[0].source) not in excluded


def test_every_generated_word_is_in_the_vocabularies() -> None:
    for pair in g.generate_pairs(500, seed=2):
        assert all(w in g.SOURCE_WORDS for w in pair.source)
        assert all(w in g.TARGET_WORDS for w in pair.target)
    assert 100 <= len(g.SOURCE_WORDS) <= 200


def test_example_sentences_are_fully_known_and_span_lengths() -> None:
    lengths = []
    for sentence in g.EXAMPLE_SENTENCES:
        src = g.read_source(sentence)
        assert src.unknown == []
        lengths.append(len(src.known))
    assert min(lengths) <= 4 and max(lengths) >= 35


def test_read_source_names_unknown_words_and_suggests() -> None:
    src = g.read_source("The smal cat, sleeps under the xyzzy table!")
    assert src.unknown == ["smal", "xyzzy"]
    assert "small" in src.suggestions["smal"]
    assert src.suggestions["xyzzy"] == []
    assert src.known == ["the", "cat", "sleeps", "under", "the", "table"]
    assert src.dropped_punctuation == [",", "!"]


def test_unknown_word_raises_in_translate() -> None:
    with pytest.raises(KeyError, match="zebra"):
        g.translate(["the", "zebra"])


def test_read_source_bounds_length() -> None:
    src = g.read_source("the cat sleeps " * 100, max_tokens=40)
    assert len(src.known) == 40

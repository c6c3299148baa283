"""The toy English → French-like language: the lectures' sentences, French rules, generation and user text."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core.translation import grammar as g

# The lectures' own sentences (/work/shared/seeds) and the French a French speaker writes for them.
LECTURE_FRENCH = {
    "The cat that was sitting on the mat, which was next to the dog, jumped.": (
        "le chat qui était assis sur le tapis , qui était à côté du chien , a sauté"
    ),
    "Your journey starts with one step": "ton voyage commence avec un pas",
    "The cat sat on the mat because it is warm": "le chat s' est assis sur le tapis car il est chaud",
    "Can you help me translate this sentence?": "peux -tu m' aider à traduire cette phrase ?",
    "I am a student": "je suis étudiant",
    "The European economic area": "la zone économique européenne",
    "Harry Potter went to the station": "harry potter est allé à la gare",
}


def _fr(source: str) -> str:
    return " ".join(g.translate(g.read_source(source).known).tokens)


def test_every_lecture_sentence_is_listed_with_its_french() -> None:
    assert {s.text for s in g.LECTURE_SENTENCES} == set(LECTURE_FRENCH)


@pytest.mark.parametrize("sentence", list(LECTURE_FRENCH))
def test_lecture_sentences_are_fully_known_and_translate(sentence: str) -> None:
    src = g.read_source(sentence)
    assert src.unknown == []
    assert src.dropped_punctuation in ([], ["."])  # commas and "?" are words of the language; "." is not
    assert len(src.known) >= g.MIN_LEN or len(src.known) == 4  # "I am a student" has 4 tokens
    assert _fr(sentence) == LECTURE_FRENCH[sentence]


def test_the_transcript_form_without_commas_means_the_same() -> None:
    """Lecture 1's transcript writes the cat sentence without commas: the French keeps its agreement."""
    assert _fr("the cat that was sitting on the mat which was next to the dog jumped") == (
        "le chat qui était assis sur le tapis qui était à côté du chien a sauté"
    )


def test_lecture_sentences_are_examples_in_the_lectures_order() -> None:
    assert [g.EXAMPLE_SENTENCES[i].lower() for i in g.LECTURE_EXAMPLES] == [
        s.text.lower() for s in g.LECTURE_SENTENCES
    ]


@pytest.mark.parametrize(
    ("source", "target"),
    [
        ("the european economic area", "la zone économique européenne"),
        ("the small black cat sleeps", "le chat noir petit dort"),
        ("the small black cats sleep", "les chats noirs petits dorment"),
        ("a pretty white house", "une maison blanche jolie"),
        ("some pretty white houses", "des maisons blanches jolies"),
        ("the dog often sleeps", "le chien dort souvent"),
        ("the cat sleeps while the dog runs", "le chat dort pendant que le chien court"),
        ("his old mouse", "sa souris vieille"),
        ("her old horses", "ses chevaux vieux"),
        # the subject decides the verb far behind it, across relative clauses
        (
            "the cats that were sitting on the mat , which was next to the dog , jumped",
            "les chats qui étaient assis sur le tapis , qui était à côté du chien , ont sauté",
        ),
        (
            "the girl that was sitting on the mat , which was next to the dogs , jumped",
            "la fille qui était assise sur le tapis , qui était à côté des chiens , a sauté",
        ),
        ("the cat that the dog sees sleeps", "le chat que le chien voit dort"),
        ("the dog sees the cat that i like", "le chien voit le chat que j' aime"),
        # passé composé: avoir, être (agreeing), pronominal, adverb between auxiliary and participle
        ("the cat often jumped", "le chat a souvent sauté"),
        ("the girls fell", "les filles sont tombées"),
        ("alice went to the station", "alice est allée à la gare"),
        ("the girl sat on the mat", "la fille s' est assise sur le tapis"),
        ("we sat", "nous nous sommes assis"),
        # "it" takes the gender of the last noun
        (
            "the cat sat on the chair because it is warm",
            "le chat s' est assis sur la chaise car elle est chaude",
        ),
        ("the girls sleep and they sing", "les filles dorment et elles chantent"),
        # object pronouns before the verb; a preceding direct object makes the participle agree
        ("the dog sees me", "le chien me voit"),
        ("the dog helped me", "le chien m' a aidé"),
        ("the dog saw them", "le chien les a vus"),
        ("the girl saw the house and she likes it", "la fille a vu la maison et elle l' aime"),
        ("the dog sees you", "le chien te voit"),
        ("the dog is with me", "le chien est avec moi"),
        # can, help someone do something, inversion
        ("can i sleep", "puis -je dormir"),
        ("can they sing ?", "peuvent -ils chanter ?"),
        ("the dog can sit", "le chien peut s' asseoir"),
        ("the girl helps the boy read a book", "la fille aide le garçon à lire un livre"),
        ("i help the cats sit", "j' aide les chats à s' asseoir"),
        # professions lose their article and agree with the subject
        ("she is a student", "elle est étudiante"),
        ("the girls are students", "les filles sont étudiantes"),
        ("i am a young student", "je suis un étudiant jeune"),
        # elision and contraction
        ("i like the bird", "j' aime l' oiseau"),
        ("this bird sleeps", "cet oiseau dort"),
        ("the cat is next to a dog", "le chat est à côté d' un chien"),
        ("the cat is near the bird", "le chat est près de l' oiseau"),
        ("the cat goes to the market", "le chat va au marché"),
        ("the dogs go to the markets", "les chiens vont aux marchés"),
        ("the cat is next to some dogs", "le chat est à côté de chiens"),
        ("the cat sleeps while it sleeps", "le chat dort pendant qu' il dort"),
        ("the girl is happy and tired", "la fille est heureuse et fatiguée"),
    ],
)
def test_reference_translations(source: str, target: str) -> None:
    assert " ".join(g.translate(source.split()).tokens) == target


def test_dropped_words_are_the_swallowed_ones() -> None:
    cat = g.read_source(next(iter(LECTURE_FRENCH))).known
    assert [cat[k] for k in g.translate(cat).dropped] == ["to"]  # "to the" → "du": "du" renders "the"
    assert g.translate(["i", "am", "a", "student"]).dropped == (2,)  # "a": no article before a profession
    assert g.translate(["the", "cat", "is", "next", "to", "some", "dogs"]).dropped == (
        5,
    )  # "some": "de chiens"


def test_adjectives_follow_the_noun_in_mirrored_order() -> None:
    rng = random.Random(7)
    for _ in range(200):
        adjs = rng.sample(list(g.ADJECTIVES), rng.randint(1, 4))
        noun = rng.choice(list(g.NOUNS))
        ref = g.translate(["the", *adjs, noun])
        # source positions: det 0, adjectives 1..k, noun k+1 -> det, noun, adjectives k..1
        assert ref.alignment == [0, len(adjs) + 1, *range(len(adjs), 0, -1)]


@pytest.mark.parametrize("noun", ["cat", "house", "mouse", "horse", "bird"])
@pytest.mark.parametrize("plural", [False, True])
def test_determiner_and_adjectives_agree_with_the_noun(noun: str, plural: bool) -> None:
    entry = g.NOUNS[noun]
    slot = (2 if plural else 0) + (entry.gender == "f")
    english_noun = entry.plural if plural else noun
    ref = g.translate(["the", "happy", "white", english_noun])
    article = g.DETERMINERS["the"][min(slot, 2)]
    if not plural and entry.fr_sg[0] in "aeiouéè":
        article = "l'"
    assert ref.tokens == [
        article,
        entry.fr_pl if plural else entry.fr_sg,
        g.ADJECTIVES["white"][slot],
        g.ADJECTIVES["happy"][slot],
    ]


def test_verbs_agree_with_person_and_number() -> None:
    conjugated = {
        "i": "mange",
        "you": "manges",
        "he": "mange",
        "we": "mangeons",
        "they": "mangent",
    }
    for pronoun, form in conjugated.items():
        verb = "eats" if pronoun == "he" else "eat"
        assert g.translate([pronoun, verb, "the", "apple"]).tokens[1] == form
    assert g.translate(["the", "cats", "eat"]).tokens[-1] == "mangent"


def test_alignment_is_complete_and_in_range() -> None:
    rng = random.Random(3)
    for _ in range(300):
        source = g.sample_sentence(rng)
        ref = g.translate(source)
        assert len(ref.tokens) == len(ref.alignment)
        # every source word is rendered, or named as swallowed by a contraction or a dropped article
        assert set(ref.alignment) | set(ref.dropped) == set(range(len(source)))
        assert not set(ref.alignment) & set(ref.dropped)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(g.SOURCE_WORDS), min_size=1, max_size=45))
def test_any_sequence_of_known_words_translates(words: list[str]) -> None:
    """The rules accept every sequence of known words (users type anything) and stay within the vocabulary."""
    ref = g.translate(words)
    assert len(ref.tokens) == len(ref.alignment)
    assert all(0 <= j < len(words) for j in ref.alignment)
    assert all(0 <= j < len(words) for j in ref.dropped)
    assert set(ref.tokens) <= set(g.TARGET_WORDS)


def test_generated_lengths_cover_the_range_and_are_seeded() -> None:
    pairs = g.generate_pairs(2000, seed=5)
    lengths = [len(p.source) for p in pairs]
    assert min(lengths) >= g.MIN_LEN and max(lengths) == g.MAX_LEN
    assert sum(n <= 10 for n in lengths) > 200 and sum(n >= 30 for n in lengths) > 300
    assert [p.source for p in g.generate_pairs(50, seed=5)] == [p.source for p in pairs[:50]]
    assert [p.source for p in g.generate_pairs(50, seed=6)] != [p.source for p in pairs[:50]]


def test_generated_sentences_use_the_lectures_constructions() -> None:
    """Relative clauses with commas, states ("was sitting"), "next to", past tenses and questions are common."""
    sentences = [" ".join(p.source) for p in g.generate_pairs(3000, seed=9)]
    share = {
        marker: sum(marker in s for s in sentences) / len(sentences)
        for marker in (
            ", which was",
            " that was ",
            " was sitting",
            "next to the",
            "jumped",
            "can you",
            " it ",
        )
    }
    assert all(v > 0.005 for v in share.values()), share
    assert share[", which was"] > 0.03  # about 4 % of the sentences


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
    assert 200 <= len(g.SOURCE_WORDS) <= 320


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
    assert src.known == ["the", "cat", ",", "sleeps", "under", "the", "table"]  # the comma is a word
    assert src.dropped_punctuation == ["!"]


def test_unknown_word_raises_in_translate() -> None:
    with pytest.raises(KeyError, match="zebra"):
        g.translate(["the", "zebra"])


def test_read_source_bounds_length() -> None:
    src = g.read_source("the cat sleeps " * 100, max_tokens=40)
    assert len(src.known) == 40

"""A seeded, rule-based English → French-like toy language for the translation pages (2 and 3).

English noun phrases put adjectives before the noun ("the small black cat"); the French side puts the noun first
and the adjectives after it in mirrored order ("le chat noir petit"), the way "the European economic area"
becomes "la zone économique européenne". Everything else is French as a French speaker writes it:

- determiners, adjectives and participles agree with their noun in gender and number;
- verbs agree with their subject, which may sit far back behind relative clauses: in "the cat that was sitting on
  the mat, which was next to the dog, jumped" the French "a sauté" (not "ont sauté") depends on "cat";
- the past tense is the passé composé ("jumped" → "a sauté", "fell" → "est tombé(e)", "sat" → "s'est assis");
- relative clauses ("that was sitting ...", ", which was next to ...,") become "qui ..."; commas stay in place;
- "it" becomes "il" or "elle" after the gender of the last noun ("the mat ... it is warm" → "il est chaud");
- object pronouns move before the verb ("helps me" → "m'aide"), adverbs behind it ("often sleeps" → "dort
  souvent"), "can you" inverts to "peux-tu", professions after "is" drop their article ("je suis étudiant");
- articles elide and contract as in French ("l'oiseau", "à côté du chien", "au marché", "d'un pas").

French tokens are split as French tokenisers split them: "l'" "oiseau", "peux" "-tu".

`translate` is the reference translator. It works on any sequence of known words (not only grammatical ones)
and also returns which source word each target word comes from, so model alignments can be checked against it.
The generator (`sample_sentence`) writes grammatical English of 3 to 40 tokens from the same rules.
"""

from __future__ import annotations

import difflib
import itertools
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from attention_core.text import tokenize
from attention_core.translation.lexicon import (
    ADJECTIVES,
    ADVERBS,
    AVOIR_PRESENT,
    BEFORE_VOWEL,
    CONJUNCTIONS,
    CONTRACTIONS,
    COPULAS,
    DETERMINERS,
    ELISIONS,
    ETRE_IMPERFECT,
    ETRE_PRESENT,
    MODALS,
    NAME_PHRASES,
    NAMES,
    NOUNS,
    OBJECT_PRONOUNS,
    PARTICIPLES,
    PLURAL_ONLY,
    POUVOIR_INVERTED_JE,
    POUVOIR_PRESENT,
    PREPOSITIONS,
    PROFESSIONS,
    PUNCTUATION,
    REFLEXIVE,
    RELATIVES,
    SINGULAR_ONLY,
    SUBJECT_PRONOUNS,
    VERBS,
    Verb,
    starts_with_vowel,
)

__all__ = [
    "ADJECTIVES",
    "ADVERBS",
    "CONJUNCTIONS",
    "COPULAS",
    "DETERMINERS",
    "EXAMPLE_SENTENCES",
    "LECTURE_EXAMPLES",
    "LECTURE_SENTENCES",
    "MAX_LEN",
    "MIN_LEN",
    "MODALS",
    "NAMES",
    "NOUNS",
    "OBJECT_PRONOUNS",
    "PARTICIPLES",
    "PREPOSITIONS",
    "PUNCTUATION",
    "RELATIVES",
    "SOURCE_WORDS",
    "SUBJECT_PRONOUNS",
    "TARGET_WORDS",
    "VERBS",
    "LectureSentence",
    "Pair",
    "SourceText",
    "Translation",
    "generate_pairs",
    "held_out_pairs",
    "is_known",
    "make_pair",
    "read_source",
    "sample_clause",
    "sample_sentence",
    "sample_sentence_of_length",
    "suggest",
    "translate",
    "unknown_words",
    "word_form",
    "word_kind",
]

MIN_LEN = 3
MAX_LEN = 40

# ---------------------------------------------------------------------------------------------------------
# The lexicon: every English form -> (kind, lemma, form)

_LEXICON: dict[str, tuple[str, str, str]] = {}


def _add(word: str, kind: str, lemma: str, form: str = "") -> None:
    if word in _LEXICON:
        raise ValueError(f"{word!r} is both {_LEXICON[word]} and {(kind, lemma, form)}")
    _LEXICON[word] = (kind, lemma, form)


for _noun, _entry in NOUNS.items():
    _add(_noun, "noun", _noun, "sg")
    _add(_entry.plural, "noun", _noun, "pl")
for _name in NAMES:
    _add(_name, "name", _name)
for _adj in ADJECTIVES:
    _add(_adj, "adj", _adj)
for _part in PARTICIPLES:
    _add(_part, "part", _part)
for _det in DETERMINERS:
    _add(_det, "det", _det)
for _verb, _v in VERBS.items():
    _add(_verb, "verb", _verb, "3sg")
    _add(_v.base, "verb", _verb, "base")
    if _v.past:
        _add(_v.past, "verb", _verb, "past")
for _cop in COPULAS:
    _add(_cop, "cop", _cop)
for _modal in MODALS:
    _add(_modal, "modal", _modal)
for _pron in SUBJECT_PRONOUNS:
    _add(_pron, "pron", _pron)
for _pron in OBJECT_PRONOUNS:
    _add(_pron, "obj", _pron)
for _rel in RELATIVES:
    _add(_rel, "rel", _rel)
for _mark in PUNCTUATION:
    _add(_mark, "punct", _mark)
for _kind, _table in (("prep", PREPOSITIONS), ("adv", ADVERBS), ("conj", CONJUNCTIONS)):
    for _word in _table:
        _add(_word, _kind, _word)

SOURCE_WORDS: tuple[str, ...] = tuple(sorted(_LEXICON))
KINDS: tuple[str, ...] = (
    *("det", "adj", "noun", "name", "pron", "obj", "verb", "cop", "modal", "part", "rel", "prep", "adv"),
    *("conj", "punct"),
)


def _target_words() -> tuple[str, ...]:
    """Every French token the rules can write (forms, then their elided and contracted spellings)."""
    words: set[str] = set()
    for noun in NOUNS.values():
        words |= {noun.fr_sg, noun.fr_pl}
    for forms in (*ADJECTIVES.values(), *PARTICIPLES.values(), *PROFESSIONS.values(), *DETERMINERS.values()):
        words |= set(forms)
    for verb in VERBS.values():
        words |= {*verb.present, verb.infinitive}
        words |= {_agree_participle(verb.participle, g, n) for g in "mf" for n in ("sg", "pl")}
    words |= set(ETRE_PRESENT) | set(ETRE_IMPERFECT) | set(AVOIR_PRESENT) | set(POUVOIR_PRESENT)
    words |= {POUVOIR_INVERTED_JE, *REFLEXIVE, *NAMES}
    subject = {"je", "tu", "il", "elle", "nous", "ils", "elles"}
    words |= subject | {"-" + p for p in subject}  # "-tu" after an inverted "peux"
    words |= {"te", "le", "la", "les"}  # object pronouns before the verb (me, nous are reflexive forms too)
    words |= {"moi", "toi", "lui", "eux"}  # object pronouns after a preposition
    words |= {"qui", "que", "à", "de", *PUNCTUATION}
    for forms in (*PREPOSITIONS.values(), *CONJUNCTIONS.values()):
        words |= set(forms)
    words |= set(ADVERBS.values())
    words |= set(ELISIONS.values()) | set(BEFORE_VOWEL.values()) | set(CONTRACTIONS.values())
    return tuple(sorted(words))


def _agree_participle(participle: str, gender: str, number: str) -> str:
    """A past participle agreeing like an adjective: tombé → tombée, tombés; assis → assise, assis."""
    stem = participle
    if gender == "f":
        stem += "e"
    if number == "pl" and not stem.endswith("s"):
        stem += "s"
    return stem


TARGET_WORDS: tuple[str, ...] = _target_words()


@dataclass(frozen=True)
class Translation:
    """A reference translation: target tokens and, for each, the index of the source token it renders.

    `dropped` lists the source tokens that have no French word of their own: the article French leaves out
    before a profession ("I am a student" → "je suis étudiant") and the preposition or article a contraction
    swallows ("next to the dog" → "à côté du chien": "du" renders "the", and "to" has no word of its own).
    """

    tokens: list[str]
    alignment: list[int]
    dropped: tuple[int, ...] = ()
    subjects: tuple[tuple[int, int], ...] = ()  # (verb, the head of its subject): whom each verb agrees with


@dataclass(frozen=True)
class _Agr:
    """Who a verb, participle or pronoun agrees with: person 1-3, number 'sg' | 'pl', gender 'm' | 'f'."""

    person: int
    number: str
    gender: str
    head: int = -1  # the source position of the noun or pronoun (-1: none, a default)

    @property
    def slot(self) -> int:
        """Index into French person forms (je, tu, il/elle, nous, ils/elles)."""
        return {(1, "sg"): 0, (2, "sg"): 1, (3, "sg"): 2, (1, "pl"): 3}.get((self.person, self.number), 4)

    @property
    def adj_slot(self) -> int:
        """Index into adjective forms (m sg, f sg, m pl, f pl)."""
        return (2 if self.number == "pl" else 0) + (self.gender == "f")


_DEFAULT = _Agr(3, "sg", "m")


@dataclass
class _Relative:
    """An open relative clause: whom its verb agrees with, and whether that verb has come yet."""

    subject: _Agr | None
    verb_seen: bool = False


class _Rules:
    """One left-to-right pass of the translation rules over a sentence of known words."""

    def __init__(self, words: Sequence[str]) -> None:
        self.words = list(words)
        self.out: list[
            tuple[str, int, str]
        ] = []  # (french token, source index, role for elision/contraction)
        self.dropped: list[int] = []
        self.clause_subject: _Agr | None = None
        self.clause_verb = False  # the main verb of the current clause has been read
        self.rel: _Relative | None = None
        self.pred_subject: _Agr | None = None  # what a predicate adjective or participle agrees with
        self.last_noun: _Agr | None = None  # the antecedent of "that" / "which"
        self.last_gender: dict[str, str] = {}  # number -> gender of the last noun: "it" / "they" refer to it
        self.expect: str | None = None  # "inf" after "can", "help_obj" / "help_inf" after "help"
        self.inf_subject: _Agr | None = None  # who does what an infinitive says (its reflexive agrees)
        self.adverbs: list[int] = []  # adverbs waiting for the verb they follow in French
        self.subjects: list[tuple[int, int]] = []

    # -- small helpers ---------------------------------------------------------------------------------
    def kind(self, i: int) -> str | None:
        return _LEXICON[self.words[i]][0] if 0 <= i < len(self.words) else None

    def entry(self, i: int) -> tuple[str, str, str]:
        return _LEXICON[self.words[i]]

    def emit(self, token: str, source: int, role: str = "") -> None:
        self.out.append((token, source, role))

    def pronoun_agr(self, word: str, table: dict, head: int = -1) -> _Agr:
        person, number, gender = table[word]
        return _Agr(person, number, gender or self.last_gender.get(number, "m"), head)

    def subject_of_verb(self, verb: int, default: _Agr) -> _Agr:
        """The subject finite verb `verb` agrees with; marks the clause (or relative clause) as having its verb."""
        if self.rel is not None and not self.rel.verb_seen:
            self.rel.verb_seen = True
            subject = self.rel.subject or default
        else:
            self.rel = None  # a second finite verb ends a relative clause: back to the main clause
            self.clause_verb = True
            subject = self.clause_subject or default
        if subject.head >= 0:
            self.subjects.append((verb, subject.head))
        return subject

    def noun_phrase_read(self, agr: _Agr, is_noun: bool = True) -> None:
        """Bookkeeping after a noun phrase: antecedent, subject, and the object of "help"."""
        if is_noun:
            self.last_noun = agr
            self.last_gender[agr.number] = agr.gender
        if self.rel is not None and not self.rel.verb_seen and self.rel.subject is None:
            self.rel.subject = agr  # "that the dog sees": the relative clause's own subject
        elif self.rel is None and not self.clause_verb and self.clause_subject is None:
            self.clause_subject = agr
        self.help_object(agr)

    def help_object(self, agr: _Agr) -> None:
        """After "help": its object is who does what the next infinitive says ("help the boy read")."""
        if self.expect == "help_obj":
            self.expect, self.inf_subject = "help_inf", agr
        else:
            self.expect = None

    def flush_adverbs(self) -> None:
        for k in self.adverbs:
            self.emit(ADVERBS[self.words[k]], k)
        self.adverbs = []

    # -- the pass ----------------------------------------------------------------------------------------
    def run(self) -> Translation:
        i = 0
        while i < len(self.words):
            kind = self.kind(i)
            if kind != "adv" and self.adverbs and kind not in ("verb", "cop", "modal"):
                self.flush_adverbs()
            i = getattr(self, f"_{kind}")(i)
        self.flush_adverbs()
        spelled = _spell(self.out, self.dropped)
        return Translation(spelled.tokens, spelled.alignment, spelled.dropped, tuple(self.subjects))

    def _det(self, i: int) -> int:
        return self._noun_phrase(i)

    def _adj(self, i: int) -> int:
        return self._noun_phrase(i)

    def _noun(self, i: int) -> int:
        return self._noun_phrase(i)

    def _noun_phrase(self, i: int) -> int:
        """[determiner] adjectives* noun → determiner noun adjectives (mirrored), all agreeing."""
        det = i if self.kind(i) == "det" else None
        j = i + 1 if det is not None else i
        while self.kind(j) == "adj":
            j += 1
        if self.kind(j) != "noun":  # no noun follows: the words stay in place
            for k in range(i, j):
                if self.kind(k) == "det":
                    self.emit(DETERMINERS[self.words[k]][0], k, "det")
                else:  # a predicate adjective ("is warm") agrees with its subject
                    agr = self.pred_subject or self.clause_subject or _DEFAULT
                    self.emit(ADJECTIVES[self.words[k]][agr.adj_slot], k)
            self.expect = None
            return j
        _, lemma, number = self.entry(j)
        noun = NOUNS[lemma]
        agr = _Agr(3, number, noun.gender, j)
        if det is not None:
            forms = DETERMINERS[self.words[det]]
            self.emit(forms[2] if number == "pl" else forms[agr.adj_slot], det, "det")
        self.emit(noun.fr_pl if number == "pl" else noun.fr_sg, j, "noun")
        for k in range(j - 1, det if det is not None else i - 1, -1):  # adjectives, mirrored
            self.emit(ADJECTIVES[self.words[k]][agr.adj_slot], k)
        self.noun_phrase_read(agr)
        return j + 1

    def _name(self, i: int) -> int:
        j = i
        while self.kind(j) == "name":
            self.emit(self.words[j], j, "noun")
            j += 1
        self.noun_phrase_read(_Agr(3, "sg", NAMES[self.words[i]], i))
        return j

    def _pron(self, i: int) -> int:
        word = self.words[i]
        if self.kind(i - 1) == "prep" or (word in ("you", "it") and self._takes_object(i - 1)):
            return self._obj(i)  # "with you", "sees it": an object, not a subject
        agr = self.pronoun_agr(word, SUBJECT_PRONOUNS, i)
        self.emit(_subject_pronoun(agr), i, "pron")
        self.noun_phrase_read(agr, is_noun=False)
        return i + 1

    def _obj(self, i: int) -> int:
        """An object pronoun not attached to a verb (after a preposition): the stressed form ("avec moi")."""
        table = OBJECT_PRONOUNS if self.words[i] in OBJECT_PRONOUNS else SUBJECT_PRONOUNS
        agr = self.pronoun_agr(self.words[i], table)
        self.emit(_stressed_pronoun(agr, self.words[i]), i)
        self.help_object(agr)
        return i + 1

    def _takes_object(self, i: int) -> bool:
        """Whether word i is a transitive verb (so a pronoun right after it is its object)."""
        return self.kind(i) == "verb" and VERBS[self.entry(i)[1]].transitive

    def _object_clitic(self, verb_index: int) -> tuple[int, _Agr, str] | None:
        """The object pronoun right after a transitive verb, if any: (index, agreement, French clitic)."""
        k = verb_index + 1
        if not self._takes_object(verb_index) or k >= len(self.words):
            return None
        word = self.words[k]
        if word not in OBJECT_PRONOUNS and word not in ("you", "it"):
            return None
        table = OBJECT_PRONOUNS if word in OBJECT_PRONOUNS else SUBJECT_PRONOUNS
        agr = self.pronoun_agr(word, table)
        if word == "you":
            clitic = "te"
        elif agr.person == 3:
            clitic = "les" if agr.number == "pl" else ("la" if agr.gender == "f" else "le")
        else:
            clitic = REFLEXIVE[agr.slot]  # me, nous
        return k, agr, clitic

    def _verb(self, i: int) -> int:
        _, lemma, form = self.entry(i)
        verb = VERBS[lemma]
        if form == "base" and self.expect in ("inf", "help_inf"):
            return self._infinitive(i, verb)
        default = _Agr(3, "sg" if form in ("3sg", "past") else "pl", "m")
        subject = self.subject_of_verb(i, default)
        self.pred_subject = subject
        clitic = self._object_clitic(i)
        if verb.pronominal:
            self.emit(REFLEXIVE[subject.slot], i, "clitic")
        if clitic is not None:
            self.emit(clitic[2], clitic[0], "clitic")
        if form == "past":
            aux = ETRE_PRESENT if verb.aux == "être" else AVOIR_PRESENT
            self.emit(aux[subject.slot], i)
            self.flush_adverbs()  # "a souvent sauté"
            if verb.aux == "être":
                agree = subject
            elif clitic is not None:  # a direct object before avoir: "les a vus", "l'a vue"
                agree = clitic[1]
            else:
                agree = _DEFAULT
            self.emit(_agree_participle(verb.participle, agree.gender, agree.number), i)
        else:
            self.emit(verb.present[subject.slot], i)
            self.flush_adverbs()  # "dort souvent"
        return self._after_verb(i, lemma, clitic)

    def _after_verb(self, i: int, lemma: str, clitic: tuple[int, _Agr, str] | None) -> int:
        """What comes after a verb: "help" waits for its object and infinitive; a clitic was read already."""
        self.expect = "help_obj" if lemma == "helps" else None
        if clitic is None:
            return i + 1
        self.help_object(clitic[1])
        return clitic[0] + 1

    def _infinitive(self, i: int, verb: Verb) -> int:
        """A base form after "can" (→ "dormir") or after "help someone" (→ "à lire")."""
        if self.expect == "help_inf":
            self.emit("à", i)
        self.flush_adverbs()
        clitic = self._object_clitic(i)
        if verb.pronominal:  # "peux-tu t'asseoir", "aide le chat à s'asseoir"
            subject = self.inf_subject or self.pred_subject or self.clause_subject or _DEFAULT
            self.emit(REFLEXIVE[subject.slot], i, "clitic")
        if clitic is not None:
            self.emit(clitic[2], clitic[0], "clitic")
        self.emit(verb.infinitive, i)
        self.inf_subject = None
        return self._after_verb(i, self.entry(i)[1], clitic)

    def _cop(self, i: int) -> int:
        """am / is / are / was / were → suis / est / sont / était / étaient, and what the predicate agrees with."""
        tense, person, number = COPULAS[self.words[i]]
        subject = self.subject_of_verb(i, _Agr(person, number, "m"))
        self.pred_subject = subject
        forms = ETRE_PRESENT if tense == "present" else ETRE_IMPERFECT
        self.emit(forms[subject.slot], i)
        self.flush_adverbs()
        self.expect = None
        # "is a student" → "est étudiant(e)": no article before a bare profession; it agrees with the subject
        k = i + 1
        if self.words[k : k + 1] in (["a"], ["an"]) and self.kind(k + 1) == "noun":
            _, lemma, number = self.entry(k + 1)
            if lemma in PROFESSIONS and number == "sg":
                self.dropped.append(k)
                self.emit(PROFESSIONS[lemma][_Agr(3, "sg", subject.gender).adj_slot], k + 1, "noun")
                self.noun_phrase_read(_Agr(3, "sg", NOUNS[lemma].gender))
                return k + 2
        if self.kind(k) == "noun":
            _, lemma, number = self.entry(k)
            if lemma in PROFESSIONS:
                self.emit(PROFESSIONS[lemma][_Agr(3, number, subject.gender).adj_slot], k, "noun")
                self.noun_phrase_read(_Agr(3, number, NOUNS[lemma].gender))
                return k + 1
        return i + 1

    def _part(self, i: int) -> int:
        agr = self.pred_subject or self.clause_subject or _DEFAULT
        self.emit(PARTICIPLES[self.words[i]][agr.adj_slot], i)
        return i + 1

    def _modal(self, i: int) -> int:
        """'can' → 'peut' + infinitive; at the start of a clause before a pronoun, inverted: "peux-tu"."""
        nxt = self.words[i + 1] if i + 1 < len(self.words) else None
        if (
            nxt in SUBJECT_PRONOUNS
            and self.clause_subject is None
            and not self.clause_verb
            and self.rel is None
        ):
            agr = self.pronoun_agr(nxt, SUBJECT_PRONOUNS, i + 1)
            self.subjects.append((i, i + 1))
            self.clause_subject, self.clause_verb, self.pred_subject = agr, True, agr
            self.emit(POUVOIR_INVERTED_JE if agr.slot == 0 else POUVOIR_PRESENT[agr.slot], i)
            self.emit("-" + _subject_pronoun(agr), i + 1, "pron")
            self.flush_adverbs()
            self.expect, self.inf_subject = "inf", agr
            return i + 2
        subject = self.subject_of_verb(i, _DEFAULT)
        self.pred_subject = subject
        self.emit(POUVOIR_PRESENT[subject.slot], i)
        self.flush_adverbs()
        self.expect, self.inf_subject = "inf", subject
        return i + 1

    def _rel(self, i: int) -> int:
        """The relative pronouns "that" / "which": "qui" before its verb (subject relative), "que" before its own subject."""
        if self.kind(i + 1) in ("verb", "cop", "modal", "adv"):
            self.emit("qui", i)
            self.rel = _Relative(self.last_noun)
        else:
            self.emit("que", i, "que")
            self.rel = _Relative(None)
        self.expect = None
        return i + 1

    def _prep(self, i: int) -> int:
        word = self.words[i]
        forms = PREPOSITIONS[word]
        for k, form in enumerate(forms):
            self.emit(form, i, form if k == len(forms) - 1 else "")
        self.expect = None
        if word == "next" and i + 1 < len(self.words) and self.words[i + 1] == "to":
            self.emit("de", i + 1, "de")
            return i + 2
        return i + 1

    def _adv(self, i: int) -> int:
        j = i
        while self.kind(j) == "adv":
            j += 1
        if self.kind(j) in ("verb", "cop", "modal"):  # the adverb follows the verb in French
            self.adverbs.append(i)
        else:
            self.emit(ADVERBS[self.words[i]], i)
        return i + 1

    def _conj(self, i: int) -> int:
        forms = CONJUNCTIONS[self.words[i]]
        for form in forms:
            self.emit(form, i, "que" if form == "que" else "")
        if self.kind(i + 1) in ("adj", "part") and self.kind(i + 2) != "noun":
            return i + 1  # "is happy and tired": the second adjective agrees with the same subject
        self.clause_subject, self.clause_verb, self.rel = None, False, None
        self.pred_subject, self.expect = None, None
        return i + 1

    def _punct(self, i: int) -> int:
        self.emit(self.words[i], i)
        if self.words[i] == ",":
            self.rel, self.expect = None, None  # a comma closes a relative clause
        return i + 1


def _subject_pronoun(agr: _Agr) -> str:
    """je, tu, il / elle, nous, ils / elles."""
    if agr.person == 3:
        if agr.number == "pl":
            return "elles" if agr.gender == "f" else "ils"
        return "elle" if agr.gender == "f" else "il"
    if agr.person == 2:
        return "tu"
    return "je" if agr.number == "sg" else "nous"


def _stressed_pronoun(agr: _Agr, word: str) -> str:
    """moi, toi, lui / elle, nous, eux / elles: a pronoun after a preposition."""
    if word == "you":
        return "toi"
    if agr.person == 3:
        if agr.number == "pl":
            return "elles" if agr.gender == "f" else "eux"
        return "elle" if agr.gender == "f" else "lui"
    return "moi" if agr.number == "sg" else "nous"


@dataclass
class _Token:
    """A French token being spelled: the word, the source token it renders, and its role."""

    word: str
    source: int
    role: str


def _spell(out: list[tuple[str, int, str]], dropped: list[int]) -> Translation:
    """French spelling: elision before a vowel ("l'oiseau", "j'ai"), then contraction ("du", "au", "aux")."""
    tokens = [_Token(*t) for t in out]
    dropped = list(dropped)
    # 1. elide le/la/je/me/te/se/que/puisque, and ce/ma/ta/sa → cet/mon/ton/son (not "de" yet: "de l'oiseau")
    for tok, nxt in itertools.pairwise(tokens):
        if not starts_with_vowel(nxt.word) or tok.word == "de":
            continue
        if tok.role == "det" and tok.word in BEFORE_VOWEL:
            tok.word = BEFORE_VOWEL[tok.word]
        elif tok.word in ELISIONS and (tok.role in ("det", "clitic", "pron", "que") or tok.word == "puisque"):
            tok.word = ELISIONS[tok.word]
    # 2. contract de/à with a following article le/les ("des" after "de" disappears: "à côté de chiens")
    merged: list[_Token] = []
    k = 0
    while k < len(tokens):
        tok = tokens[k]
        if tok.role in ("de", "à") and k + 1 < len(tokens) and tokens[k + 1].role == "det":
            article = tokens[k + 1]
            if (tok.word, article.word) in CONTRACTIONS:
                merged.append(_Token(CONTRACTIONS[(tok.word, article.word)], article.source, "det"))
                if tok.source not in [t.source for t in tokens if t is not tok]:
                    dropped.append(tok.source)  # the preposition has no word of its own left
                k += 2
                continue
            if tok.word == "de" and article.word == "des":
                merged.append(tok)
                dropped.append(article.source)
                k += 2
                continue
        merged.append(tok)
        k += 1
    # 3. elide "de" before a vowel ("d'un", "d'alice")
    for tok, nxt in itertools.pairwise(merged):
        if tok.word == "de" and starts_with_vowel(nxt.word):
            tok.word = ELISIONS["de"]
    return Translation([t.word for t in merged], [t.source for t in merged], tuple(sorted(set(dropped))))


def translate(tokens: Sequence[str]) -> Translation:
    """Translate known lower-case English words by the rules (any order of words, not only grammatical ones).

    Raises KeyError naming the first unknown word; check with `unknown_words` first.
    """
    for w in tokens:
        if w not in _LEXICON:
            raise KeyError(f"unknown word for the toy language: {w!r}")
    return _Rules(tokens).run()


# ---------------------------------------------------------------------------------------------------------
# Generating sentences (grammatical English; its French comes from `translate`)

_DETS, _ADJS, _NOUN_LIST = list(DETERMINERS), list(ADJECTIVES), list(NOUNS)
_VERB_LIST, _ADVS, _CONJS, _PARTS = list(VERBS), list(ADVERBS), list(CONJUNCTIONS), list(PARTICIPLES)
_SUBJECTS, _OBJECTS, _PROFESSIONS = list(SUBJECT_PRONOUNS), list(OBJECT_PRONOUNS), list(PROFESSIONS)
_TRANSITIVE = [v for v, e in VERBS.items() if e.transitive]
_WITH_PAST = [v for v, e in VERBS.items() if e.past]
_PREPS = [p for p in PREPOSITIONS if p != "to"] + ["to"]  # "next" is always followed by "to"
_NON_CLAUSAL_PREPS = [p for p in _PREPS if p not in ("before", "after")]
MAX_DEPTH = 2  # relative clauses nest this deep ("the cat that was sitting on the mat, which was ...")


def _noun_phrase(
    rng: random.Random, depth: int = 0, max_adjs: int = 3, rel_p: float = 0.0
) -> tuple[list[str], _Agr]:
    """determiner, adjectives, noun (a name now and then), maybe followed by a relative clause about it."""
    if rng.random() < 0.04:
        return list(rng.choice(NAME_PHRASES)), _Agr(3, "sg", "m")
    det = rng.choice(_DETS)
    if det in SINGULAR_ONLY:
        number = "sg"
    elif det in PLURAL_ONLY:
        number = "pl"
    else:
        number = rng.choice(["sg", "pl"])
    n_adj = rng.choices(range(max_adjs + 1), weights=[3, 3, 2, 2][: max_adjs + 1])[0]
    noun = rng.choice(_NOUN_LIST)
    words = [det, *rng.sample(_ADJS, n_adj), noun if number == "sg" else NOUNS[noun].plural]
    if det in ("a", "an"):  # "an old cat", "a european area"
        words[0] = "an" if words[1][0] in "aeiou" and not words[1].startswith("eu") else "a"
    agr = _Agr(3, number, NOUNS[noun].gender)
    if depth < MAX_DEPTH and rng.random() < rel_p:
        words += _relative_clause(rng, agr, depth + 1)
    return words, agr


def _prep_phrase(rng: random.Random, depth: int = MAX_DEPTH, rel_p: float = 0.0) -> list[str]:
    prep = rng.choice(_NON_CLAUSAL_PREPS if depth < MAX_DEPTH else _PREPS)
    head = ["next", "to"] if prep == "next" else [prep]
    if rng.random() < 0.05:
        return [*head, rng.choice(_OBJECTS)]  # "with me", "next to them"
    return head + _noun_phrase(rng, depth, max_adjs=2, rel_p=rel_p)[0]


def _copula(agr: _Agr, past: bool) -> str:
    if past:
        return "was" if agr.number == "sg" and agr.person != 2 else "were"
    if agr.number == "sg" and agr.person == 1:
        return "am"
    return "is" if agr.number == "sg" and agr.person == 3 else "are"


def _finite(verb: str, agr: _Agr, past: bool) -> str:
    if past:
        return VERBS[verb].past or VERBS[verb].base
    return verb if agr.number == "sg" and agr.person == 3 else VERBS[verb].base


def _object(rng: random.Random, depth: int, rel_p: float) -> list[str]:
    if rng.random() < 0.12:
        return [rng.choice(_OBJECTS)]
    return _noun_phrase(rng, depth, rel_p=rel_p)[0]


def _verb_phrase(rng: random.Random, agr: _Agr, depth: int, rel_p: float) -> list[str]:
    """A verb agreeing with `agr` (present or past) with its object, and maybe a place."""
    past = rng.random() < 0.45
    verb = rng.choice(_WITH_PAST if past else _VERB_LIST)
    words = [rng.choice(_ADVS)] if rng.random() < 0.15 else []
    words.append(_finite(verb, agr, past))
    if VERBS[verb].transitive:
        words += _object(rng, depth, rel_p)
    if rng.random() < (0.25 if VERBS[verb].transitive else 0.6):
        words += _prep_phrase(rng, MAX_DEPTH)
    return words


def _copula_phrase(rng: random.Random, agr: _Agr, depth: int, rel_p: float) -> list[str]:
    """was / is + an adjective, a state ("sitting on the mat"), a place ("next to the dog") or a profession."""
    words = [_copula(agr, past=rng.random() < 0.6)]
    pick = rng.random()
    if pick < 0.3:
        words.append(rng.choice(_ADJS))
    elif pick < 0.6:
        words.append(rng.choice(_PARTS))
        if rng.random() < 0.7:
            words += _prep_phrase(rng, depth, rel_p)
    elif pick < 0.85 or depth > 0:
        words += _prep_phrase(rng, depth, rel_p)
    else:
        profession = rng.choice(_PROFESSIONS)
        words += ["a", profession] if agr.number == "sg" else [NOUNS[profession].plural]
    return words


def _relative_clause(rng: random.Random, antecedent: _Agr, depth: int) -> list[str]:
    """A relative clause, "that ..." (restrictive) or ", which ... ," (set off by commas) with the antecedent as its subject."""
    rel_p = 0.35
    body = (
        _copula_phrase(rng, antecedent, depth, rel_p)
        if rng.random() < 0.6
        else _verb_phrase(rng, antecedent, MAX_DEPTH, 0.0)
    )
    if rng.random() < 0.5:
        return ["that" if rng.random() < 0.8 else "which", *body]
    return [",", "which", *body, ","]


def _subject(rng: random.Random) -> tuple[list[str], _Agr]:
    if rng.random() < 0.18:
        pronoun = rng.choice(_SUBJECTS)
        person, number, gender = SUBJECT_PRONOUNS[pronoun]
        return [pronoun], _Agr(person, number, gender or "m")
    return _noun_phrase(rng, 0, rel_p=0.3)


def sample_clause(rng: random.Random) -> list[str]:
    """One clause: a subject (maybe with a relative clause) and a predicate agreeing with it."""
    words, agr = _subject(rng)
    pick = rng.random()
    if pick < 0.6:
        words += _verb_phrase(rng, agr, 0, 0.12)
    elif pick < 0.85:
        words += _copula_phrase(rng, agr, 0, 0.2)
    elif pick < 0.93:  # "can" + infinitive
        verb = rng.choice(_VERB_LIST)
        words += ["can", VERBS[verb].base]
        if VERBS[verb].transitive:
            words += _object(rng, 0, 0.1)
        elif rng.random() < 0.5:
            words += _prep_phrase(rng)
    else:  # "help someone do something"
        words += [_finite("helps", agr, past=rng.random() < 0.4), *_object(rng, MAX_DEPTH, 0.0)]
        verb = rng.choice(_VERB_LIST)
        words.append(VERBS[verb].base)
        if VERBS[verb].transitive:
            words += _noun_phrase(rng, MAX_DEPTH, max_adjs=2)[0]
    return words


def sample_question(rng: random.Random) -> list[str]:
    """A question, "can you ... ?", with a pronoun subject: "can you help me translate this sentence ?"."""
    words = ["can", rng.choice(_SUBJECTS)]
    if rng.random() < 0.35:
        words += ["help", *_object(rng, MAX_DEPTH, 0.0)]
        verb = rng.choice(_TRANSITIVE)
        words += [VERBS[verb].base, *_noun_phrase(rng, MAX_DEPTH, max_adjs=2)[0]]
    else:
        verb = rng.choice(_VERB_LIST)
        words.append(VERBS[verb].base)
        if VERBS[verb].transitive:
            words += _object(rng, MAX_DEPTH, 0.0)
        if rng.random() < 0.4:
            words += _prep_phrase(rng)
    return words + (["?"] if rng.random() < 0.8 else [])


def _tidy(words: list[str]) -> list[str]:
    """One comma where two relative clauses end together; none at the very end or before "?"."""
    out: list[str] = []
    for w in words:
        if w in (",", "?") and out and out[-1] == ",":
            out.pop()
        out.append(w)
    while out and out[-1] == ",":
        out.pop()
    return out


def _sentence(rng: random.Random, target: int) -> list[str]:
    """Clauses joined by conjunctions until about `target` tokens (a clause that overshoots is redrawn)."""
    pick = rng.random()
    if target <= 16 and pick < 0.08:
        return _tidy(sample_question(rng))
    if target <= 16 and pick < 0.11:  # a noun phrase on its own, like a title: "the european economic area"
        return _tidy(_noun_phrase(rng, 0, rel_p=0.3)[0])
    for _ in range(6):
        words = sample_clause(rng)
        if len(words) <= target + 2:
            break
    while len(words) < target:
        for _ in range(6):
            clause = [rng.choice(_CONJS), *sample_clause(rng)]
            if len(words) + len(clause) <= target + 2:
                break
        words += clause
    return _tidy(words)


def sample_sentence(rng: random.Random, min_len: int = MIN_LEN, max_len: int = MAX_LEN) -> list[str]:
    """A sentence of clauses joined by conjunctions, its length spread evenly over [min_len, max_len]."""
    while True:
        target = rng.randint(min_len, max_len)
        words = _sentence(rng, target)
        if min_len <= len(words) <= min(max_len, target + 2):  # reject overshoots so short ones stay common
            return words


def sample_sentence_of_length(rng: random.Random, length: int, tries: int = 10_000) -> list[str]:
    """A sentence of exactly `length` tokens (for evaluating accuracy by length)."""
    if not MIN_LEN <= length <= MAX_LEN:
        raise ValueError(f"length must be in [{MIN_LEN}, {MAX_LEN}], got {length}")
    for _ in range(tries):
        words = _sentence(rng, length)
        if len(words) == length:
            return words
    raise RuntimeError(f"could not sample a sentence of length {length}")


@dataclass(frozen=True)
class Pair:
    """A source sentence, its reference translation and the alignment between them."""

    source: list[str]
    target: list[str]
    alignment: list[int]


def make_pair(source: list[str]) -> Pair:
    """Pair a source sentence with its reference translation."""
    ref = translate(source)
    return Pair(source, ref.tokens, ref.alignment)


def generate_pairs(n: int, seed: int, min_len: int = MIN_LEN, max_len: int = MAX_LEN) -> list[Pair]:
    """`n` seeded training pairs with lengths spread over [min_len, max_len]."""
    rng = random.Random(seed)
    return [make_pair(sample_sentence(rng, min_len, max_len)) for _ in range(n)]


def held_out_pairs(
    per_length: int, seed: int, exclude: set[str] | None = None, lengths: Sequence[int] | None = None
) -> list[Pair]:
    """`per_length` seeded sentences of every length, none of them in `exclude` (joined source strings)."""
    rng = random.Random(seed)
    exclude = exclude or set()
    pairs = []
    for length in lengths or range(MIN_LEN, MAX_LEN + 1):
        seen: set[str] = set()
        while len(seen) < per_length:
            words = sample_sentence_of_length(rng, length)
            key = " ".join(words)
            if key in exclude or key in seen:
                continue
            seen.add(key)
            pairs.append(make_pair(words))
    return pairs


# ---------------------------------------------------------------------------------------------------------
# The lectures' own sentences, and the examples users can pick


@dataclass(frozen=True)
class LectureSentence:
    """A sentence the lectures use, as they write it, and where."""

    text: str
    where: str


LECTURE_SENTENCES: tuple[LectureSentence, ...] = (
    LectureSentence(
        "The cat that was sitting on the mat, which was next to the dog, jumped.",
        "Lecture 1: why attention — the cat, not the dog, jumped (a long-range dependency)",
    ),
    LectureSentence(
        "Your journey starts with one step",
        "Lecture 2: the sentence every self-attention page computes on",
    ),
    LectureSentence(
        "The cat sat on the mat because it is warm",
        "Lecture 2: why trainable weights — “warm” should attend to “mat”",
    ),
    LectureSentence(
        "Can you help me translate this sentence?",
        "Lecture 1: word-by-word translation fails (the German and Hindi examples)",
    ),
    LectureSentence(
        "I am a student",
        "Lecture 1: the decoder's animation (“je suis étudiant”)",
    ),
    LectureSentence(
        "The European economic area",
        "Lecture 1: Bahdanau et al.'s alignment figure (“la zone économique européenne”)",
    ),
    LectureSentence(
        "Harry Potter went to the station",
        "Lecture 1: a sentence the network must remember (the transcript's “station 9 ¾”, without the number)",
    ),
)

EXAMPLE_SENTENCES: tuple[str, ...] = (
    # 1-10 keep their numbers: links (?rb_ex=10) and the lesson plan point at them
    "the cats sleep",
    "your journey starts with one step",
    "the european economic area opens a big market",
    "the small black cat sleeps under the old table",
    "a young doctor reads an old letter and the queen smiles",
    "the happy girls sing in the green garden and the tired dog often sleeps",
    "two white horses follow the slow river but the cold dog waits behind a big red car",
    "the beautiful red flowers fall on the street while three young boys play with a round red apple",
    "my old doctor buys some warm breads and his tired horse eats the green apples because the long journey "
    "starts after the big market",
    "the queen always watches the small blue boats on the quiet river while the king sleeps but the young "
    "painter sometimes sings a beautiful song in the old garden and her happy dog runs behind the big white "
    "house",
    # the lectures' own sentences that are not above
    *(s.text for s in LECTURE_SENTENCES if s.text.lower() not in ("your journey starts with one step",)),
)
LECTURE_EXAMPLES: tuple[int, ...] = tuple(  # indices into EXAMPLE_SENTENCES, in the lectures' order
    next(i for i, e in enumerate(EXAMPLE_SENTENCES) if e.lower() == s.text.lower()) for s in LECTURE_SENTENCES
)


@dataclass
class SourceText:
    """A user's sentence read for the toy language: known tokens, unknown words and suggestions."""

    words: list[str]  # every word token (and kept punctuation), lower-cased, in order
    known: list[str]  # the tokens the toy language knows (unknown ones dropped)
    unknown: list[str] = field(default_factory=list)  # distinct unknown words, in order of appearance
    suggestions: dict[str, list[str]] = field(default_factory=dict)
    dropped_punctuation: list[str] = field(default_factory=list)


def suggest(word: str, n: int = 3) -> list[str]:
    """Known words that look like `word` (closest first); may be empty."""
    return difflib.get_close_matches(word.lower(), SOURCE_WORDS, n=n, cutoff=0.6)


def unknown_words(tokens: Sequence[str]) -> list[str]:
    """Distinct tokens the toy language does not know, in order of appearance."""
    seen: list[str] = []
    for t in tokens:
        if t not in _LEXICON and t not in seen:
            seen.append(t)
    return seen


def read_source(text: str, max_tokens: int = MAX_LEN) -> SourceText:
    """Lower-case and tokenise `text`; keep commas and "?", split off other punctuation and unknown words."""
    words, punctuation = [], []
    for token in tokenize(text.lower()):
        if token in PUNCTUATION or any(ch.isalnum() for ch in token):
            words.append(token)
        else:
            punctuation.append(token)
    unknown = unknown_words(words)
    known = [w for w in words if w in _LEXICON][:max_tokens]
    return SourceText(words, known, unknown, {w: suggest(w) for w in unknown}, punctuation)


def is_known(word: str) -> bool:
    """Whether the toy language has this (lower-case) English word form."""
    return word in _LEXICON


def word_kind(word: str) -> str:
    """The kind of a known word: one of `KINDS` ('det', 'adj', 'noun', 'verb', 'cop', 'rel', 'punct', ...)."""
    return _LEXICON[word][0]


def word_form(word: str) -> str:
    """For a verb: '3sg', 'base' or 'past'; for a noun: 'sg' or 'pl'; '' otherwise."""
    return _LEXICON[word][2]

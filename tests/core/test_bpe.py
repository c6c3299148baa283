"""The offline GPT-2 tokenizer: the book's token ids, the vocabulary file tiktoken itself pins, clear failures."""

from __future__ import annotations

import importlib.util
import inspect
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attention_core import bpe

BOOK_TEXT = "Hello, do you like tea? <|endoftext|> In the sunlit terracesof someunknownPlace."
BOOK_IDS = [
    15496,
    11,
    466,
    345,
    588,
    8887,
    30,
    220,
    50256,
    554,
    262,
    4252,
    18250,
    8812,
    2114,
    1659,
    617,
    34680,
    27271,
    13,
]


@pytest.fixture(scope="module")
def tok() -> bpe.Gpt2Tokenizer:
    return bpe.gpt2_tokenizer()


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        (BOOK_TEXT, BOOK_IDS),  # chapter 2, with its <|endoftext|> and the missing space before "of"
        ("Akwirw ier", [33901, 86, 343, 86, 220, 959]),  # chapter 2's unknown-word example
        ("Every effort moves you", [6109, 3626, 6100, 345]),  # chapter 4's batch
        ("Every day holds a", [6109, 1110, 6622, 257]),
        ("Hello, I am", [15496, 11, 314, 716]),  # chapter 4's start context
    ],
)
def test_the_books_token_ids(tok: bpe.Gpt2Tokenizer, text: str, ids: list[int]) -> None:
    assert tok.encode(text) == ids
    assert tok.decode(ids) == text


def test_the_vocabulary_is_the_file_tiktoken_pins_for_gpt2(tok: bpe.Gpt2Tokenizer) -> None:
    """tiktoken's own source names the SHA-256 it expects of r50k_base.tiktoken (GPT-2's ranks)."""
    from tiktoken_ext import openai_public

    source = inspect.getsource(openai_public.r50k_base)
    pinned = re.search(r'expected_hash="([0-9a-f]{64})"', source)
    assert pinned is not None
    assert pinned.group(1) == bpe.GPT2_VOCAB_SHA256
    assert "r50k_pat_str" in inspect.getsource(openai_public.gpt2)  # gpt2 uses the r50k pattern, as we do
    assert tok.encoding.n_vocab == 50257 and tok.encoding.eot_token == 50256
    assert len(bpe.read_ranks(Path(tok.path).read_bytes())) == 50256


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80))
def test_any_text_round_trips_and_labels_cover_its_bytes(text: str) -> None:
    tok = bpe.gpt2_tokenizer()
    ids = tok.encode(text)
    assert tok.decode(ids) == text
    assert b"".join(tok.token_bytes(i) for i in ids) == text.encode("utf-8")
    labels = [tok.label(i) for i in ids]
    assert all(label and " " not in label and "\n" not in label for label in labels)


def test_labels_show_spaces_newlines_and_split_characters(tok: bpe.Gpt2Tokenizer) -> None:
    ids = tok.encode(" cat\n🐍")
    assert [tok.label(i) for i in ids][:2] == ["␣cat", "↵"]
    assert any("\\x" in tok.label(i) for i in ids[2:])  # the snake's 4 bytes span several tokens


def test_missing_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.delenv(bpe.ENV_VOCAB, raising=False)
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "whisper" else real(name, *a)
    )
    problem = bpe.availability()
    assert problem is not None and "pip install --no-deps openai-whisper==20250625" in problem
    with pytest.raises(bpe.TokenizerUnavailableError, match="not installed"):
        bpe.vocabulary_path()


def test_a_wrong_vocabulary_file_is_refused(tmp_path: Path, tok: bpe.Gpt2Tokenizer) -> None:
    data = Path(tok.path).read_bytes()
    with pytest.raises(bpe.TokenizerUnavailableError, match="not GPT-2's"):
        bpe.read_ranks(data[:-20])  # a truncated copy
    with pytest.raises(bpe.TokenizerUnavailableError, match="not GPT-2's"):
        bpe.read_ranks(data.replace(b"IQ== 0", b"IQ== 9", 1))  # one rank changed


def test_env_override_must_be_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(bpe.ENV_VOCAB, str(tmp_path / "missing.tiktoken"))
    with pytest.raises(bpe.TokenizerUnavailableError, match="not a file"):
        bpe.vocabulary_path()

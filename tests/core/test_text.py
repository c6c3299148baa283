"""Typed text becomes bounded tokens; bad input gives notices, never an exception."""

from __future__ import annotations

import pytest

from attention_core.text import (
    DEFAULT_SENTENCE,
    MAX_CHARS,
    MAX_TOKENS,
    escape_markdown,
    prepare_text,
    tokenize,
)


def test_tokenize_words_and_punctuation() -> None:
    assert tokenize("Hello, world! It's 2026.") == ["Hello", ",", "world", "!", "It's", "2026", "."]


@pytest.mark.parametrize("text", ["", "   ", "\n\t ", None])
def test_empty_text_falls_back_to_default(text: str | None) -> None:
    prepared = prepare_text(text)
    assert prepared.used_default
    assert prepared.tokens == tokenize(DEFAULT_SENTENCE)
    assert any("empty" in n for n in prepared.notices)


def test_single_token_notice() -> None:
    prepared = prepare_text("attention")
    assert prepared.tokens == ["attention"]
    assert any("one token" in n.lower() for n in prepared.notices)


def test_too_many_tokens_truncated_with_notice() -> None:
    prepared = prepare_text(" ".join(f"w{i}" for i in range(100)))
    assert len(prepared.tokens) == MAX_TOKENS
    assert prepared.tokens[-1] == f"w{MAX_TOKENS - 1}"
    assert any("100 tokens" in n for n in prepared.notices)


def test_ten_thousand_characters() -> None:
    text = "a" * 10_000
    prepared = prepare_text(text)
    assert prepared.tokens == ["a" * MAX_CHARS]
    assert any("10,000 characters" in n for n in prepared.notices)


def test_emoji_cjk_rtl_keep_tokens() -> None:
    prepared = prepare_text("I 😀 猫 שלום")
    assert prepared.tokens == ["I", "😀", "猫", "שלום"]
    assert prepared.notices == []


def test_zero_width_and_control_characters_dropped() -> None:
    prepared = prepare_text("a\u200bb\x07 c")
    assert prepared.tokens == ["ab", "c"]
    assert any("invisible" in n for n in prepared.notices)


def test_combining_characters_composed() -> None:
    assert prepare_text("cafe\u0301").tokens == ["café"]


def test_html_stays_as_literal_tokens() -> None:
    tokens = prepare_text("<script>alert(1)</script>").tokens
    assert tokens[:3] == ["<", "script", ">"]


@pytest.mark.parametrize("text", ["**bold**", "<b>x</b>", "$x^2$", "[link](http://a)", "# head", "`code`"])
def test_escape_markdown_neutralises_specials(text: str) -> None:
    escaped = escape_markdown(text)
    for ch in "*<$[#`":
        assert f"\\{ch}" in escaped or ch not in text

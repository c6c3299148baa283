"""Turn whatever a user types into a bounded list of tokens, with friendly notices.

Nothing here renders text: callers show tokens as plain text (or escaped, see `escape_markdown`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

DEFAULT_SENTENCE = "Your journey starts with one step"
MAX_CHARS = 2_000  # characters read from the box; the box itself keeps everything typed
MAX_TOKENS = 64  # tokens shown on the self-attention pages

_TOKEN_RE = re.compile(r"\w+(?:['’]\w+)*|[^\w\s]", re.UNICODE)
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!|>~<$&:])")


@dataclass
class PreparedText:
    """The tokens a page works on, and what was changed on the way (one message each)."""

    tokens: list[str]
    notices: list[str] = field(default_factory=list)
    used_default: bool = False


def tokenize(text: str) -> list[str]:
    """Split text into words and single punctuation marks: 'Hi, you!' -> ['Hi', ',', 'you', '!']."""
    return _TOKEN_RE.findall(text)


def clean_text(text: str) -> tuple[str, list[str]]:
    """NFC-normalise and drop invisible/control characters; returns (text, notices)."""
    notices: list[str] = []
    text = unicodedata.normalize("NFC", text)
    kept = []
    dropped = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in "\n\t" or cat not in ("Cc", "Cf", "Co", "Cs"):
            kept.append(ch)
        else:
            dropped += 1
    if dropped:
        notices.append(f"Ignored {dropped} invisible or control character{'s' * (dropped != 1)}.")
    return "".join(kept), notices


def bound_text(text: str | None, max_chars: int = MAX_CHARS) -> tuple[str, list[str]]:
    """Cut text to `max_chars` and clean it (see `clean_text`); returns (text, notices)."""
    raw = text or ""
    notices: list[str] = []
    if len(raw) > max_chars:
        notices.append(f"The text has {len(raw):,} characters; only the first {max_chars:,} are used here.")
        raw = raw[:max_chars]
    raw, clean_notices = clean_text(raw)
    return raw, notices + clean_notices


def prepare_text(
    text: str | None,
    max_tokens: int = MAX_TOKENS,
    max_chars: int = MAX_CHARS,
    default: str = DEFAULT_SENTENCE,
) -> PreparedText:
    """Bound and tokenise user text; empty input falls back to `default` with a notice."""
    raw, notices = bound_text(text, max_chars)
    tokens = tokenize(raw)
    if not tokens:
        msg = "The sentence box is empty" if not raw.strip() else "The text has no words or punctuation"
        notices.append(f"{msg}: showing the default sentence “{default}”. Type a sentence to use your own.")
        return PreparedText(tokenize(default), notices, used_default=True)
    if len(tokens) > max_tokens:
        notices.append(
            f"The text has {len(tokens)} tokens; this page shows the first {max_tokens} so the matrices stay "
            "readable."
        )
        tokens = tokens[:max_tokens]
    if len(tokens) == 1:
        notices.append(
            "Only one token: it can attend only to itself, so its weight is 1. Add more words to see attention "
            "spread."
        )
    return PreparedText(tokens, notices)


def escape_markdown(text: str) -> str:
    """Escape Markdown, HTML and LaTeX specials so text shows literally in `st.markdown`."""
    return _MARKDOWN_SPECIALS.sub(r"\\\1", text).replace("\n", " ")

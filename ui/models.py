"""The pretrained models, loaded once per server process and shared by every page and session (read-only)."""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st

from attention_core import pretrained as pt
from attention_core.text import escape_markdown
from ui.notices import add_notice
from ui.sentence import bounded_text


@st.cache_resource(show_spinner=False)
def registry() -> dict[str, Any]:
    """One per server process: loaded models, load errors, and a lock so a model loads once."""
    return {"lock": threading.Lock(), "models": {}, "errors": {}}


def loaded_model(key: str) -> pt.LoadedModel | None:
    """The model, loaded once per server (with a visible status the first time); None if unavailable.

    The model is shared by every session: read it, never change it (pass an extra mask per call instead).
    """
    reg = registry()
    if key in reg["models"]:
        return reg["models"][key]
    spec = pt.MODELS[key]
    if key not in reg["errors"]:
        with st.status(f"Loading {spec.name} ...", expanded=True) as status:
            with reg["lock"]:
                if key not in reg["models"]:
                    try:
                        reg["models"][key] = pt.load_model(key, progress=status.write)
                    except pt.ModelUnavailableError as exc:
                        reg["errors"][key] = str(exc)
            if key in reg["models"]:
                status.update(label=f"{spec.name} is loaded.", state="complete", expanded=False)
            else:
                status.update(label=f"{spec.name} could not be loaded.", state="error", expanded=False)
    if key in reg["errors"]:
        st.error(escape_markdown(reg["errors"][key]), icon=":material/error:")
        return None
    return reg["models"][key]


def model_text(limit_chars: int = pt.MAX_TEXT_CHARS) -> str:
    """The shared sentence for a real model: cleaned, bounded to the models' character limit."""
    return bounded_text(limit_chars)


def model_ids(loaded: pt.LoadedModel, text: str, max_tokens: int) -> tuple[Any, list[str], int]:
    """(1, T) token ids of the text (at most `max_tokens`), their display labels, and the whole text's count.

    A cut is noticed at the top of the page; a text with one token is explained.
    """
    import torch

    total = pt.count_tokens(loaded, text)
    enc = loaded.tokenizer(text, truncation=True, max_length=max_tokens, add_special_tokens=True)
    ids = list(enc["input_ids"]) or [loaded.tokenizer.eos_token_id or 0]
    if total > len(ids):
        add_notice(
            f"The text has {total:,} tokens for {loaded.spec.name}; this page runs the first {len(ids)} so every "
            "window and head stays readable."
        )
    if len(ids) == 1:
        add_notice(
            f"The text is only one token for {loaded.spec.name}: it can attend only to itself (weight 1). Add "
            "more words to see windows and sinks at work."
        )
    labels = [pt.display_token(t) for t in loaded.tokenizer.convert_ids_to_tokens(ids)]
    return torch.tensor([ids]), labels, max(total, len(ids))

"""The pretrained models, loaded once per server process and shared by every page and session (read-only)."""

from __future__ import annotations

import threading
from typing import Any

import streamlit as st

from attention_core import pretrained as pt
from attention_core.text import escape_markdown


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

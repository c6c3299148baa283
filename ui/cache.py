"""`shared_cache`: st.cache_resource for computed page values, made safe to share between sessions.

Every session's script runs in its own thread, and `st.cache_resource` hands all of them the *same* object.
Values cached with `shared_cache` are frozen once when they are computed (Plotly figures become
`FrozenFigure`s, numpy arrays read-only views, tensors and data frames private copies), and each call returns
its own copy of the containers, tensors and data frames around them, so no session can change — or catch
plotly changing — what another session reads. Figures stay frozen in the returned value: `show_figure` thaws
them. Models (nn.Module and the like) are not page values: cache them with `st.cache_resource`, use them
read-only.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st
import torch

from attention_core.figures.frozen import FrozenFigure, freeze

F = TypeVar("F", bound=Callable[..., Any])


def _map(value: Any, leaf: Callable[[Any], Any]) -> Any:
    """Rebuild dicts, lists, tuples, sets and dataclass instances around `leaf(x)` for every other value."""
    if isinstance(value, FrozenFigure):
        return value  # immutable already
    if isinstance(value, dict):
        return {k: _map(v, leaf) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = [_map(v, leaf) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else type(value)(items)  # namedtuples too
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        clone = copy.copy(value)
        for f in dataclasses.fields(value):
            object.__setattr__(clone, f.name, _map(getattr(value, f.name), leaf))
        return clone
    return leaf(value)


def _freeze_leaf(value: Any) -> Any:
    if isinstance(value, go.Figure):
        return freeze(value)
    if isinstance(value, np.ndarray):
        view = value.view()
        view.setflags(write=False)
        return view
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, pd.DataFrame):
        return value.copy()
    return value


def _copy_leaf(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        return value.clone()
    if isinstance(value, pd.DataFrame):
        return value.copy()
    return value  # FrozenFigure, read-only arrays, str, numbers: immutable


def frozen_value(value: Any) -> Any:
    """The value as it is stored for every session: figures frozen, arrays read-only, tensors private."""
    return _map(value, _freeze_leaf)


def private_copy(value: Any) -> Any:
    """One caller's copy of a stored value: new containers, tensors and frames; frozen leaves shared."""
    return _map(value, _copy_leaf)


def shared_cache(
    *, max_entries: int | None = None, ttl: float | None = None, show_spinner: bool | str = False
) -> Callable[[F], F]:
    """Like `st.cache_resource(...)`, for values computed from the arguments and shared by every session."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)  # keeps the name, source and signature Streamlit keys the cache with
        def build(*args: Any, **kwargs: Any) -> Any:
            return frozen_value(fn(*args, **kwargs))

        cached = st.cache_resource(max_entries=max_entries, ttl=ttl, show_spinner=show_spinner)(build)

        @functools.wraps(fn)
        def call(*args: Any, **kwargs: Any) -> Any:
            return private_copy(cached(*args, **kwargs))

        call.clear = cached.clear  # type: ignore[attr-defined]
        return call  # type: ignore[return-value]

    return decorate


__all__ = ["FrozenFigure", "frozen_value", "private_copy", "shared_cache"]

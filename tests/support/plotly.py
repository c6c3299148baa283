"""Decode Plotly figures as Streamlit sends them (plotly >= 6 packs arrays as base64 'bdata')."""

from __future__ import annotations

import base64
import json
from typing import Any

import numpy as np


def decode(value: Any) -> Any:
    """A Plotly JSON value as numpy when it is a packed typed array, else unchanged."""
    if isinstance(value, dict) and "bdata" in value and "dtype" in value:
        arr = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        shape = value.get("shape")
        if shape:
            dims = [int(s) for s in str(shape).split(",")] if isinstance(shape, str) else list(shape)
            arr = arr.reshape(dims)
        return arr
    return value


def figure_dict(fig_or_spec: Any) -> dict:
    """A figure (go.Figure, JSON string or dict) as a plain dict with typed arrays decoded."""
    if hasattr(fig_or_spec, "to_json"):
        spec = json.loads(fig_or_spec.to_json())
    elif isinstance(fig_or_spec, str):
        spec = json.loads(fig_or_spec)
    else:
        spec = fig_or_spec
    for trace in spec.get("data", []):
        for key, value in list(trace.items()):
            trace[key] = decode(value)
    return spec


def chart_specs(at: Any) -> dict[str, dict]:
    """All plotly charts of an AppTest run, keyed by their widget key (or position), decoded."""
    specs = {}
    for i, el in enumerate(at.get("plotly_chart")):
        key = getattr(el.proto, "id", "") or str(i)
        spec = figure_dict(el.proto.spec)
        specs[_short_key(key, i)] = spec
    return specs


def _short_key(element_id: str, index: int) -> str:
    """Streamlit element ids look like '$$ID-<hash>-<user key>'; fall back to the index."""
    if element_id.startswith("$$ID-") and element_id.count("-") >= 2:
        return element_id.split("-", 2)[2]
    return element_id or str(index)


def first_z(spec: dict) -> np.ndarray:
    """The z matrix of the first heatmap trace in a decoded figure."""
    for trace in spec["data"]:
        if trace.get("type") == "heatmap":
            return np.asarray(trace["z"], dtype=float)
    raise AssertionError("no heatmap trace in figure")

"""Checks on a Plotly figure's subplot geometry: every axis domain inside [0, 1] and ordered."""

from __future__ import annotations

from typing import Any


def axis_domains(fig: Any) -> dict[str, tuple[float, float]]:
    """{axis name: (start, end)} for every x/y axis of a figure's layout that sets a domain."""
    layout = fig.layout.to_plotly_json() if hasattr(fig, "layout") else fig["layout"]
    out = {}
    for name, axis in layout.items():
        is_axis = name.startswith(("xaxis", "yaxis")) and isinstance(axis, dict)
        if is_axis and axis.get("domain") is not None:
            start, end = axis["domain"]
            out[name] = (float(start), float(end))
    return out


def assert_valid_domains(fig: Any) -> None:
    """Every domain lies in [0, 1] with start <= end (what Plotly's validator demands, and a bit more)."""
    for name, (start, end) in axis_domains(fig).items():
        assert 0.0 <= start <= end <= 1.0, f"{name} domain {start, end}"

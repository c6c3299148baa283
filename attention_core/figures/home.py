"""The home page timeline: recurrence to transformers."""

from __future__ import annotations

import plotly.graph_objects as go

from attention_core.figures.common import FONT
from attention_core.figures.palette import TIMELINE_COLORS, TIMELINE_LINE

MILESTONES = (
    (1986, "RNN", "Recurrent networks carry one hidden state from word to word."),
    (1997, "LSTM", "Gated memory keeps information for longer, but still in one vector."),
    (2014, "Bahdanau attention", "The decoder looks back at every encoder state while translating."),
    (2017, "Transformer", "Attention alone, no recurrence: 'Attention Is All You Need'."),
)


def timeline_figure() -> go.Figure:
    """A horizontal timeline of the four milestones, with hover descriptions."""
    years = [m[0] for m in MILESTONES]
    fig = go.Figure()
    fig.add_scatter(
        x=[1980, 2020],
        y=[0, 0],
        mode="lines",
        line={"color": TIMELINE_LINE, "width": 3},
        hoverinfo="skip",
        showlegend=False,
    )
    fig.add_scatter(
        x=years,
        y=[0] * len(years),
        mode="markers+text",
        marker={"size": 22, "color": TIMELINE_COLORS},
        text=[f"<b>{name}</b><br>{year if year != 1986 else '1980s'}" for year, name, _ in MILESTONES],
        textposition=["top center", "bottom center", "top center", "bottom center"],
        hovertext=[desc for *_, desc in MILESTONES],
        hoverinfo="text",
        showlegend=False,
    )
    fig.update_layout(
        height=230, font=FONT, margin={"l": 10, "r": 10, "t": 10, "b": 10}, plot_bgcolor="rgba(0,0,0,0)"
    )
    fig.update_xaxes(visible=False, range=[1978, 2022])
    fig.update_yaxes(visible=False, range=[-1.2, 1.2])
    return fig

"""Figure builders: arrays and labels in, `plotly.graph_objects.Figure` out (never Streamlit)."""

from attention_core.figures.common import heatmap, plot_label, weight_bars

__all__ = ["heatmap", "plot_label", "weight_bars"]

"""Figure builders: arrays and labels in, `plotly.graph_objects.Figure` out (never Streamlit).

One module per lecture (simplified, trainable, causal, multihead, translation, transformer, home), the shared
builders (`common`: heatmap and bars; `grid`: heatmap grids and their named styles), one `palette`, and the
page `export`s.
"""

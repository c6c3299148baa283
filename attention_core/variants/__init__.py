"""Attention as today's LLMs use it: grouped-query heads, KV-cache sizes, sliding windows, positions, sinks.

One module per idea, built on the book's vocabulary (`W_query`, `attn_scores`, `attn_weights`, `context_vec`):

- `gqa`: GroupedQueryAttention (query heads share key/value heads), checked against PyTorch's own attention;
- `kv_cache`: the KV-cache memory of real model configurations;
- `windows`: sliding-window masks, their receptive field over stacked layers, windows on SmolLM2;
- `positions`: no positions, learned absolute, sinusoidal and rotary (RoPE) positions;
- `sinks`: how much attention lands on the first token, and the window-cache experiment.
"""

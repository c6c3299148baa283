"""Pure compute for Attention Explorer: attention maths, models and figure builders (no Streamlit)."""

from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS, embed_tokens
from attention_core.simplified import (
    attn_scores_for_query,
    attn_scores_for_query_loop,
    attn_scores_loop,
    attn_scores_matmul,
    context_vector,
    normalize_by_sum,
    simplified_self_attention,
    softmax_naive,
    softmax_stable,
)
from attention_core.text import DEFAULT_SENTENCE, MAX_TOKENS, PreparedText, prepare_text, tokenize

__all__ = [
    "BOOK_INPUTS",
    "BOOK_TOKENS",
    "DEFAULT_SENTENCE",
    "MAX_TOKENS",
    "PreparedText",
    "attn_scores_for_query",
    "attn_scores_for_query_loop",
    "attn_scores_loop",
    "attn_scores_matmul",
    "context_vector",
    "embed_tokens",
    "normalize_by_sum",
    "prepare_text",
    "simplified_self_attention",
    "softmax_naive",
    "softmax_stable",
    "tokenize",
]

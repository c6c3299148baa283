"""Pure compute for Attention Explorer: attention maths, models, page views and figure builders (no Streamlit).

Along the lecture arc: `simplified` (3.3, no weights), `modules` (the book's nn.Modules, 3.4-3.6), `builders`
(those modules with the book's seeds), `stepwise` (every intermediate as tensors), `references` (PyTorch's own
attention on the same weights), `views` (one typed, frozen result per lesson page), `translation` (the toy
RNN / Bahdanau translators), `pretrained` (MiniLM and SmolLM2), and `figures`. Shared: `text`, `embeddings`.

The public API for notebooks (see the README's "Use it as a library"):

- ``show(attn_weights, tokens, view=...)``: the app's heatmap, head view or model view of (T, T),
  (heads, T, T) or (layers, heads, T, T) weights, as a Plotly figure;
- ``attention_weights(module, inputs)``: the weights of the book's attention classes or a GPTModel;
- ``transformers_attention(model, tokenizer, text)``: the weights of a Hugging Face transformers model;
- ``GPTModel``, ``GPTConfig``, ``load_gpt(config, weights)``, ``gpt2_tokenizer()``: the book's GPT architecture,
  a safe checkpoint loader and the GPT-2 BPE tokenizer, offline;
- the book's chapter-3 classes ``SelfAttention_v1`` ... ``MultiHeadAttention``, returning (context, weights).
"""

from attention_core.api import attention_weights, load_gpt, show, transformers_attention
from attention_core.bpe import gpt2_tokenizer
from attention_core.embeddings import BOOK_INPUTS, BOOK_TOKENS, embed_tokens
from attention_core.gpt import GPTConfig, GPTModel
from attention_core.modules import (
    CausalAttention,
    MultiHeadAttention,
    MultiHeadAttentionWrapper,
    SelfAttention_v1,
    SelfAttention_v2,
)
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

__version__ = "0.1.0"

__all__ = [
    "BOOK_INPUTS",
    "BOOK_TOKENS",
    "DEFAULT_SENTENCE",
    "MAX_TOKENS",
    "CausalAttention",
    "GPTConfig",
    "GPTModel",
    "MultiHeadAttention",
    "MultiHeadAttentionWrapper",
    "PreparedText",
    "SelfAttention_v1",
    "SelfAttention_v2",
    "__version__",
    "attention_weights",
    "attn_scores_for_query",
    "attn_scores_for_query_loop",
    "attn_scores_loop",
    "attn_scores_matmul",
    "context_vector",
    "embed_tokens",
    "gpt2_tokenizer",
    "load_gpt",
    "normalize_by_sum",
    "prepare_text",
    "show",
    "simplified_self_attention",
    "softmax_naive",
    "softmax_stable",
    "tokenize",
    "transformers_attention",
]

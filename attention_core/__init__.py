"""Pure compute for Attention Explorer: attention maths, models, page views and figure builders (no Streamlit).

Along the lecture arc: `simplified` (3.3, no weights), `modules` (the book's nn.Modules, 3.4-3.6), `builders`
(those modules with the book's seeds), `stepwise` (every intermediate as tensors), `references` (PyTorch's own
attention on the same weights), `views` (one typed, frozen result per lesson page), `translation` (the toy
RNN / Bahdanau translators), `pretrained` (MiniLM and SmolLM2), and `figures`. Shared: `text`, `embeddings`.
"""

"""The page registry: one entry per page in lecture order; app.py and the home page map read it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    """One page of the lecture arc."""

    path: str  # script under the repo root
    title: str
    icon: str  # a Material icon (no emoji font needed)
    url_path: str
    section: str
    summary: str  # one line for the home page map


# Only pages that work are registered here.
PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "app_pages/home.py",
        "Why attention",
        ":material/home:",
        "home",
        "Start",
        "The problem attention solves, its history, and this map.",
    ),
    PageInfo(
        "app_pages/teach.py",
        "Teach with this app",
        ":material/school:",
        "teach",
        "Start",
        "A 45-minute lesson plan: the order, questions to ask, and links to prepared views.",
    ),
    PageInfo(
        "app_pages/rnn_bottleneck.py",
        "The RNN bottleneck",
        ":material/compress:",
        "rnn_bottleneck",
        "Before self-attention",
        "A GRU translator squeezes each sentence into one vector; watch long sentences fail.",
    ),
    PageInfo(
        "app_pages/bahdanau.py",
        "Bahdanau attention",
        ":material/translate:",
        "bahdanau",
        "Before self-attention",
        "The decoder looks back at every source word: learned alignments and long sentences that hold up.",
    ),
    PageInfo(
        "app_pages/simplified.py",
        "Simplified self-attention",
        ":material/scatter_plot:",
        "simplified",
        "Self-attention",
        "Dot-product scores, softmax and context vectors, with no trainable weights.",
    ),
    PageInfo(
        "app_pages/trainable.py",
        "Trainable weights",
        ":material/tune:",
        "trainable",
        "Self-attention",
        "Queries, keys and values from seeded weight matrices; why scores are divided by √d_k.",
    ),
    PageInfo(
        "app_pages/causal.py",
        "Causal attention",
        ":material/visibility_off:",
        "causal",
        "Self-attention",
        "Hide the future: two equal ways to mask, dropout on the weights, what each token can see.",
    ),
    PageInfo(
        "app_pages/multihead.py",
        "Multi-head attention",
        ":material/view_column:",
        "multihead",
        "Self-attention",
        "Heads side by side: split, attend, concatenate, project; heads on and off; a check against PyTorch.",
    ),
    PageInfo(
        "app_pages/transformer.py",
        "Inside a real transformer",
        ":material/hub:",
        "transformer",
        "Real models",
        "Attention in pretrained MiniLM and SmolLM2, layer by layer and head by head, up to 512 tokens.",
    ),
    PageInfo(
        "app_pages/own_model.py",
        "Your own GPT",
        ":material/upload_file:",
        "own_model",
        "Real models",
        "Load a checkpoint of the book's GPTModel (safetensors or .pth) and see its attention on your text.",
    ),
)

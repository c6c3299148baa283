"""The page registry: one entry per page, in lecture order, holding everything the app knows about it.

app.py builds the navigation from it, the home page its cards and its map, the Teach page its lesson plan, and
the generic test suites (URL restore, bad input, faults, keys) cover every page registered here. Adding a page
is one `PageInfo` entry (see docs/adding-a-page.md); prepared views are built from the page's key constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app_pages import (
    bahdanau,
    causal,
    generate,
    gqa,
    learn,
    multihead,
    own_model,
    positions,
    rnn_bottleneck,
    simplified,
    sliding_window,
    trainable,
    transformer,
)
from attention_core.text import DEFAULT_SENTENCE
from ui.lesson import STEP_KEY
from ui.present import PRESENT_KEY
from ui.sentence import TEXT_KEY

PRESENT: Mapping[str, str] = {PRESENT_KEY: "1"}  # a prepared view in presentation mode, at step 1


def at_step(step: int, **settings: str) -> dict[str, str]:
    """URL parameters of a prepared view in presentation mode at `step`, with the given settings."""
    return {PRESENT_KEY: "1", STEP_KEY: str(step), **settings}


@dataclass(frozen=True)
class PreparedView:
    """A link on the Teach page that opens its page with these URL parameters."""

    label: str
    params: Mapping[str, str]

    @property
    def link_params(self) -> dict[str, str]:
        """The link's whole view: its sentence (the default one unless `params` sets it) and its settings.

        Settings the link leaves out open at their defaults (a link is a complete view, see ui/url.py).
        """
        return {TEXT_KEY: DEFAULT_SENTENCE, **self.params}


@dataclass(frozen=True)
class LessonStop:
    """The page's stop in the lesson plan: how long, why, what to ask, and prepared views."""

    minutes: int
    goal: str
    questions: tuple[str, ...]
    views: tuple[PreparedView, ...] = ()


@dataclass(frozen=True)
class PageInfo:
    """One page of the lecture arc."""

    path: str  # script under the repo root
    title: str
    icon: str  # a Material icon (no emoji font needed)
    url_path: str  # the file's stem (app_pages/causal.py -> "causal"), see docs/adding-a-page.md
    section: str
    summary: str  # one line for the home page's map
    plan: LessonStop | None = None  # the Teach page's stop; every page in the lesson needs one
    card: str | None = None  # a card under "kinds of attention" on the home page (titled with `title`)
    in_lesson: bool = True  # False only for pages about the app itself (Teach)


# Only pages that work are registered here.
PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "app_pages/home.py",
        "Why attention",
        ":material/home:",
        "home",
        "Start",
        "The problem attention solves, its history, and this map.",
        plan=LessonStop(
            3,
            "Motivate: why one fixed-size memory fails on long sentences.",
            (
                "In 'The cat that was sitting on the mat, which was next to the dog, jumped', who jumped? "
                "How many words lie between the subject and its verb?",
            ),
        ),
    ),
    PageInfo(
        "app_pages/teach.py",
        "Teach with this app",
        ":material/school:",
        "teach",
        "Start",
        "A lesson plan: the order, questions to ask, and links to prepared views.",
        in_lesson=False,
    ),
    PageInfo(
        "app_pages/rnn_bottleneck.py",
        "The RNN bottleneck",
        ":material/compress:",
        "rnn_bottleneck",
        "Before self-attention",
        "A GRU translator squeezes each sentence into one vector; watch long sentences fail.",
        plan=LessonStop(
            5,
            "See the bottleneck: the decoder gets only the encoder's final hidden state.",
            (
                "Watch the hidden state while the encoder reads: which words still leave a trace at the end?",
                "Why does accuracy fall as sentences get longer?",
            ),
            (
                PreparedView("Step through the encoder", PRESENT),
                PreparedView(
                    "A 39-word sentence: watch the final state fail", {rnn_bottleneck.EXAMPLE_KEY: "10"}
                ),
            ),
        ),
    ),
    PageInfo(
        "app_pages/bahdanau.py",
        "Bahdanau attention",
        ":material/translate:",
        "bahdanau",
        "Before self-attention",
        "The decoder looks back at every source word: learned alignments and long sentences that hold up.",
        plan=LessonStop(
            6,
            "Dynamic focus: at each output word the decoder chooses which source words to look at.",
            (
                "Where does the heatmap leave the diagonal? Which rule of the toy language causes that?",
                "How is this different from self-attention, where a sentence looks at itself?",
            ),
            (
                PreparedView("Alignment heatmap, presented", PRESENT),
                PreparedView(
                    "The reordering case ('european economic area')", at_step(bahdanau.REORDER_STEP)
                ),
            ),
        ),
    ),
    PageInfo(
        "app_pages/simplified.py",
        "Simplified self-attention",
        ":material/scatter_plot:",
        "simplified",
        "Self-attention",
        "Dot-product scores, softmax and context vectors, with no trainable weights.",
        plan=LessonStop(
            8,
            "Attention without learned weights: dot products, softmax, weighted sum.",
            (
                "Before revealing step 2: which word should 'journey' attend to most, and why?",
                "Why not just divide the scores by their sum? (Try the extreme-score demo.)",
                "The context vector lies inside the cloud of inputs — why must it?",
            ),
            (
                PreparedView("Book example, query “journey”, step by step", PRESENT),
                PreparedView("The overflow demo", at_step(3, **{simplified.DEMO_KEY: "1, 2, 3, 1000"})),
                PreparedView(
                    "Repeated words: 'the cat sat on the mat'",
                    {TEXT_KEY: "the cat sat on the mat", **at_step(6)},
                ),
            ),
        ),
        card="Each token scores every token by a dot product, turns the scores into weights with softmax, "
        "and mixes all tokens into a context vector. No learned parameters yet.",
    ),
    PageInfo(
        "app_pages/trainable.py",
        "Trainable weights",
        ":material/tune:",
        "trainable",
        "Self-attention",
        "Queries, keys and values from seeded weight matrices; why scores are divided by √d_k.",
        plan=LessonStop(
            8,
            "Queries, keys and values: three learned projections, and why scores are divided by √d_k.",
            (
                "Why do we need separate query and key matrices instead of one?",
                "What happens to the softmax when d_k grows and we do not scale?",
            ),
            (
                PreparedView("Book construction, seed 123", PRESENT),
                PreparedView("Why √d_k: the saturation demo", at_step(6)),
                PreparedView("The same page without the scaling", {trainable.SCALE_KEY: "0"}),
            ),
        ),
        card="Three learned matrices project each token into a query, a key and a value. Scores compare "
        "queries with keys, scaled by √d_k; the weights mix values.",
    ),
    PageInfo(
        "app_pages/causal.py",
        "Causal attention",
        ":material/visibility_off:",
        "causal",
        "Self-attention",
        "Hide the future: two equal ways to mask, dropout on the weights, what each token can see.",
        plan=LessonStop(
            6,
            "A language model must not see the future: the causal mask, and dropout.",
            (
                "Which cells must be zero for token 3? Check the 'what each token can see' view.",
                "Why are both masking methods equal — and why is −∞ before softmax the cheaper one?",
            ),
            (
                PreparedView("Mask on, dropout off", PRESENT),
                PreparedView("Dropout p = 0.5, as in the book", at_step(4, **{causal.DROPOUT_KEY: "1"})),
            ),
        ),
        card="A language model may not peek at the future: a mask hides every later token, and dropout "
        "randomly removes weights while training.",
    ),
    PageInfo(
        "app_pages/multihead.py",
        "Multi-head attention",
        ":material/view_column:",
        "multihead",
        "Self-attention",
        "Heads side by side: split, attend, concatenate, project; heads on and off; a check against PyTorch.",
        plan=LessonStop(
            6,
            "Several heads side by side, concatenated and projected: what GPT-style models stack.",
            (
                "Switch one head off: which part of the output changes?",
                "Why must d_out be divisible by the number of heads?",
            ),
            (
                PreparedView("Two causal heads, the book's setting", PRESENT),
                PreparedView(
                    "Four heads with head 2 switched off",
                    {multihead.D_OUT_KEY: "4", multihead.HEADS_KEY: "4", multihead.head_key(2): "0"},
                ),
            ),
        ),
        card="Several causal heads run side by side on smaller slices, then their outputs are concatenated "
        "and projected. GPT-style models stack dozens of these.",
    ),
    PageInfo(
        "app_pages/transformer.py",
        "Inside a real transformer",
        ":material/hub:",
        "transformer",
        "Real models",
        "Attention in pretrained MiniLM and SmolLM2, layer by layer and head by head, up to 512 tokens.",
        plan=LessonStop(
            3,
            "The same mechanism inside a real pretrained model, layer by layer and head by head.",
            (
                "Find a head that attends to the previous token. Find one that attends to punctuation.",
                "Why is the decoder's pattern triangular and the encoder's not?",
            ),
            (PreparedView("The decoder's triangle: SmolLM2", {transformer.MODEL_KEY: "smollm2"}),),
        ),
    ),
    PageInfo(
        "app_pages/generate.py",
        "Generating text",
        ":material/edit_note:",
        "generate",
        "Real models",
        "SmolLM2 writes one token at a time: each new token attends to all before it; the KV cache, measured.",
        plan=LessonStop(
            4,
            "Causal attention at work: a decoder writes token by token and keeps a KV cache.",
            (
                "Why does each new token only need its own query, but everyone's keys and values?",
                "Raise the temperature: which candidates gain, and why does greedy never change?",
            ),
            (
                PreparedView("One token at a time", PRESENT),
                PreparedView(
                    "Sampling, hot",
                    {generate.STRATEGY_KEY: "sample", generate.TEMP_KEY: "1.5", generate.SEED_KEY: "7"},
                ),
            ),
        ),
    ),
    PageInfo(
        "app_pages/own_model.py",
        "Your own GPT",
        ":material/upload_file:",
        "own_model",
        "Real models",
        "Load a checkpoint of the book's GPTModel (safetensors or .pth) and see its attention on your text.",
        plan=LessonStop(
            3,
            "The same views on a GPT the students trained themselves (chapters 4-5), or on the tiny demo.",
            (
                "In the model view, which heads look mostly at the previous token? Which at the first one?",
                "Why is every square a lower triangle, whatever the checkpoint?",
            ),
            (
                PreparedView(
                    "The demo's layer 2, head 3",
                    at_step(4, **{own_model.LAYER_KEY: "2", own_model.HEAD_KEY: "3"}),
                ),
            ),
        ),
    ),
    PageInfo(
        "app_pages/learn.py",
        "Watch attention learn",
        ":material/model_training:",
        "learn",
        "Beyond chapter 3",
        "Train a tiny attention model live: the verb finds its subject, and induction heads form.",
        plan=LessonStop(
            5,
            "Attention is learned: training turns a flat row into one that finds the subject.",
            (
                "Before pressing Play: at step 0, which word does the verb attend to most?",
                "Why does the model without attention fail more often as the subject moves away from its verb?",
                "Without position embeddings, what can a single causal head still tell apart?",
            ),
            (
                PreparedView("The verb's row, step by step", at_step(2)),
                PreparedView(
                    "Induction heads: the phase change", at_step(2, **{learn.TASK_KEY: "induction"})
                ),
            ),
        ),
    ),
    # Today's LLMs (issue 16)
    PageInfo(
        "app_pages/gqa.py",
        "Grouped-query attention",
        ":material/group_work:",
        "gqa",
        "Today's LLMs",
        "Query heads share key/value heads (GQA, MQA), checked against PyTorch; the KV cache of real models.",
        plan=LessonStop(
            5,
            "Today's models let several query heads share one key/value head: a smaller cache, the same idea.",
            (
                "With one key/value head for four query heads, how can the four heatmaps still differ?",
                "Why does the cache, not the weights, decide how long a context fits in memory?",
            ),
            (
                PreparedView("Multi-query: one key/value head for all", {**PRESENT, gqa.GROUPS_KEY: "1"}),
                PreparedView("The KV cache of real models", at_step(4)),
            ),
        ),
    ),
    PageInfo(
        "app_pages/sliding_window.py",
        "Sliding-window attention",
        ":material/view_week:",
        "sliding_window",
        "Today's LLMs",
        "Each token sees only its last W keys; stacked layers see further; SmolLM2 under a window.",
        plan=LessonStop(
            4,
            "A window keeps attention cheap on long texts, and stacked layers still reach far back.",
            (
                "With a window of 2, how far back can the last token reach after four layers?",
                "SmolLM2 was trained without a window: how small can one be before its guess changes?",
            ),
            (
                PreparedView(
                    "A window of 2 over four layers",
                    at_step(2, **{sliding_window.WINDOW_KEY: "2", sliding_window.LAYERS_KEY: "4"}),
                ),
                PreparedView(
                    "SmolLM2 under a window of 2", at_step(3, **{sliding_window.LLM_WINDOW_KEY: "2"})
                ),
            ),
        ),
    ),
    PageInfo(
        "app_pages/positions.py",
        "Positions and RoPE",
        ":material/rotate_right:",
        "positions",
        "Today's LLMs",
        "Without positions order is invisible; learned, sinusoidal and rotary positions; SmolLM2's RoPE.",
        plan=LessonStop(
            5,
            "Attention alone cannot see word order; rotary positions add it through relative offsets.",
            (
                "Shuffle the sentence: why do the weight rows just move with their tokens?",
                "Move both the query and the key one place on: why does their RoPE score stay the same?",
            ),
            (
                PreparedView("Order is invisible without positions", PRESENT),
                PreparedView(
                    "Rotary positions break the symmetry", at_step(2, **{positions.SCHEME_KEY: "rope"})
                ),
                PreparedView("RoPE scores depend only on the offset", at_step(5)),
            ),
        ),
    ),
    PageInfo(
        "app_pages/sinks.py",
        "Attention sinks",
        ":material/anchor:",
        "sinks",
        "Today's LLMs",
        "Heads park attention on the first token (SmolLM2) or [CLS]/[SEP] (MiniLM); "
        "drop it from a cache and the loss jumps.",
        plan=LessonStop(
            4,
            "Many heads park their attention on the first token; a cache that drops it breaks the model.",
            (
                "A softmax row must sum to 1: where can a head put its weight when nothing is relevant?",
                "Why do four kept first tokens bring the loss almost back to the full model's?",
            ),
            (
                PreparedView("SmolLM2's first token", PRESENT),
                PreparedView("Drop the sinks and the loss jumps", at_step(3)),
            ),
        ),
    ),
)

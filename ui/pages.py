"""The page registry: one entry per page, in lecture order, holding everything the app knows about it.

app.py builds the navigation from it, the home page its cards and its map, the Teach page its lesson plan, and
the generic test suites (URL restore, bad input, faults, keys) cover every page registered here. Adding a page
is one `PageInfo` entry (see docs/adding-a-page.md); prepared views are built from the page's key constants.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from app_pages import causal, generate, multihead, own_model, simplified, trainable, transformer
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
                # TODO(issue 13, after i12a): the page's example key as a constant of app_pages/rnn_bottleneck.py
                PreparedView("A 39-word sentence: watch the final state fail", {"rb_ex": "10"}),
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
                PreparedView("The reordering case ('european economic area')", at_step(3)),
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
)

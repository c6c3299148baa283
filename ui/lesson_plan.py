"""The 45-minute lesson plan: for each page, the time, the goal, questions to ask, and prepared views."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class PlanStep:
    """One stop of the lecture: a page, how long, why, what to ask, and links that open prepared views."""

    url_path: str
    minutes: int
    goal: str
    questions: tuple[str, ...]
    views: tuple[tuple[str, dict[str, str]], ...] = field(default_factory=tuple)


LESSON_PLAN: tuple[PlanStep, ...] = (
    PlanStep(
        "home",
        3,
        "Motivate: why one fixed-size memory fails on long sentences.",
        (
            "In 'The cat that was sitting on the mat, which was next to the dog, jumped', who jumped? "
            "How many words lie between the subject and its verb?",
        ),
    ),
    PlanStep(
        "rnn_bottleneck",
        5,
        "See the bottleneck: the decoder gets only the encoder's final hidden state.",
        (
            "Watch the hidden state while the encoder reads: which words still leave a trace at the end?",
            "Why does accuracy fall as sentences get longer?",
        ),
        (
            ("Step through the encoder", {"present": "1"}),
            ("A 39-word sentence: watch the final state fail", {"rb_ex": "10"}),
        ),
    ),
    PlanStep(
        "bahdanau",
        6,
        "Dynamic focus: at each output word the decoder chooses which source words to look at.",
        (
            "Where does the heatmap leave the diagonal? Which rule of the toy language causes that?",
            "How is this different from self-attention, where a sentence looks at itself?",
        ),
        (
            ("Alignment heatmap, presented", {"present": "1"}),
            ("The reordering case ('european economic area')", {"present": "1", "step": "3"}),
        ),
    ),
    PlanStep(
        "simplified",
        8,
        "Attention without learned weights: dot products, softmax, weighted sum.",
        (
            "Before revealing step 2: which word should 'journey' attend to most, and why?",
            "Why not just divide the scores by their sum? (Try the extreme-score demo.)",
            "The context vector lies inside the cloud of inputs — why must it?",
        ),
        (
            ("Book example, query “journey”, step by step", {"present": "1"}),
            ("The overflow demo", {"present": "1", "step": "3", "demo": "1, 2, 3, 1000"}),
            (
                "Repeated words: 'the cat sat on the mat'",
                {"text": "the cat sat on the mat", "present": "1", "step": "6"},
            ),
        ),
    ),
    PlanStep(
        "trainable",
        8,
        "Queries, keys and values: three learned projections, and why scores are divided by √d_k.",
        (
            "Why do we need separate query and key matrices instead of one?",
            "What happens to the softmax when d_k grows and we do not scale?",
        ),
        (
            ("Book construction, seed 123", {"present": "1"}),
            ("Why √d_k: the saturation demo", {"present": "1", "step": "6"}),
            ("The same page without the scaling", {"tw_scale": "0"}),
        ),
    ),
    PlanStep(
        "causal",
        6,
        "A language model must not see the future: the causal mask, and dropout.",
        (
            "Which cells must be zero for token 3? Check the 'what each token can see' view.",
            "Why are both masking methods equal — and why is −∞ before softmax the cheaper one?",
        ),
        (
            ("Mask on, dropout off", {"present": "1"}),
            ("Dropout p = 0.5, as in the book", {"present": "1", "ca_drop": "1", "step": "4"}),
        ),
    ),
    PlanStep(
        "multihead",
        6,
        "Several heads side by side, concatenated and projected: what GPT-style models stack.",
        (
            "Switch one head off: which part of the output changes?",
            "Why must d_out be divisible by the number of heads?",
        ),
        (
            ("Two causal heads, the book's setting", {"present": "1"}),
            ("Four heads with head 2 switched off", {"mh_dout": "4", "mh_heads": "4", "mh_h2": "0"}),
        ),
    ),
    PlanStep(
        "transformer",
        3,
        "The same mechanism inside a real pretrained model, layer by layer and head by head.",
        (
            "Find a head that attends to the previous token. Find one that attends to punctuation.",
            "Why is the decoder's pattern triangular and the encoder's not?",
        ),
        (("The decoder's triangle: SmolLM2", {"tf_model": "smollm2"}),),
    ),
)

"""The one colour palette of every figure: colour scales, accents and the Okabe-Ito series colours."""

from __future__ import annotations

COLORSCALE = "Viridis"  # weights and other values >= 0: perceptually uniform, colour-blind safe
DIVERGING = "RdBu"  # signed matrices (weights, projections), centred on zero
ACCENT = "#c2410c"  # the query token, the selected head, the final state
MUTED = "#64748b"  # secondary marks: reference lines, other inputs
BAR = "#3e4989"  # ordinary bars (Viridis' dark blue)
INK = "#334155"  # text written on grey cells
CONTEXT_COLOR = "#111111"  # the context vector in 3-D
HIDDEN_COLOR = "#cbd5e1"  # masked / dropped cells: light grey, clearly "not a value"
OFF_SCALE = [[0.0, "#f1f5f9"], [1.0, MUTED]]  # a switched-off head is drawn in greys
# Okabe-Ito, colour-blind safe, for series that need one colour each (heads, steps of a sum)
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
BLUE, ORANGE, SKY = OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[4]
HEAD_COLORS = list(OKABE_ITO)  # head i's frame in the multi-head pipeline
STEP_COLORS = [*OKABE_ITO[:5], OKABE_ITO[6], "#999999"]  # the weighted inputs added tip to tail
ERROR_RED = "#d62728"  # a naive result that became nan / inf
# the "what each token can see" grid: hidden, visible, the token itself
VISIBILITY_SCALE = [
    [0.0, "#e2e8f0"],
    [0.33, "#e2e8f0"],
    [0.34, "#93c5fd"],
    [0.66, "#93c5fd"],
    [0.67, ACCENT],
    [1, ACCENT],
]
TIMELINE_COLORS = [BAR, "#31688e", "#35b779", ACCENT]  # Viridis steps, the transformer in the accent
TIMELINE_LINE = "#94a3b8"

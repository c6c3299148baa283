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
# Chart text on the chart's own background (tick labels, axis and colour-bar titles, legend titles, 3-D axis
# labels), set on every drawn figure by figures.theme.with_axis_text: 7.6:1 on white. Streamlit's template draws
# it in #808495, 3.7:1 on white, below WCAG AA's 4.5:1.
AXIS_TEXT = "#475569"

# The dark theme (.streamlit/config.toml [theme.dark]): figures keep their light-theme colours above and are
# recoloured when drawn on a dark page (attention_core.figures.theme.for_dark). Every swap keeps a mark's role:
# the accent stays the accent, ink stays ink on its grey cells, the "nothing here" greys stay the quietest marks.
DARK_BACKGROUND = "#0e1117"
LIGHT_BACKGROUND = "#ffffff"
ACCENT_ON_DARK = "#fb923c"  # 8.4:1 on the dark background (ACCENT there is 3.7:1)
DARK_SWAPS: dict[str, str] = {
    ACCENT: ACCENT_ON_DARK,
    MUTED: "#94a3b8",  # 7.4:1 on dark (MUTED is 4.0:1): reference lines and muted labels
    BAR: "#6d8fd6",  # Viridis' dark blue, lightened: 2.3:1 on dark before
    INK: "#e2e8f0",  # text on the grey cells below, which turn dark
    HIDDEN_COLOR: "#334155",  # masked / dropped / unread: a dark grey, still "not a value"
    CONTEXT_COLOR: "#f8fafc",  # the context vector in 3-D: black on black before
    "#f1f5f9": "#1e293b",  # the light end of OFF_SCALE
    "#e2e8f0": "#334155",  # hidden cells of VISIBILITY_SCALE
    "#000000": "#e5e7eb",  # Okabe-Ito's black series
    AXIS_TEXT: "#a3acbd",  # chart text on the dark background
}

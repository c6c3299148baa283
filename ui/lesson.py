"""Step-by-step reveal: in presentation mode a lesson page shows one step at a time (step number in the URL).

In presentation mode the step bar is one compact row (Previous · step heading · Next) and each step is a *stage*:
two columns, the step's text on the left and its figures on the right, so at 1280x720 the figure is on screen
without scrolling whatever the step writes before it (ui.figures.show_figure places figures in the figure
column; a stage without a figure gives the text the full width, see ui/present.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextvars import ContextVar

import streamlit as st
from streamlit.delta_generator import DeltaGenerator
from streamlit.delta_generator_singletons import context_dg_stack

from ui.layout import step_header
from ui.present import is_presenting
from ui.url import claim_value, seed_value
from ui.widgets import parse_int

STEP_KEY = "step"  # the lesson step, in the URL; page-scoped: forgotten when the user switches page
PREV_KEY, NEXT_KEY = "lesson_prev", "lesson_next"  # the step buttons
NAV_KEY = "lesson_nav"  # the step bar's container (presentation mode)
STAGE_KEY = "lesson_stage"  # the current step's two columns (presentation mode)
STAGE_TEXT_KEY, STAGE_FIGURE_KEY = "lesson_stage_text", "lesson_stage_figure"

# (text column, figure column) of the open stage. Per script thread; a stage is valid only while its text column
# is on this run's container stack (Streamlit resets that stack at every run, so a stale stage is ignored).
_STAGE: ContextVar[tuple[DeltaGenerator, DeltaGenerator] | None] = ContextVar("lesson_stage", default=None)


class Lesson:
    """The ordered steps of a lesson page; `show(i)` says whether step i is on screen in this run."""

    def __init__(self, steps: Sequence[str]) -> None:
        self.steps = list(steps)
        self.presenting = is_presenting()
        n = len(self.steps)
        seed_value(STEP_KEY, 1, parse_int(1, n), "Lesson step")
        st.session_state[STEP_KEY] = min(max(int(st.session_state[STEP_KEY]), 1), n)
        self.current = int(st.session_state[STEP_KEY]) if self.presenting else 1
        # outside presentation mode all steps show and the URL carries no step
        claim_value(STEP_KEY, self.current, 1, str)
        self._title_slot: DeltaGenerator | None = None
        close_stage()

    def nav_ui(self) -> None:
        """Previous / next buttons around the step's heading, in one row (presentation mode only)."""
        if not self.presenting:
            return
        n = len(self.steps)
        with st.container(key=NAV_KEY):
            left, middle, right = st.columns([2, 9, 2], vertical_alignment="center", gap="small")
        left.button(
            "Previous",
            icon=":material/arrow_back:",
            key=PREV_KEY,
            disabled=self.current <= 1,
            on_click=_go,
            args=(self.current - 1,),
            shortcut="Left",
            width="stretch",
        )
        self._title_slot = middle.empty()  # header() writes the step's heading here
        self._title_slot.markdown(f"**Step {self.current} of {n}** · {self.steps[self.current - 1]}")
        right.button(
            "Next",
            icon=":material/arrow_forward:",
            key=NEXT_KEY,
            disabled=self.current >= n,
            on_click=_go,
            args=(self.current + 1,),
            shortcut="Right",
            width="stretch",
            type="primary",
        )

    def show(self, number: int) -> bool:
        """Whether step `number` (1-based) is drawn: always outside presentation mode, else only the current."""
        return not self.presenting or number == self.current

    def header(self, number: int) -> None:
        """The numbered heading of a step; in presentation mode it goes into the step bar and opens the stage."""
        if not self.presenting:
            step_header(number, self.steps[number - 1])
            return
        heading = f"Step {number} · {self.steps[number - 1]}"  # the same words as outside presentation
        (self._title_slot or st).subheader(heading)
        open_stage()


def open_stage() -> None:
    """Open the current step's stage: what the page writes next goes to the text column (main flow only)."""
    close_stage()
    stack = context_dg_stack.get()
    if len(stack) != 1:  # inside a page's own container or column: leave its layout alone
        return
    with st.container(key=STAGE_KEY):
        text, figure = st.columns([1, 2], gap="medium")  # cells of 4-decimal numbers need the width
    text_col = text.container(key=STAGE_TEXT_KEY)
    figure_col = figure.container(key=STAGE_FIGURE_KEY)
    context_dg_stack.set((*stack, text_col))
    _STAGE.set((text_col, figure_col))


def stage_columns() -> tuple[DeltaGenerator, DeltaGenerator] | None:
    """(text column, figure column) of the open stage, or None outside a stage."""
    stage = _STAGE.get()
    if stage is None or not any(dg is stage[0] for dg in context_dg_stack.get()):
        return None
    return stage


def stage_figure_column() -> DeltaGenerator | None:
    """Where a figure placed in the page's main flow goes: the open stage's figure column (None outside a
    stage, or inside a container or column of the page's own, whose layout is left alone)."""
    stage = stage_columns()
    if stage is None or context_dg_stack.get()[-1] is not stage[0]:
        return None
    return stage[1]


def figure_tabs(
    labels: Sequence[str], key: str, layout: Callable[[], Sequence[DeltaGenerator | None]] | None = None
) -> list[DeltaGenerator | None]:
    """Where a step's several figures go: in presentation mode one tab each, so each is wholly on screen (in the
    stage's figure column, or where the page is writing when the step has no stage; the tab bar is keyed
    `key`); otherwise the page's own `layout()` (e.g. its columns), or None each (show_figure places them in
    the main flow as usual)."""
    if not is_presenting():
        return list(layout()) if layout is not None else [None] * len(labels)
    column = stage_figure_column()
    with (column if column is not None else st.container()).container(key=key):
        return list(st.tabs(list(labels)))


def figure_tab_blocks(labels: Sequence[str], key: str) -> list[DeltaGenerator]:
    """figure_tabs for steps that write more than a figure in each part: tabs in presentation mode, else one
    container each in the main flow (the page's layout unchanged)."""
    blocks = figure_tabs(labels, key, lambda: [st.container() for _ in labels])
    return [b if b is not None else st.container() for b in blocks]


def close_stage() -> None:
    """Return the main flow to the page body (at the next step or a new lesson)."""
    stage = _STAGE.get()
    if stage is None:
        return
    _STAGE.set(None)
    stack = context_dg_stack.get()
    if stack and stack[-1] is stage[0]:
        context_dg_stack.set(stack[:-1])


def _go(step: int) -> None:
    st.session_state[STEP_KEY] = step

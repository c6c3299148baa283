"""Step-by-step reveal: in presentation mode a lesson page shows one step at a time (step number in the URL)."""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ui.layout import step_header
from ui.present import is_presenting
from ui.url import claim_value, seed_value
from ui.widgets import parse_int

STEP_KEY = "step"  # the lesson step, in the URL; page-scoped: forgotten when the user switches page
PREV_KEY, NEXT_KEY = "lesson_prev", "lesson_next"  # the step buttons


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

    def nav_ui(self) -> None:
        """Previous / next buttons and the step title (presentation mode only)."""
        if not self.presenting:
            return
        n = len(self.steps)
        left, middle, right = st.columns([3, 6, 3], vertical_alignment="center")
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
        middle.markdown(f"**Step {self.current} of {n}** · {self.steps[self.current - 1]}")
        middle.progress(self.current / n)
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
        """The numbered heading of a step."""
        step_header(number, self.steps[number - 1])


def _go(step: int) -> None:
    st.session_state[STEP_KEY] = step

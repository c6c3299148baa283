"""Where pages used to import URL state and widgets from, before ui/state.py was split by job (issue 13).

New code imports from the module that does the job: `ui.widgets` (URL-backed widgets), `ui.notices` (notices),
`ui.url` (seeding and claiming), `ui.run` (the life of a rerun). These names stay importable from here so that
pages written on branches before the split keep working after a merge; remove this module once none is left.
"""

from __future__ import annotations

from ui.lesson import STEP_KEY
from ui.notices import add_notice, notices
from ui.present import PRESENT_KEY
from ui.run import figures, register_figure
from ui.url import RESERVED_PARAMS, claim_value, claimed_params, seed_value
from ui.widgets import (
    parse_int,
    url_float_slider,
    url_selectbox,
    url_slider,
    url_text,
    url_toggle,
    url_token_select,
)

__all__ = [
    "PRESENT_KEY",
    "RESERVED_PARAMS",
    "STEP_KEY",
    "add_notice",
    "claim_value",
    "claimed_params",
    "figures",
    "notices",
    "parse_int",
    "register_figure",
    "seed_value",
    "url_float_slider",
    "url_selectbox",
    "url_slider",
    "url_text",
    "url_toggle",
    "url_token_select",
]

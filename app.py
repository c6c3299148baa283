"""Attention Explorer: the frame around every page (config, navigation, shared sidebar, URL state)."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from ui import run
from ui.errors import page_errors
from ui.lesson import STEP_KEY
from ui.notices import notices
from ui.pages import PAGES
from ui.present import is_presenting, presentation_toggle_ui
from ui.sentence import TEXT_KEY, sentence_box_ui
from ui.share import share_and_export_ui
from ui.theme import theme_watcher

st.set_page_config(
    page_title="Attention Explorer",
    # sent inlined as a data: URL; a Material icon here makes the browser fetch its SVG from fonts.gstatic.com
    page_icon=Path(__file__).parent / "ui" / "favicon.svg",
    layout="wide",
)  # the sidebar's state is set below, once presentation mode is known

sections: dict[str, list[st.Page]] = {}
for i, info in enumerate(PAGES):
    sections.setdefault(info.section, []).append(
        st.Page(info.path, title=info.title, icon=info.icon, url_path=info.url_path, default=i == 0)
    )

page = st.navigation(sections)
run.begin_run(page.url_path, page_scoped=(STEP_KEY,))  # see ui/run.py: the life of a rerun
theme_watcher()  # reruns once when the reader switches the theme, so the charts follow it

with st.sidebar:
    sentence_box_ui()
    presentation_toggle_ui()
    tools = st.container()
# Presentation mode starts with the sidebar folded away (its expand control stays in the top-left corner);
# a sidebar the user opened or closed by hand keeps that choice (Streamlit remembers it in the browser).
st.set_page_config(initial_sidebar_state="collapsed" if is_presenting() else "expanded")

notice_area = st.container()
with page_errors(
    page.url_path, page.title, notice_area, dict(st.query_params), st.session_state.get(TEXT_KEY)
):
    page.run()
with tools, page_errors(page.url_path, page.title, notice_area, {}, None):
    share_and_export_ui(page.url_path, page.title)
run.end_run()
with notice_area:
    for message in notices():
        st.warning(message, icon=":material/info:")

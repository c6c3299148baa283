"""Teach with this app: a lesson plan with questions and links to prepared views."""

from __future__ import annotations

import streamlit as st

from ui.pages import PAGES


def teach_ui() -> None:
    """The lesson plan, limited to the pages this build has."""
    st.title("Teach with this app")
    plan = [(info, info.plan) for info in PAGES if info.plan is not None]
    total = sum(step.minutes for _, step in plan)
    st.markdown(
        f"A suggested order for a lecture of about {total} minutes. Switch on **Presentation mode** in the "
        "sidebar: type gets larger and each lesson page shows one step at a time with **Previous / Next** (or "
        "the Left / Right keys). Ask the question *before* revealing the next step. Every link below opens a "
        "prepared view with its own sentence and settings, whatever the sidebar holds, and the **Share this "
        "view** box in the sidebar gives you a link to whatever is on screen."
    )
    st.caption(f"{len(plan)} stops, about {total} minutes.")
    for number, (info, step) in enumerate(plan, start=1):
        with st.container(border=True):
            st.subheader(f"{number}. {info.title} · {step.minutes} min")
            st.markdown(f"**Goal.** {step.goal}")
            st.markdown("**Ask the class**\n" + "\n".join(f"- {q}" for q in step.questions))
            st.page_link(info.path, label=f"Open {info.title}", icon=info.icon)
            for view in step.views:
                st.page_link(
                    info.path, label=view.label, icon=":material/slideshow:", query_params=view.link_params
                )


if __name__ == "__main__":  # Streamlit runs a page as __main__
    teach_ui()

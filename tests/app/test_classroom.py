"""Classroom mode: presentation mode, one step at a time, the step in the URL, the share link."""

from __future__ import annotations

from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs

PAGE = "app_pages/simplified.py"
ALL_CHARTS = {
    "norm_fig",
    "overflow_fig",
    "weights_fig",
    "context_3d",
    "scores_fig",
    "weights_matrix_fig",
    "context_fig",
}


def _step_titles(at) -> list[str]:
    return [h.value for h in at.subheader if h.value.startswith("Step ")]


def test_all_steps_visible_outside_presentation() -> None:
    at = open_app(PAGE)
    assert len(_step_titles(at)) == 6
    assert set(chart_specs(at)) == ALL_CHARTS
    assert not [b for b in at.button if b.key in {"lesson_prev", "lesson_next"}]


def test_presentation_mode_shows_one_step_and_steps_through() -> None:
    at = open_app(PAGE, {"present": "1"})
    assert not at.exception
    assert at.toggle(key="present").value is True
    seen = []
    for step in range(1, 7):
        titles = _step_titles(at)
        assert titles == [titles[0]] and titles[0].startswith(f"Step {step} ")
        seen.append(set(chart_specs(at)))
        if step > 1:
            assert at.query_params["step"] == str(step)
        if step < 6:
            at.button(key="lesson_next").click().run()
            assert not at.exception
    assert at.button(key="lesson_next").disabled
    assert seen[3] == {"weights_fig"} and seen[5] == {"scores_fig", "weights_matrix_fig", "context_fig"}
    at.button(key="lesson_prev").click().run()
    assert _step_titles(at)[0].startswith("Step 5 ")


def test_step_link_reopens_that_step() -> None:
    at = open_app(PAGE, {"present": "1", "step": "4", "q": "1"})
    assert _step_titles(at)[0].startswith("Step 4 ")
    weights = list(chart_specs(at)["weights_fig"]["data"][0]["y"])
    assert abs(weights[0] - 0.2098) < 5e-5  # query "Your" from the link


def test_tampered_step_falls_back_with_notice() -> None:
    at = open_app(PAGE, {"present": "1", "step": "42"})
    assert not at.exception
    assert _step_titles(at)[0].startswith("Step 1 ")
    assert any("Lesson step" in n for n in notices(at))


def test_leaving_presentation_shows_everything_and_drops_step() -> None:
    at = open_app(PAGE, {"present": "1", "step": "3"})
    at.toggle(key="present").set_value(False).run()
    assert len(_step_titles(at)) == 6
    assert "step" not in at.query_params and "present" not in at.query_params


def test_share_link_holds_every_setting() -> None:
    at = open_app(PAGE, {"present": "1"})
    at.text_area(key="text").set_value("a b c").run()
    at.selectbox(key="q").set_value("3 · c").run()
    at.button(key="lesson_next").click().run()
    link = next(c.value for c in at.sidebar.code)
    assert "simplified" in link
    for fragment in ("text=a+b+c", "q=3", "present=1", "step=2"):
        assert fragment in link, link
    assert not notices(at)


def test_settings_of_hidden_steps_stay_in_the_link() -> None:
    """A prepared link at step 1 keeps step 3's setting, and step 3 shows it."""
    at = open_app(PAGE, {"present": "1", "demo": "1, 2, 3, 1000"})
    assert not at.exception
    assert notices(at) == []
    assert at.query_params["demo"] == "1, 2, 3, 1000"
    link = next(c.value for c in at.sidebar.code)
    assert "demo=1%2C+2%2C+3%2C+1000" in link
    at.button(key="lesson_next").click().run()
    at.button(key="lesson_next").click().run()
    assert at.selectbox(key="demo").value == "1, 2, 3, 1000"
    at.selectbox(key="demo").set_value("1000, 1000, 1000").run()
    at.button(key="lesson_next").click().run()  # step 4: the demo is off screen again
    assert at.query_params["demo"] == "1000, 1000, 1000"
    assert "step" in at.query_params


def test_unknown_link_setting_outside_presentation_is_still_named() -> None:
    at = open_app(PAGE, {"demo": "1, 2, 3, 1000", "nonsense": "1"})
    assert any("nonsense" in n for n in notices(at))
    assert "nonsense" not in at.query_params
    assert at.query_params["demo"] == "1, 2, 3, 1000"

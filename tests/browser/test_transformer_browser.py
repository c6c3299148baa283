"""Real browser on the real-transformer page: switch layer and head, click a head in the model view, switch model."""

from __future__ import annotations

import re
import urllib.parse

from playwright.sync_api import Page, expect

from tests.browser.conftest import by_key, chart, wait_for_app

LOAD_MS = 240_000  # a cold server loads MiniLM (and maybe converts SmolLM2) on first use
TEXT = "The cat sat on the mat because it was tired."


def _head_chart(page: Page):
    return chart(page, "tf_head_map")


def _head_title(page: Page) -> str:
    return _head_chart(page).locator(".gtitle").first.text_content() or ""


def _head_image(page: Page) -> str:
    """The heatmap's rendered bitmap (Plotly draws heatmaps as an <image>): changes when the weights change."""
    return _head_chart(page).locator("image").first.get_attribute("href") or ""


def _open(page: Page, streamlit_url: str, params: str = "") -> None:
    page.goto(f"{streamlit_url}/transformer?text={urllib.parse.quote(TEXT)}{params}")
    page.wait_for_selector(".js-plotly-plot", timeout=LOAD_MS)
    wait_for_app(page, timeout=LOAD_MS)
    expect(_head_chart(page)).to_be_visible(timeout=LOAD_MS)


def _step_slider(page: Page, url_key: str, target: int) -> None:
    """Press ArrowRight on the slider with this key one step at a time, waiting for each rerun, up to `target`."""
    for value in range(2, target + 1):
        thumb = by_key(page, url_key).get_by_role("slider")
        thumb.focus()
        thumb.press("ArrowRight")
        expect(page).to_have_url(re.compile(rf"{url_key}={value}(&|$)"), timeout=30_000)
        wait_for_app(page)


def test_switch_layer_and_head_changes_the_figure(page: Page, streamlit_url: str, screenshot_dir) -> None:
    _open(page, streamlit_url)
    assert _head_title(page) == "Layer 1, head 1: attention weights"
    ticks = (
        _head_chart(page)
        .locator(".yaxislayer-above .ytick text")
        .evaluate_all("els => els.map(e => e.textContent)")
    )
    assert ticks[:3] == ["[CLS]", "the", "cat"] and ticks.count("the") == 2  # repeated tokens stay apart
    before = _head_image(page)
    page.screenshot(path=str(screenshot_dir / "transformer-minilm-layer1-head1.png"))

    _step_slider(page, "tf_layer", 3)  # layer 1 -> 3
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gtitle')].some(t => t.textContent.startsWith('Layer 3, head 1'))",
        timeout=30_000,
    )
    _step_slider(page, "tf_head", 4)  # head 1 -> 4
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gtitle')].some(t => t.textContent.startsWith('Layer 3, head 4'))",
        timeout=30_000,
    )
    wait_for_app(page)
    assert _head_image(page) != before
    page.screenshot(path=str(screenshot_dir / "transformer-minilm-layer3-head4.png"))


def _click_tile(page: Page, layer: int, head: int) -> None:
    """Click the model-view tile of (layer, head), found from Plotly's own axes."""
    grid = page.locator(".js-plotly-plot").first
    grid.scroll_into_view_if_needed()
    x, y = grid.evaluate(
        """(gd, [layer, head]) => {
            const pick = gd._fullData.find(t => t.name === 'pick');
            const i = pick.customdata.findIndex(c => c[0] === layer && c[1] === head);
            const xa = gd._fullLayout.xaxis2, ya = gd._fullLayout.yaxis2, box = gd.getBoundingClientRect();
            return [box.left + xa._offset + xa.l2p(pick.x[i]), box.top + ya._offset + ya.l2p(pick.y[i])];
        }""",
        [layer, head],
    )
    page.mouse.move(x, y)
    page.mouse.click(x, y)


def _wait_for_head_title(page: Page, prefix: str) -> None:
    page.wait_for_function(
        "p => [...document.querySelectorAll('.gtitle')].some(t => t.textContent.startsWith(p))",
        arg=prefix,
        timeout=30_000,
    )


def test_click_in_model_view_enlarges_that_head(page: Page, streamlit_url: str, screenshot_dir) -> None:
    _open(page, streamlit_url)
    _click_tile(page, 5, 9)
    _wait_for_head_title(page, "Layer 5, head 9")
    expect(page).to_have_url(re.compile(r"tf_layer=5.*tf_head=9|tf_head=9.*tf_layer=5"), timeout=30_000)
    wait_for_app(page)
    page.screenshot(path=str(screenshot_dir / "transformer-minilm-clicked-l5-h9.png"))
    # move away with the slider, then click the same tile again: it must be enlarged again
    thumb = by_key(page, "tf_head").get_by_role("slider")
    thumb.focus()
    thumb.press("ArrowLeft")
    expect(page).to_have_url(re.compile(r"tf_head=8(&|$)"), timeout=30_000)
    wait_for_app(page)
    _wait_for_head_title(page, "Layer 5, head 8")
    _click_tile(page, 5, 9)
    _wait_for_head_title(page, "Layer 5, head 9")
    expect(page).to_have_url(re.compile(r"tf_head=9(&|$)"), timeout=30_000)


def test_decoder_view_is_triangular_and_predicts(page: Page, streamlit_url: str, screenshot_dir) -> None:
    _open(page, streamlit_url)
    by_key(page, "tf_model").locator("[data-testid='stRadioOption']").nth(1).click()  # SmolLM2
    page.wait_for_function(
        "() => [...document.querySelectorAll('.gtitle')].some(t => t.textContent === 'Next-token probabilities')",
        timeout=LOAD_MS,
    )
    wait_for_app(page, timeout=LOAD_MS)
    expect(page.get_by_text("4-bit quantized")).to_be_visible()
    # the query menu shows the decoder's own token at the same position (no stale label from MiniLM)
    expect(by_key(page, "tf_q").get_by_role("combobox")).to_have_value("2 · ␣cat")
    expect(page.get_by_text("the causal mask at work")).to_be_visible()
    page.screenshot(path=str(screenshot_dir / "transformer-smollm2.png"))


LECTURE = "The cat that was sitting on the mat, which was next to the dog, jumped."


def test_link_step_fits_a_projector(page: Page, streamlit_url: str, screenshot_dir) -> None:
    """Presentation step 5 at 1280x720: the A -> B grid opens on jumped -> cat and lies inside the viewport."""
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{streamlit_url}/transformer?text={urllib.parse.quote(LECTURE)}&present=1&step=5")
    grid = chart(page, "tf_link_grid")
    expect(grid).to_be_visible(timeout=LOAD_MS)
    wait_for_app(page, timeout=LOAD_MS)
    expect(by_key(page, "tf_from").get_by_role("combobox")).to_have_value("18 · jumped")
    expect(by_key(page, "tf_to").get_by_role("combobox")).to_have_value("3 · cat")
    expect(chart(page, "tf_head_map")).to_have_count(0)  # one step at a time
    page.screenshot(path=str(screenshot_dir / "transformer-present-step5.png"))
    box = grid.bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280
    assert box["y"] >= 0 and box["y"] + box["height"] <= 720, (
        f"the grid ends at {box['y'] + box['height']:.0f} px"
    )

"""Lesson-plan links and the HTML handout, in chromium.

A lesson-plan link opens on its own sentence whatever the sidebar held; the page's HTML export, opened offline
from a file:// URL, says which page, sentence, settings and link it shows, and every figure in it is drawn
whole: tick labels complete and inside the figure, heatmaps labelled with the tokens, sections titled by step.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import Browser, Page, expect

from app_pages import multihead
from attention_core.text import DEFAULT_SENTENCE, prepare_text
from tests.browser.conftest import by_key, open_export_offline, sentence_box, wait_for_app
from ui.pages import PAGES
from ui.share import SHARE_LINK_KEY

TITLES = {info.url_path: info.title for info in PAGES}
TIMEOUT = 180_000


def _open(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".js-plotly-plot", timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)


def _tick_texts(plot, axis: str) -> list[str]:
    """The tick labels Plotly drew on the first `axis` ('xtick' / 'ytick') of a chart."""
    script = "(g, axis) => Array.from(g.parentNode.querySelectorAll(`:scope > .${axis} text`))"
    return plot.locator(f".{axis}").first.evaluate(script + ".map(t => t.textContent)", axis)


def test_lesson_link_opens_on_its_own_sentence(page: Page, streamlit_url: str, screenshot_dir) -> None:
    page.goto(f"{streamlit_url}/teach")
    page.wait_for_selector("[data-testid='stPageLink-NavLink']", timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    other = "a quick brown fox jumps over lazy dogs today"
    box = sentence_box(page)
    box.fill(other)
    box.press("Control+Enter")
    expect(page).to_have_url(re.compile(r"text=a\+quick"), timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    # the simplified page's first prepared view: the book example, presented (it sets no sentence itself)
    link = page.locator("a[data-testid='stPageLink-NavLink'][href*='simplified?']").first
    query = parse_qs(urlparse(link.get_attribute("href")).query)
    assert query["text"] == [DEFAULT_SENTENCE]  # the link carries its sentence
    link.click()
    expect(page).to_have_url(re.compile(r"/simplified\?(.*&)?present=1"), timeout=TIMEOUT)
    wait_for_app(page, TIMEOUT)
    expect(sentence_box(page)).to_have_value(DEFAULT_SENTENCE, timeout=TIMEOUT)
    assert "text=" not in page.url  # the book sentence is the default: the URL leaves it out
    page.screenshot(path=str(screenshot_dir / "lesson-link-simplified.png"))


def test_html_export_reads_as_a_handout(
    page: Page, browser: Browser, streamlit_url: str, tmp_path, screenshot_dir
) -> None:
    sentence = "The <b>cat</b> & the dog sat"
    query = f"text={sentence.replace(' ', '+').replace('&', '%26')}&{multihead.CAUSAL_KEY}=0"
    _open(page, f"{streamlit_url}/multihead?{query}")
    page.wait_for_selector(f".st-key-{multihead.HEADS_FIG} .main-svg", timeout=TIMEOUT)
    n_figures = page.locator(".js-plotly-plot").count()
    chart_keys = [multihead.HEADS_FIG, multihead.EFFECT_FIG, multihead.PIPELINE_FIG]
    assert page.locator(".js-plotly-plot").first.evaluate(
        f"(p) => !!p.closest('.st-key-{multihead.HEADS_FIG}')"
    )  # the heads' heatmap is the page's first figure
    share_link = by_key(page, SHARE_LINK_KEY).locator("code").inner_text().strip()
    labels = set(page.locator("[data-testid='stWidgetLabel']").all_inner_texts())
    offline, viewer = open_export_offline(page, browser, tmp_path / "handout.html", n_figures, 900, TIMEOUT)

    # the top says which page, sentence, settings and link it shows; user text stays text
    assert viewer.locator("#page-title").inner_text() == TITLES["multihead"]
    assert viewer.locator("#sentence").inner_text() == sentence
    assert viewer.locator("#sentence b").count() == 0
    rows = viewer.locator("#settings tr").all()
    settings = {r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text() for r in rows}
    assert settings and set(settings) <= labels, (settings, labels)  # human names: the page's own labels
    link = viewer.locator("#link").get_attribute("href")
    link_query = parse_qs(urlparse(link).query)
    assert link_query["text"] == [sentence] and link_query[multihead.CAUSAL_KEY] == ["0"]
    assert link == share_link

    # every figure is drawn, one SVG each, under a human section title (a step heading, never a key)
    plots = viewer.locator(".js-plotly-plot")
    assert plots.count() == n_figures
    for i in range(n_figures):
        assert plots.nth(i).locator(".main-svg").count() >= 1
    sections = viewer.locator("h2.section").all_inner_texts()
    assert sections and all(s.startswith("Step ") for s in sections), sections
    for key in chart_keys:
        assert all(key not in s and key.replace("_", " ") not in s for s in sections), (key, sections)

    # the heatmap of the heads is labelled with the tokens, in order
    tokens = list(prepare_text(sentence).tokens)
    heads = plots.first
    assert _tick_texts(heads, "ytick") == tokens
    assert _tick_texts(heads, "xtick") == tokens

    # no tick label (axes and colour bars) sticks out of its figure
    clipped = viewer.evaluate(
        """() => {
          const out = [];
          for (const plot of document.querySelectorAll('.js-plotly-plot')) {
            const box = plot.querySelector('.main-svg').getBoundingClientRect();
            for (const t of plot.querySelectorAll('.xtick text, .ytick text, .cbaxis text, .g-xtitle text, .g-ytitle text')) {
              const b = t.getBoundingClientRect();
              if (!t.textContent || b.width === 0) continue;
              if (b.left < box.left - 0.5 || b.right > box.right + 0.5 || b.top < box.top - 0.5
                  || b.bottom > box.bottom + 0.5) out.push(t.textContent);
            }
          }
          return out;
        }"""
    )
    assert clipped == [], clipped

    # chart text is readable on the handout's own background: WCAG AA, 4.5:1 or more
    faint = viewer.evaluate(
        """() => {
          const rgb = c => (c.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
          const lum = c => { const [r, g, b] = rgb(c).map(v => (v /= 255) <= 0.03928 ? v / 12.92
                                                             : ((v + 0.055) / 1.055) ** 2.4);
                             return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
          const ratio = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
                                    return (x + 0.05) / (y + 0.05); };
          const out = [];
          for (const plot of document.querySelectorAll('.js-plotly-plot')) {
            // the first opaque one of: the plot area, the figure's paper, the page (a blank page is white)
            const opaque = c => { const v = (c || '').match(/[\\d.]+/g) || [];
                                  return v.length >= 3 && (v.length < 4 || Number(v[3]) > 0.5); };
            const bg = plot.querySelector('.main-svg rect.bg');
            const grounds = [bg && Number(getComputedStyle(bg).fillOpacity) > 0.5 ? getComputedStyle(bg).fill : '',
                             getComputedStyle(plot.querySelector('.main-svg')).backgroundColor,
                             getComputedStyle(document.body).backgroundColor];
            const ground = grounds.find(opaque) || 'rgb(255, 255, 255)';
            for (const t of plot.querySelectorAll('.xtick text, .ytick text, .cbaxis text, .g-xtitle text, '
                                                 + '.g-ytitle text, .legendtext')) {
              if (!t.textContent) continue;
              const r = ratio(getComputedStyle(t).fill, ground);
              if (!(r >= 4.5)) out.push([t.textContent, Math.round(r * 10) / 10]);
            }
          }
          return out;
        }"""
    )
    assert faint == [], faint
    viewer.screenshot(path=str(screenshot_dir / "export-multihead.png"), full_page=True)
    offline.close()

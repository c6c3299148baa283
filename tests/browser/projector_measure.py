"""What the projector walk measures in a page (tests/browser/test_presentation_fit_browser.py), in one script run
in the browser, and the problems it reads from the result. Kept apart so a synthetic page can prove that each
check does fire (test_the_checks_find_misfits)."""

from __future__ import annotations

WIDTH, HEIGHT = 1280, 720
MIN_TEXT_PX = 14  # every text a figure writes: cell numbers, tick labels, titles, legends
CELL_PAD_PX = 1  # a cell number must leave this much free on each side (touching its cell's edge is a misfit)

# Every drawn Plotly chart of the main area (charts in a hidden tab have no height and are skipped): its box (at
# scroll 0), text smaller than MIN_TEXT_PX, cell numbers wider or taller than their cell, subplot titles
# (annotations) overlapping a tick label; and in the stage's text column, content wider than the column that
# no scrolling box holds (clipped), or one of the step's own columns hidden.
MEASURE_JS = """() => {
  const MIN = __MIN__, PAD = __PAD__;
  const drawn = el => { const b = el.getBoundingClientRect(); return b.width > 0 && b.height > 0; };
  const overlap = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 1
    && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 1;
  const label = t => t.textContent.trim().slice(0, 24);
  const charts = [...document.querySelectorAll('[data-testid="stMain"] [data-testid="stPlotlyChart"]')]
    .filter(drawn).map(c => {
      const b = c.getBoundingClientRect();
      const key = [...(c.closest('[class*="st-key-"]')?.classList || [])].find(k => k.startsWith('st-key-'));
      const texts = [...c.querySelectorAll('.main-svg text')]
        .filter(t => !t.closest('.hoverlayer') && t.textContent.trim() && drawn(t));
      // the size drawn: Plotly shrinks bar texts that do not fit with a scale() transform on the text itself
      const px = t => { const m = t.getScreenCTM();
        return parseFloat(getComputedStyle(t).fontSize) * (m ? Math.hypot(m.a, m.b) : 1); };
      const small = texts.map(t => [label(t), Math.round(px(t) * 10) / 10]).filter(f => f[1] < MIN);
      const cells = [];
      for (const hm of c.querySelectorAll('g.hm')) {
        const cd = hm.__data__, z = cd && cd[0] && cd[0].z, img = hm.querySelector('image');
        if (!z || !z.length || !img) continue;
        const ib = img.getBoundingClientRect(), cw = ib.width / z[0].length, ch = ib.height / z.length;
        for (const t of hm.querySelectorAll('text')) {
          if (!t.textContent.trim() || !drawn(t)) continue;
          const tb = t.getBoundingClientRect(), fs = parseFloat(getComputedStyle(t).fontSize);
          if (tb.width > cw - 2 * PAD || fs * 1.05 > ch) cells.push([label(t), Math.round(tb.width), Math.round(cw), Math.round(ch)]);
        }
      }
      const ticks = [...c.querySelectorAll('.main-svg g[class*="tick"] text')].filter(drawn);
      const titles = [...c.querySelectorAll('.main-svg g.annotation, .main-svg .g-gtitle text')].filter(drawn);
      const overlaps = [];
      for (const a of titles) for (const t of ticks)
        if (overlap(a.getBoundingClientRect(), t.getBoundingClientRect())) overlaps.push([label(a), label(t)]);
      return {key: key || '', x: b.x, y: b.y, right: b.right, bottom: b.bottom,
              small: small.slice(0, 6), cells: cells.slice(0, 4), overlaps: overlaps.slice(0, 4)};
    });
  const clipped = [], hidden = [];
  const column = document.querySelector('.st-key-lesson_stage_text');
  if (column) {
    const cb = column.getBoundingClientRect();
    const scrolls = el => { for (let e = el; e && e !== column.parentElement; e = e.parentElement) {
        const o = getComputedStyle(e).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
    for (const el of column.querySelectorAll('.katex-display, table, pre, img, [data-testid="stTable"], '
        + '[data-testid="stDataFrame"], [data-testid="stHorizontalBlock"], [data-testid="stMarkdownContainer"]')) {
      const b = el.getBoundingClientRect();
      if (b.width > 0 && (b.right > cb.right + 1 || b.left < cb.left - 1) && !scrolls(el))
        clipped.push((el.getAttribute('data-testid') || el.tagName) + ' ' + el.textContent.trim().slice(0, 30));
    }
    for (const col of column.querySelectorAll('[data-testid="stColumn"]'))
      if (getComputedStyle(col).display === 'none' || !drawn(col)) hidden.push(col.textContent.trim().slice(0, 30));
  }
  return {charts, clipped, hidden};
}""".replace("__MIN__", str(MIN_TEXT_PX)).replace("__PAD__", str(CELL_PAD_PX))


def problems(measured: dict, where: str) -> list[str]:
    """One line per misfit found by MEASURE_JS."""
    out = []
    for c in measured["charts"]:
        name = f"{where}: {c['key']}"
        if c["x"] < 0 or c["y"] < 0 or c["right"] > WIDTH + 1 or c["bottom"] > HEIGHT + 1:
            out.append(
                f"{name} at x {c['x']:.0f}..{c['right']:.0f}, y {c['y']:.0f}..{c['bottom']:.0f} "
                f"is not inside {WIDTH}x{HEIGHT}"
            )
        if c["small"]:
            out.append(f"{name} has text under {MIN_TEXT_PX} px: {c['small']}")
        if c["cells"]:
            out.append(
                f"{name} has cell numbers that do not fit their cells [text, px, cell w, cell h]: {c['cells']}"
            )
        if c["overlaps"]:
            out.append(f"{name} has titles over tick labels: {c['overlaps']}")
    if measured["clipped"]:
        out.append(f"{where}: the text column clips {measured['clipped']}")
    if measured["hidden"]:
        out.append(f"{where}: columns in the text column are hidden: {measured['hidden']}")
    return out

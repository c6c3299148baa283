"""The bad-input battery: whatever a class types or puts in a link, every registered page keeps working.

Every case runs on every page in ``ui.pages.PAGES`` (new pages are covered as soon as they are registered).
Each case checks four things:

1. no exception;
2. a clear notice (the st.warning messages app.py shows) wherever the input was changed or refused;
3. the page still works afterwards: a follow-up run with a normal sentence succeeds and draws charts;
4. the sentence box still holds exactly what was typed (and the link keeps it).

A page's URL settings are discovered from its widgets in a first run, never hard-coded, so the URL cases
tamper with whatever settings a page has. Text cases reuse one AppTest session per page (like a student
typing one thing after another); URL cases need a fresh session because links are read on arrival.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from attention_core.text import DEFAULT_SENTENCE, escape_markdown
from tests.app.conftest import notices, open_app
from ui.pages import PAGES
from ui.sentence import MAX_URL_CHARS, TEXT_KEY

TIMEOUT = 240  # the real-model page may load a model on its first run
FOLLOW_UPS = ("the cat sat on the mat", "attention is all you need", "a small dog saw the big house")

# ---------------------------------------------------------------- discovering a page's settings


@dataclass
class Setting:
    """One keyed widget on a page (its key is its URL parameter)."""

    kind: str  # the AppTest accessor: selectbox, slider, toggle, ...
    key: str
    label: str
    lo: float | None = None  # sliders and number inputs
    hi: float | None = None
    is_int: bool = False
    options: list[str] = field(default_factory=list)

    def names(self) -> tuple[str, ...]:
        """How a notice may name this setting: its label (escaped or not) or its key."""
        return (self.label, escape_markdown(self.label), self.key)


@dataclass
class Profile:
    """What the first run of a page showed."""

    path: str
    settings: list[Setting]
    charts: int  # plotly charts at the default sentence
    uses_sentence: bool  # does the page change when the sentence does?


_SETTING_KINDS = (
    "selectbox",
    "slider",
    "select_slider",
    "toggle",
    "checkbox",
    "radio",
    "number_input",
    "multiselect",
    "button_group",
)
_PROFILES: dict[str, Profile] = {}
_SESSIONS: dict[str, AppTest] = {}


def _settings(at: AppTest) -> list[Setting]:
    found: dict[str, Setting] = {}
    for kind in _SETTING_KINDS:
        for el in getattr(at, kind) if hasattr(at, kind) else at.get(kind):
            key = getattr(el, "key", None)
            if not key or key == TEXT_KEY or key in found:
                continue
            label = str(getattr(el, "label", "") or getattr(el.proto, "label", "") or key)
            setting = Setting(kind, key, label)
            if kind in ("slider", "number_input"):
                proto = el.proto
                lo, hi = getattr(proto, "min", None), getattr(proto, "max", None)
                setting.lo = float(lo) if lo is not None else None
                setting.hi = float(hi) if hi is not None else None
                value = el.value
                first = value[0] if isinstance(value, (tuple, list)) else value
                setting.is_int = isinstance(first, int) and not isinstance(first, bool)
            elif kind in ("selectbox", "radio", "select_slider", "multiselect"):
                setting.options = [str(o) for o in getattr(el, "options", [])]
            found[key] = setting
    return list(found.values())


def _fingerprint(at: AppTest) -> str:
    """Everything a page shows that could depend on the sentence (charts, text, tables)."""
    parts: list[str] = [el.proto.spec for el in at.get("plotly_chart")]
    for kind in ("markdown", "code", "caption", "info", "success", "text"):
        parts.extend(str(getattr(el, "value", "")) for el in at.get(kind))
    parts.extend(str(el.proto.SerializeToString()) for el in at.get("arrow_data_frame"))
    return re.sub(r"https?://\S+", "<link>", json.dumps(parts))  # a share link always holds the text


def profile(path: str) -> Profile:
    """Run the page once (default sentence, then another) and record its settings and charts."""
    if path not in _PROFILES:
        at = open_app(path, timeout=TIMEOUT)
        assert not at.exception, f"{path} fails on its first run: {at.exception[0].message}"
        settings = _settings(at)
        charts = len(at.get("plotly_chart"))
        before = _fingerprint(at)
        at.text_area(key=TEXT_KEY).set_value("zebra quantum orbit lantern").run()
        assert not at.exception, f"{path}: {at.exception[0].message}"
        _PROFILES[path] = Profile(path, settings, charts, _fingerprint(at) != before)
    return _PROFILES[path]


def session(path: str) -> AppTest:
    """A long-lived session on the page for the text cases (a student typing one thing after another)."""
    if path not in _SESSIONS:
        profile(path)
        _SESSIONS[path] = open_app(path, timeout=TIMEOUT)
    return _SESSIONS[path]


# ---------------------------------------------------------------- shared checks


def messages(at: AppTest) -> list[str]:
    """The app's notices plus the page's own st.info/st.error messages (translation pages explain there)."""
    return [*notices(at), *(str(el.value) for el in at.info), *(str(el.value) for el in at.error)]


def _no_exception(at: AppTest, what: str) -> None:
    assert not at.exception, f"{what}: {at.exception[0].message}\n{at.exception[0].stack_trace[-5:]}"


_UNESCAPED_HTML = re.compile(r"(?<!\\)<\s*(script|img|iframe|svg|b)\b", re.IGNORECASE)
_UNESCAPED_LATEX = re.compile(r"(?<!\\)\$\\frac")


def _rendered_safely(at: AppTest, typed: str) -> None:
    """User text never reaches Markdown or Plotly labels as live HTML/LaTeX."""
    if "<" in typed:
        for kind in ("markdown", "caption", "info", "warning", "success", "error", "title", "header"):
            for el in at.get(kind):
                body = str(getattr(el, "value", ""))
                assert not _UNESCAPED_HTML.search(body), f"unescaped HTML in st.{kind}: {body[:200]!r}"
        for el in at.get("plotly_chart"):
            spec = el.proto.spec
            # plot_label escapes to &lt;...; a raw tag in any label would be drawn by Plotly
            assert not re.search(r"<(script|img|iframe)", spec, re.IGNORECASE), (
                "raw HTML tag in a chart label"
            )
    if "$\\frac" in typed:
        for kind in ("markdown", "caption", "info", "warning", "success"):
            for el in at.get(kind):
                body = str(getattr(el, "value", ""))
                assert not _UNESCAPED_LATEX.search(body), f"user LaTeX rendered in st.{kind}: {body[:200]!r}"


def _box_holds(at: AppTest, typed: str) -> None:
    """The sentence box (and the link) keep exactly what was typed."""
    assert at.text_area(key=TEXT_KEY).value == typed, "the sentence box lost what was typed"
    url = at.query_params.get(TEXT_KEY)
    if typed == DEFAULT_SENTENCE:
        assert url is None
    else:
        assert url == typed[:MAX_URL_CHARS], "the link does not keep the sentence"


def _still_works(at: AppTest, prof: Profile, n: int) -> None:
    """A normal sentence right after the bad input runs cleanly, draws charts and shows no stale notice."""
    sentence = FOLLOW_UPS[n % len(FOLLOW_UPS)]
    at.text_area(key=TEXT_KEY).set_value(sentence).run()
    _no_exception(at, f"{prof.path}: normal sentence after bad input")
    if prof.charts:
        assert at.get("plotly_chart"), f"{prof.path} draws no chart after recovering"
    stale = [m for m in notices(at) if re.search(r"empty|characters|invisible|tokens; this page", m)]
    assert not stale, f"{prof.path}: stale notice after a normal sentence: {stale}"
    assert at.text_area(key=TEXT_KEY).value == sentence


# ---------------------------------------------------------------- text cases


@dataclass(frozen=True)
class TextCase:
    """Something typed into the sentence box and the notice it must produce (on pages that use the text)."""

    name: str
    text: str
    notice: str | None = None  # regex a notice must match (case-insensitive); None: no change, no notice
    check: Callable[[AppTest], None] | None = None


def _one_token_is_explained(at: AppTest) -> None:
    """One token: either say so, or the page's own tokenizer made more than one token of it."""
    heatmaps = [
        el
        for el in at.get("plotly_chart")
        if '"type":"heatmap"' in el.proto.spec.replace(" ", "") and '"z"' in el.proto.spec
    ]
    single = any(_heatmap_rows(el.proto.spec) == 1 for el in heatmaps)
    if single or not heatmaps:
        assert any(re.search(r"one token|single token|only one", m, re.I) for m in messages(at)), (
            f"one token is not explained: {messages(at)}"
        )


def _heatmap_rows(spec: str) -> int:
    from tests.support.plotly import figure_dict

    for trace in figure_dict(spec)["data"]:
        if trace.get("type") == "heatmap":
            z = trace["z"]
            return len(z) if not hasattr(z, "shape") else int(z.shape[0])
    return -1


def _unknown_words_named(at: AppTest) -> None:
    """Where a page refuses words it does not know, it says which ones and suggests known ones."""
    said = [
        str(getattr(el, "value", ""))
        for kind in ("warning", "info", "markdown", "caption", "error")
        for el in at.get(kind)
    ]
    refusals = [
        s for s in said if re.search(r"unknown word|not in the (toy )?vocabulary|does not know", s, re.I)
    ]
    for s in refusals:
        assert re.search(r"xylophone|quixotic|zebrafish", s, re.I), (
            f"a refusal that does not name the word: {s}"
        )
    if refusals:  # ... and points to words it does know
        shown = [*said, *(str(getattr(e, "label", "")) for e in at.expander)]  # e.g. a folded word list
        helps = [s for s in shown if re.search(r"did you mean|word list|words? it knows|vocabulary", s, re.I)]
        assert helps, f"unknown words refused without suggesting known ones: {refusals}"


TEXT_CASES: tuple[TextCase, ...] = (
    TextCase("empty", "", r"empty|default sentence|no word"),
    TextCase("whitespace", "   \n\t   \n ", r"empty|default sentence|no word"),
    TextCase("one-token", "attention", check=_one_token_is_explained),
    TextCase("only-punctuation", "?! ... ,;", None),
    TextCase("10001-chars", ("attention " * 1001)[:10_001], r"characters|tokens|words|does not know"),
    TextCase("600-tokens", " ".join(f"w{i % 50}" for i in range(600)), r"tokens|truncat|first|does not know"),
    TextCase("emoji", "I \u2764\ufe0f attention \U0001f40d \U0001f916 \U0001f44d\U0001f3fd today", None),
    TextCase("emoji-only", "\U0001f600\U0001f680\U0001f525", None),
    TextCase(
        "cjk-korean-thai", "注意力 是 你 所 需要 的 一切 。 トークン は 大切 です 주의 는 ภาษาไทย", None
    ),
    TextCase("rtl", "الانتباه هو كل ما تحتاجه hello שלום world עולם 42", None),
    TextCase("rtl-override", "abc \u202edef\u202c ghi", r"invisible|control"),
    TextCase("zero-width", "zero\u200bwidth\u200djoin\ufeffer text", r"invisible|control"),
    TextCase("combining", "cafe\u0301 n\u0303o Z\u0334\u0327a\u0337l\u0336g\u0335o\u0338 text", None),
    TextCase("control-chars", "red\x00 \x07bell \x1b[31mescape\x7f icon \ue000 done", r"invisible|control"),
    TextCase("only-control-chars", "\x00\x01\x02\x1b", r"invisible|control|no word"),
    TextCase("script-tag", "<script>alert('x')</script> hello world", None),
    TextCase("img-onerror", '<img src=x onerror="alert(1)"> <b>bold</b> &lt;i&gt; &amp; text', None),
    TextCase("markdown", "**bold** _it_ [link](javascript:alert(1)) # head `code` > quote | a |", None),
    TextCase("latex", r"$\frac{1}{0}$ and $$\int_0^1 x\,dx$$ \(x\) \[y\]", None),
    TextCase("format-and-numbers", "{0} {name} %s %n {{}} ${HOME} 3.14 1e308 -inf NaN 10**400", None),
    TextCase("long-word-300", "super" + "cali" * 74 + " word", None),
    TextCase("long-word-5000", "a" * 5000, r"characters|tokens|long|does not know"),
    TextCase("out-of-vocabulary", "xylophone quixotic zebrafish", None, _unknown_words_named),
    TextCase("mixed-vocabulary", "the cat saw a xylophone", None, _unknown_words_named),
    TextCase("repeated", "the the the the the the", None),
    TextCase("multiline", "first line\nsecond line\n\n\nthird", None),
)


def _text_params() -> list[Any]:
    return [
        pytest.param(info.path, case, id=f"{info.url_path}-{case.name}")
        for info in PAGES
        for case in TEXT_CASES
    ]


@pytest.mark.parametrize(("path", "case"), _text_params())
def test_typed_text(path: str, case: TextCase) -> None:
    prof = profile(path)
    at = session(path)
    ok = False
    try:
        at.text_area(key=TEXT_KEY).set_value(case.text).run()
        _no_exception(at, f"{path} with {case.name}")
        _box_holds(at, case.text)
        _rendered_safely(at, case.text)
        if prof.uses_sentence and case.notice:
            assert any(re.search(case.notice, m, re.I) for m in messages(at)), (
                f"no message matching /{case.notice}/ for {case.name}; messages: {messages(at)}"
            )
        if prof.uses_sentence and case.check:
            case.check(at)
        _still_works(at, prof, len(case.name))
        ok = True
    finally:
        if not ok:  # a broken session must not spill into the next case
            _SESSIONS.pop(path, None)


# ---------------------------------------------------------------- URL cases


def _accepted(at: AppTest, s: Setting, raw: str) -> bool:
    """Did the page take this link value as a legal setting?"""
    if at.query_params.get(s.key) == raw:
        return True
    if s.kind == "slider":
        try:
            want = float(raw)
        except ValueError:
            return False
        value = at.slider(key=s.key).value
        return isinstance(value, (int, float)) and math.isclose(float(value), want)
    return False


def _legal(at: AppTest, s: Setting) -> None:
    """Whatever the link said, the widget ends up on a legal value."""
    widgets = [el for el in at.get(s.kind) if getattr(el, "key", None) == s.key]
    if not widgets:
        return  # the widget may be hidden by another setting
    value = widgets[0].value
    if s.kind in ("slider", "number_input") and s.lo is not None and s.hi is not None:
        values = value if isinstance(value, (tuple, list)) else [value]
        for v in values:
            assert s.lo <= float(v) <= s.hi, f"{s.key}={v} outside [{s.lo}, {s.hi}]"
            assert not math.isnan(float(v))


@dataclass(frozen=True)
class UrlCase:
    """A tampered link: every setting of the page gets `value(setting)` at once."""

    name: str
    value: Callable[[Setting], str]


def _beyond(s: Setting, side: int) -> str:
    if s.lo is None or s.hi is None:
        return "-1" if side < 0 else "999999"
    edge = s.lo if side < 0 else s.hi
    step = 1 if s.is_int else 0.5
    out = edge + side * step
    return str(int(out)) if s.is_int else f"{out:g}"


URL_CASES: tuple[UrlCase, ...] = (
    UrlCase("non-numeric", lambda s: "abc!"),
    UrlCase("negative", lambda s: "-7"),
    UrlCase("huge", lambda s: "1" + "0" * 40),
    UrlCase("float-for-int", lambda s: "2.5" if s.is_int or s.kind != "slider" else "1e400"),
    UrlCase("wrong-type", lambda s: "[1, 2]"),
    UrlCase("nan-inf", lambda s: "nan" if s.kind == "slider" else "-inf"),
    UrlCase("blank", lambda s: ""),
    UrlCase("html", lambda s: "<script>alert(1)</script>"),
    UrlCase("below-min", lambda s: _beyond(s, -1)),
    UrlCase("above-max", lambda s: _beyond(s, +1)),
)


def _url_params() -> list[Any]:
    return [
        pytest.param(info.path, case, id=f"{info.url_path}-{case.name}")
        for info in PAGES
        for case in URL_CASES
    ]


@pytest.mark.parametrize(("path", "case"), _url_params())
def test_tampered_link(path: str, case: UrlCase) -> None:
    prof = profile(path)
    params = {s.key: case.value(s) for s in prof.settings}
    params["zz_unknown"] = "1"  # an unknown key rides along in every tampered link
    at = open_app(path, params, timeout=TIMEOUT)
    _no_exception(at, f"{path} with link {params}")
    shown = notices(at)
    for s in prof.settings:
        raw = params[s.key]
        _legal(at, s)
        if _accepted(at, s, raw):
            continue
        assert any(any(n in m for n in s.names()) for m in shown), (
            f"{s.key}={raw!r} was refused without a notice naming “{s.label}”; notices: {shown}"
        )
        assert at.query_params.get(s.key) != raw, f"the link kept the refused value {s.key}={raw!r}"
    assert any("zz\\_unknown" in m or "zz_unknown" in m for m in shown), f"unknown key not named: {shown}"
    assert "zz_unknown" not in at.query_params
    for m in shown:
        assert not _UNESCAPED_HTML.search(m), f"a notice repeats link HTML unescaped: {m}"
    _box_holds(at, DEFAULT_SENTENCE)
    _still_works(at, prof, len(case.name))


@pytest.mark.parametrize("path", [pytest.param(i.path, id=i.url_path) for i in PAGES])
def test_link_with_a_tampered_sentence(path: str) -> None:
    """?text= longer than the box keeps, with control characters and HTML: shown as typed, bounded in use."""
    prof = profile(path)
    raw = "<b>hi</b>\x07 " + "word " * 2_400
    at = open_app(path, {TEXT_KEY: raw}, timeout=TIMEOUT)
    _no_exception(at, f"{path} with a 12,000-character link")
    assert at.text_area(key=TEXT_KEY).value == raw
    if prof.uses_sentence:
        assert any(re.search(r"characters|tokens|words|does not know", m, re.I) for m in messages(at)), (
            messages(at)
        )
    _rendered_safely(at, raw)
    _still_works(at, prof, 0)


@pytest.mark.parametrize("path", [pytest.param(i.path, id=i.url_path) for i in PAGES])
def test_valid_extremes_in_link_are_accepted(path: str) -> None:
    """Every slider's min and max are legal link values: taken as given, no notice."""
    prof = profile(path)
    sliders = [s for s in prof.settings if s.kind == "slider" and s.lo is not None and s.hi is not None]
    for edge in ("lo", "hi"):
        params = {s.key: _fmt(getattr(s, edge), s.is_int) for s in sliders}
        at = open_app(path, params, timeout=TIMEOUT)
        _no_exception(at, f"{path} with link {params}")
        for s in sliders:
            if not [el for el in at.slider if el.key == s.key]:
                continue  # hidden by another extreme setting
            assert _accepted(at, s, params[s.key]), f"{s.key}={params[s.key]} is legal but was not taken"
            assert not any(s.label in m and "not allowed" in m for m in notices(at)), notices(at)
        _still_works(at, prof, 1)


def _fmt(value: float | None, is_int: bool) -> str:
    assert value is not None
    return str(int(value)) if is_int else f"{value:g}"


@pytest.mark.parametrize("path", [pytest.param(i.path, id=i.url_path) for i in PAGES])
def test_extreme_widget_values(path: str) -> None:
    """Every slider at its min then its max, every toggle flipped, every menu at its first/last option."""
    prof = profile(path)
    at = open_app(path, timeout=TIMEOUT)
    for extreme in (0, 1):
        for s in prof.settings:
            matches = [el for el in at.get(s.kind) if getattr(el, "key", None) == s.key]
            if not matches or getattr(matches[0].proto, "disabled", False):
                continue
            el = matches[0]
            if s.kind == "slider" and s.lo is not None and s.hi is not None:
                edge = s.hi if extreme else s.lo
                el.set_value(int(edge) if s.is_int else edge)
            elif s.kind in ("toggle", "checkbox"):
                el.set_value(not el.value)
            elif s.kind in ("selectbox", "radio", "select_slider") and getattr(el, "options", None):
                _pick(el, -1 if extreme else 0)
        at.run()
        _no_exception(at, f"{path} with every setting at its {'max' if extreme else 'min'}")
        if prof.charts:  # charts, or (presentation mode) a button that reveals them step by step
            assert at.get("plotly_chart") or at.button, f"{path} shows no chart and no button at extremes"
    _still_works(at, prof, 2)


def _pick(el: Any, index: int) -> None:
    """Choose the option at `index` the way the browser does: by sending the shown option's text."""
    option = el.options[range(len(el.options))[index]]

    class Picked(type(el)):  # AppTest sets menus by the page's own (unknown) values; send the shown text
        @property
        def _widget_state(self) -> WidgetState:
            ws = WidgetState()
            ws.id = self.id
            ws.string_value = option
            return ws

    el.__class__ = Picked


@pytest.mark.parametrize("path", [pytest.param(i.path, id=i.url_path) for i in PAGES])
def test_unknown_page_in_link_falls_back(path: str) -> None:
    """A mistyped page address opens the first page (Streamlit tells the browser 'page not found')."""
    at = open_app(path, {"text": "the cat sat"}, timeout=TIMEOUT)
    info = next(i for i in PAGES if i.path == path)
    at._page_hash = calc_hash(info.url_path + "-typo")  # what /<url_path>-typo resolves to
    at.run()
    _no_exception(at, f"unknown page next to {path}")
    assert at.text_area(key=TEXT_KEY).value == "the cat sat"

"""The generation page through Streamlit's AppTest: writing tokens, links that reopen a generation, the checks,
bad links, one generation per session, a busy server, presentation mode.

Every generation here is a few tokens long; the model and the server's hub live once per pytest process.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from attention_core import generation as gc
from attention_core import pretrained as pt
from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs

PAGE = "app_pages/generate.py"
TIMEOUT = 600  # generous: the machine running the tests may be busy
PROMPT = "The cat sat on the"
CHARTS = {"gen_attn_chart", "gen_next_chart", "gen_cache_chart", "gen_size_chart", "gen_time_chart"}

pytestmark = pytest.mark.slow


def _open(params: dict[str, str] | None = None):
    return open_app(PAGE, {"text": PROMPT, **(params or {})}, timeout=TIMEOUT)


def _raw(at) -> dict[str, str]:
    """Each chart's Plotly JSON exactly as sent to the browser, keyed by chart key."""
    return {key: at.get("plotly_chart")[i].proto.spec for i, key in enumerate(chart_specs(at))}


def _ids(at) -> tuple[int, ...]:
    raw = at.query_params.get("gen_out")
    raw = raw[0] if isinstance(raw, list) else raw
    return tuple(int(x) for x in raw.split(".")) if raw else ()


@pytest.fixture(scope="module")
def smollm2() -> pt.LoadedModel:
    return pt.load_model("smollm2")


def _greedy(smollm2: pt.LoadedModel, text: str, n: int) -> tuple[int, ...]:
    """transformers' own greedy continuation: the reference the page must reproduce."""
    ids = torch.tensor([smollm2.tokenizer(text, add_special_tokens=False)["input_ids"]])
    with torch.inference_mode():
        out = smollm2.model.generate(
            ids, attention_mask=torch.ones_like(ids), max_new_tokens=n, do_sample=False
        )
    return tuple(out[0, ids.shape[1] :].tolist())


def test_opens_on_the_prompt_and_its_next_token(smollm2: pt.LoadedModel) -> None:
    at = _open()
    assert not at.exception, at.exception
    assert set(chart_specs(at)) == CHARTS
    assert not [s for s in at.slider if s.key == "gen_view"], "one pass: nothing to choose yet"
    assert not at.button(key="gen_next").disabled and at.button(key="gen_stop").disabled
    assert at.button(key="gen_reset").disabled
    best = smollm2.tokenizer.convert_ids_to_tokens(_greedy(smollm2, PROMPT, 1))[0].replace("Ġ", "␣")
    assert any("not chosen yet" in m.value and best in m.value for m in at.markdown)
    attn = chart_specs(at)["gen_attn_chart"]
    prompt_len = len(smollm2.tokenizer(PROMPT, add_special_tokens=False)["input_ids"])
    assert len(attn["data"][0]["y"]) == prompt_len, "the last prompt token looks at every prompt token"
    assert "gen_out" not in at.query_params


def test_next_token_writes_greedy_tokens_and_a_link_reopens_them(smollm2: pt.LoadedModel) -> None:
    at = _open()
    at.button(key="gen_next").click().run()
    at.button(key="gen_next").click().run()
    assert not at.exception
    assert _ids(at) == _greedy(smollm2, PROMPT, 2)
    view = at.slider(key="gen_view")
    assert (view.min, view.max, view.value) == (1, 3, 3), "the view follows the newest pass"
    assert "gen_view" not in at.query_params  # the newest pass is the default
    at.slider(key="gen_view").set_value(2).run()
    at.slider(key="gen_layer").set_value(7).run()
    charts = _raw(at)
    params = dict(at.query_params)
    assert params["gen_view"] in ("2", ["2"])

    reopened = open_app(PAGE, params, timeout=TIMEOUT)
    assert not reopened.exception and notices(reopened) == notices(at)
    assert _ids(reopened) == _ids(at) and reopened.slider(key="gen_view").value == 2
    again = _raw(reopened)
    for key in CHARTS:
        assert again[key] == charts[key], f"{key} differs in the reopened link"


def test_generate_all_passes_both_correctness_checks(smollm2: pt.LoadedModel) -> None:
    at = _open({"gen_len": "3"})
    at.button(key="gen_all").click().run()
    assert not at.exception
    assert _ids(at) == _greedy(smollm2, PROMPT, 3)
    assert at.button(key="gen_all").disabled and at.button(key="gen_play").disabled
    prompt_len = len(smollm2.tokenizer(PROMPT, add_special_tokens=False)["input_ids"])
    checked = sum(gc.is_recomputed(k, prompt_len) for k in range(1, 4))
    said = f"{checked} checked pass{'es' * (checked != 1)} is"
    assert any("within 0.0001" in s.value and said in s.value for s in at.success), [
        s.value for s in at.success
    ]
    timing = chart_specs(at)["gen_time_chart"]
    full, cached = timing["data"]
    assert len(cached["x"]) == 3 and len(full["x"]) == 1 + checked  # the prefill and the recomputed passes
    at.button(key="gen_check").click().run()
    assert any("transformers' own" in s.value and "same 3 tokens" in s.value for s in at.success)
    at.button(key="gen_reset").click().run()
    assert "gen_out" not in at.query_params and not at.button(key="gen_all").disabled


def test_seeded_sampling_link_reproduces_the_continuation() -> None:
    settings = {
        "gen_strategy": "sample",
        "gen_temp": "1.3",
        "gen_topk": "30",
        "gen_seed": "7",
        "gen_len": "3",
    }
    at = _open(settings)
    at.button(key="gen_all").click().run()
    assert not at.exception
    ids = _ids(at)
    assert len(ids) == 3
    assert any("reproduce all 3 written tokens" in c.value for c in at.caption)
    reopened = open_app(PAGE, dict(at.query_params), timeout=TIMEOUT)
    assert not reopened.exception and _ids(reopened) == ids
    assert any("reproduce all 3 written tokens" in c.value for c in reopened.caption)
    assert _raw(reopened)["gen_next_chart"] == _raw(at)["gen_next_chart"]
    # the same tokens under other settings: they are shown, and the page says which ones those settings differ on
    other = open_app(PAGE, {**dict(at.query_params), "gen_strategy": "greedy"}, timeout=TIMEOUT)
    assert _ids(other) == ids
    flagged = [m.value for m in other.markdown if "would choose" in m.value]
    assert len(flagged) <= 1  # shown for the pass on screen only when greedy picks differently there


@pytest.mark.parametrize(
    "raw",
    ["abc", "1.2.x", "99999999", ".".join(["5"] * (gc.MAX_NEW_TOKENS + 1)), "-3", str(10**6)],
)
def test_a_tampered_continuation_falls_back_with_a_notice(raw: str) -> None:
    at = _open({"gen_out": raw})
    assert not at.exception
    assert any("Generated text" in n for n in notices(at)), notices(at)
    assert "gen_out" not in at.query_params and not at.button(key="gen_next").disabled


def test_empty_and_too_long_prompts_are_explained() -> None:
    at = open_app(PAGE, {"text": "   "}, timeout=TIMEOUT)
    assert not at.exception
    assert any("empty" in n and "beginning-of-text" in n for n in notices(at))
    assert len(chart_specs(at)["gen_attn_chart"]["data"][0]["y"]) == 1  # BOS alone: one key
    long = open_app(PAGE, {"text": " ".join(f"w{i % 50}" for i in range(600))}, timeout=TIMEOUT)
    assert not long.exception
    assert any("the last 512" in n for n in notices(long))
    assert len(chart_specs(long)["gen_attn_chart"]["data"][0]["y"]) == gc.MAX_PROMPT_TOKENS


def test_play_writes_up_to_the_length_then_stops() -> None:
    at = _open({"gen_len": "2"})
    at.button(key="gen_play").click().run()
    assert not at.exception and len(_ids(at)) == 2
    assert at.button(key="gen_stop").disabled, "the job ended with the last token"
    assert "_gen_job" not in at.session_state


def test_one_generation_per_session() -> None:
    at = _open()
    busy = threading.Lock()
    busy.acquire()  # as if another run of this session were generating
    at.session_state["_gen_lock"] = busy
    at.button(key="gen_next").click().run()
    assert not at.exception
    assert any("already running in this tab" in i.value for i in at.info)
    assert _ids(at) == ()


def test_a_busy_server_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    at = _open()
    calls: list[int] = []

    def busy(self, prompt_ids, path, history=(), waiting=None):
        if waiting is not None:
            waiting(4)
        calls.append(len(path))
        raise gc.GenerationBusyError("the model stayed busy for more than 300 s; try again in a moment")

    monkeypatch.setattr(gc.GenerationHub, "step", busy)
    at.button(key="gen_next").click().run()
    assert not at.exception and calls == [1]
    assert any("The server is busy" in e.value for e in at.error)
    assert _ids(at) == () and "_gen_job" not in at.session_state


@pytest.mark.parametrize("step", [1, 2, 3, 4])
def test_presentation_shows_one_step_with_its_figure(step: int) -> None:
    at = _open({"present": "1", "step": str(step)})
    assert not at.exception
    keys = set(chart_specs(at))
    main = ["gen_attn_chart", "gen_next_chart", "gen_cache_chart", "gen_time_chart"][step - 1]
    assert main in keys and keys <= CHARTS
    assert len(keys & {"gen_attn_chart", "gen_next_chart", "gen_cache_chart", "gen_time_chart"}) == 1
    height = chart_specs(at)[main]["layout"]["height"]
    assert height <= 300 * 1.2, "the main figure fits a 1280x720 projector"


def test_the_cache_numbers_come_from_the_config(smollm2: pt.LoadedModel) -> None:
    at = _open({"gen_layer": "5", "gen_head": "8"})
    config = smollm2.model.config
    t = len(smollm2.tokenizer(PROMPT, add_special_tokens=False)["input_ids"])
    text = next(m.value for m in at.markdown if "grouped-query attention" in m.value)
    shape = f"({config.num_hidden_layers}, {config.num_key_value_heads}, {t}, {config.head_dim})"
    assert shape in text
    ratio = config.num_attention_heads // config.num_key_value_heads
    assert f"= {ratio}× smaller" in text
    cache = chart_specs(at)["gen_cache_chart"]
    assert "KV head 3 (query heads 7–9)" in cache["layout"]["title"]["text"]
    assert np.asarray(cache["data"][0]["z"]).shape == (t, config.head_dim)

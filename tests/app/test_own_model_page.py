"""The "Your own GPT" page through AppTest: the demo, uploads through the file uploader, bad files, isolation.

Every figure is checked against the model's own forward pass (GPTModel.logits_and_attention on the same
token ids), computed here from the files, not read back from the page.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import numpy as np
import pytest
import streamlit as st
import torch
from safetensors.torch import save as save_safetensors
from streamlit import config as st_config

from attention_core import bpe
from attention_core import own_model as om
from attention_core.checkpoint import load_gpt_bytes
from attention_core.gpt import GPTConfig, GPTModel
from tests.app.conftest import notices, open_app
from tests.support.plotly import chart_specs, first_z

PAGE = "app_pages/own_model.py"
SENTENCE = "the small black cat sees three european dogs ."
CHARTS = {"own_grid", "own_head_map", "own_head_lines", "own_heads_query", "own_next"}


def _open(params: dict[str, str] | None = None):
    return open_app(PAGE, {"text": SENTENCE, **(params or {})}, timeout=300)


def forward(model: GPTModel, text: str) -> tuple[np.ndarray, np.ndarray]:
    """The model's own attention (L, h, T, T) and next-token probabilities for `text`."""
    ids = bpe.gpt2_tokenizer().encode(text)
    with torch.no_grad():
        logits, attn = model.logits_and_attention(torch.tensor([ids]))
    return attn[0].numpy(), torch.softmax(logits[0, -1].double(), -1).numpy()


@pytest.fixture(scope="module")
def demo_files() -> tuple[bytes, bytes]:
    """The checkpoint scripts/train_tiny_gpt.py made (shipped in the assets)."""
    return (om.DEMO_DIR / om.DEMO_CONFIG).read_bytes(), (om.DEMO_DIR / om.DEMO_WEIGHTS).read_bytes()


@pytest.fixture(scope="module")
def other() -> tuple[GPTModel, bytes, bytes]:
    """A different GPTModel (3 layers x 2 heads, q/k/v biases), saved the book's way: torch.save(state_dict)."""
    cfg = GPTConfig(vocab_size=50257, context_length=32, emb_dim=8, n_heads=2, n_layers=3, qkv_bias=True)
    torch.manual_seed(5)
    model = GPTModel(cfg).eval()
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return model, json.dumps(cfg.to_dict()).encode(), buf.getvalue()


def upload(
    at, config: bytes, weights: bytes, weights_name: str = "model.pth", config_name: str = "config.json"
):
    at.file_uploader(key="own_config").set_value((config_name, config, "application/json"))
    at.file_uploader(key="own_weights").set_value((weights_name, weights, "application/octet-stream"))
    return at.run()


def plain(text: str) -> str:
    """A message as the reader sees it (the page escapes Markdown in everything it did not write itself)."""
    return re.sub(r"\\(.)", r"\1", text)


def shown_attention(at) -> np.ndarray:
    return first_z(chart_specs(at)["own_head_map"])


def test_demo_model_by_default_equals_its_forward_pass() -> None:
    at = _open()
    assert not at.exception
    charts = chart_specs(at)
    assert set(charts) >= CHARTS
    demo = om.load_demo()
    attn, probs = forward(demo.model, SENTENCE)
    np.testing.assert_allclose(shown_attention(at), attn[0, 0], atol=1e-6)
    np.testing.assert_allclose(first_z(charts["own_heads_query"]), attn[0, :, -1, :], atol=1e-6)
    bars = charts["own_next"]["data"][0]
    np.testing.assert_allclose(sorted(bars["x"], reverse=True), np.sort(probs)[::-1][:5], atol=1e-6)
    assert any("tiny demo model" in i.value for i in at.info)
    tokens = bpe.gpt2_tokenizer().encode(SENTENCE)
    assert str(tokens) in [c.value for c in at.code]  # the ids, as tiktoken prints them in the book


def test_uploaded_safetensors_from_the_training_script(demo_files: tuple[bytes, bytes]) -> None:
    at = _open({"own_layer": "2", "own_head": "3"})
    upload(at, demo_files[0], demo_files[1], "model.safetensors")
    assert not at.exception and not at.error
    assert any("your model" in s.value for s in at.success)
    attn, _ = forward(load_gpt_bytes(*demo_files).model, SENTENCE)
    np.testing.assert_allclose(shown_attention(at), attn[1, 2], atol=1e-6)


def test_uploaded_pth_switches_the_page_to_that_model(other) -> None:
    model, config, weights = other
    at = _open()
    upload(at, config, weights)
    assert not at.exception and not at.error
    assert at.slider(key="own_layer").max == 3 and at.slider(key="own_head").max == 2
    at.slider(key="own_layer").set_value(3).run()
    at.slider(key="own_head").set_value(2).run()
    attn, probs = forward(model, SENTENCE)
    np.testing.assert_allclose(shown_attention(at), attn[2, 1], atol=1e-6)
    grid = first_z(chart_specs(at)["own_grid"])
    t = attn.shape[-1]
    # the model view holds every head; with more layers than heads, layers run across and heads down
    np.testing.assert_allclose(
        grid[(t + 1) : (t + 1) + t, 2 * (t + 1) : 2 * (t + 1) + t], attn[2, 1], atol=1e-6
    )
    bars = chart_specs(at)["own_next"]["data"][0]
    np.testing.assert_allclose(sorted(bars["x"], reverse=True), np.sort(probs)[::-1][:5], atol=1e-6)
    summary = at.dataframe[0].value
    assert "3 × 2" in summary.to_string() and "float32" in summary.to_string()


def test_the_model_belongs_to_one_session_and_can_be_forgotten(other) -> None:
    _model, config, weights = other
    alice = _open()
    upload(alice, config, weights)
    assert alice.slider(key="own_layer").max == 3
    bob = _open()  # another browser session meanwhile: still the demo
    assert bob.slider(key="own_layer").max == 2 and any("tiny demo" in i.value for i in bob.info)
    alice.button(key="own_forget").click().run()
    assert not alice.exception
    assert alice.slider(key="own_layer").max == 2 and any("tiny demo" in i.value for i in alice.info)
    alice.run()  # the files are still in the uploader, but forgetting is not undone by a rerun
    assert alice.slider(key="own_layer").max == 2


def test_a_link_carries_the_settings_but_never_the_upload(other) -> None:
    _, config, weights = other
    at = _open()
    upload(at, config, weights)
    at.slider(key="own_layer").set_value(3).run()
    assert at.query_params["own_layer"] in ("3", ["3"])
    assert not any(k.startswith(("own_config", "own_weights")) for k in at.query_params)
    assert any("link cannot carry an uploaded file" in c.value for c in at.caption)
    again = _open(dict(at.query_params))  # the demo has 2 layers: 3 falls back with a notice
    assert not again.exception
    assert again.slider(key="own_layer").value in (1, 2)


def _evil_pth(marker: Path) -> bytes:
    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('pwned')",))

    buf = io.BytesIO()
    torch.save({"tok_emb.weight": torch.zeros(2, 2), "x": Payload()}, buf)
    return buf.getvalue()


def _bad_cases(demo_files: tuple[bytes, bytes], marker: Path) -> dict[str, tuple[bytes, bytes, str, str]]:
    config, weights = demo_files
    sd = load_gpt_bytes(config, weights).model.state_dict()
    renamed = save_safetensors({k.replace("out_head", "lm_head"): v.contiguous() for k, v in sd.items()})
    wider = json.dumps({**json.loads(config), "emb_dim": 32}).encode()
    return {
        "pickle-with-code": (config, _evil_pth(marker), "model.pth", r"refused.*nothing in it was run"),
        "renamed-keys": (config, renamed, "model.safetensors", r"missing .*out_head\.weight"),
        "wrong-shapes": (wider, weights, "model.safetensors", r"wrong shape.*emb_dim = 16"),
        "truncated": (config, weights[: len(weights) // 3], "model.safetensors", r"damaged or incomplete"),
        "not-weights": (config, b"hello, I am not a checkpoint", "model.pth", r"neither safetensors nor"),
        "bad-config": (b'{"vocab_size": 50257, "emb', weights, "model.safetensors", r"not valid JSON"),
        "config-is-weights": (weights[:5000], weights, "model.safetensors", r"not text|not valid JSON"),
    }


@pytest.mark.parametrize(
    "case",
    [
        "pickle-with-code",
        "renamed-keys",
        "wrong-shapes",
        "truncated",
        "not-weights",
        "bad-config",
        "config-is-weights",
    ],
)
def test_bad_files_get_a_clear_message_and_nothing_runs(case: str, demo_files, tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"
    config, weights, name, words = _bad_cases(demo_files, marker)[case]
    at = _open()
    upload(at, config, weights, name)
    assert not at.exception
    errors = plain(" ".join(e.value for e in at.error))
    assert re.search(words, errors, re.S), errors
    assert "Traceback" not in errors
    assert not marker.exists()
    assert any("tiny demo" in i.value for i in at.info)  # the page keeps working on the demo
    assert set(chart_specs(at)) >= CHARTS
    assert at.text_area(key="text").value == SENTENCE  # nothing the user typed is lost


def test_files_over_the_size_limit(demo_files) -> None:
    old = st_config.get_option("server.maxUploadSize")
    st_config.set_option("server.maxUploadSize", 1)  # MB; the demo weights are ~3 MB
    try:
        at = _open()
        upload(at, demo_files[0], demo_files[1], "model.safetensors")
        assert not at.exception
        assert any("at most 1.0 MB" in plain(e.value) for e in at.error)
        assert at.file_uploader(key="own_weights").proto.max_upload_size_mb == 1
    finally:
        st_config.set_option("server.maxUploadSize", old)


def test_a_single_file_waits_for_the_other(demo_files) -> None:
    at = _open()
    at.file_uploader(key="own_weights").set_value(
        ("model.safetensors", demo_files[1], "application/octet-stream")
    )
    at.run()
    assert not at.exception and not at.error and not at.success
    assert any("tiny demo" in i.value for i in at.info)


def test_long_text_is_cut_to_the_context_length_with_a_notice() -> None:
    at = _open()
    at.text_area(key="text").set_value(" ".join(["the cat sleeps ."] * 30)).run()
    assert not at.exception
    assert any("this page runs the first 64" in n for n in notices(at))
    assert shown_attention(at).shape == (64, 64)


def test_missing_tokenizer_package_disables_only_this_page(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.delenv(bpe.ENV_VOCAB, raising=False)
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "whisper" else real(name, *a)
    )
    at = _open()
    assert not at.exception
    assert any("pip install --no-deps openai-whisper" in plain(e.value) for e in at.error)
    assert not at.get("plotly_chart")
    other_page = open_app("app_pages/multihead.py", {"text": SENTENCE})
    assert not other_page.exception and other_page.get("plotly_chart")


def test_broken_demo_asset_still_allows_an_upload(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, other
) -> None:
    _model, config, weights = other
    (tmp_path / om.DEMO_CONFIG).write_text("{}")
    (tmp_path / om.DEMO_WEIGHTS).write_bytes(b"\x00" * 100)
    monkeypatch.setattr(om, "DEMO_DIR", tmp_path)
    st.cache_resource.clear()
    try:
        at = _open()
        assert not at.exception
        assert any("python scripts/train_tiny_gpt.py" in plain(e.value) for e in at.error)
        assert not at.get("plotly_chart")
        upload(at, config, weights)
        assert not at.exception and set(chart_specs(at)) >= CHARTS
    finally:
        monkeypatch.undo()
        st.cache_resource.clear()


def _click_head(at, layer: int, head: int):
    """What the browser sends when a thumbnail of the model view is clicked (see the transformer page's tests)."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    (grid,) = [el for el in at.get("plotly_chart") if el.proto.id.endswith("-own_grid")]
    selection = {"points": [{"customdata": [layer, head]}], "point_indices": [0], "box": [], "lasso": []}
    states = at._tree.get_widget_states()
    states.widgets.append(WidgetState(id=grid.proto.id, string_value=json.dumps({"selection": selection})))
    return at._run(states)


def test_click_in_the_model_view_picks_the_head() -> None:
    at = _open()
    _click_head(at, 2, 4)
    assert not at.exception
    assert (at.slider(key="own_layer").value, at.slider(key="own_head").value) == (2, 4)
    attn, _ = forward(om.load_demo().model, SENTENCE)
    np.testing.assert_allclose(shown_attention(at), attn[1, 3], atol=1e-6)
    _click_head(at, 9, 9)  # outside this model's grid: nothing changes
    assert (at.slider(key="own_layer").value, at.slider(key="own_head").value) == (2, 4)


def test_query_token_moves_the_head_view() -> None:
    at = _open()
    at.selectbox(key="own_q").set_value("4 · ␣cat").run()
    assert at.query_params["own_q"] in ("4", ["4"])
    lines = chart_specs(at)["own_head_lines"]
    attn, _ = forward(om.load_demo().model, SENTENCE)
    np.testing.assert_allclose(
        np.asarray(lines["data"][-1]["customdata"], dtype=float), attn[0, 0, 3], atol=1e-6
    )


def test_presentation_mode_steps_through_the_lesson() -> None:
    at = _open({"present": "1"})
    assert not at.exception
    assert at.file_uploader(key="own_config") is not None and not at.get("plotly_chart")  # step 1: the model
    at.button(key="lesson_next").click().run()
    at.button(key="lesson_next").click().run()
    assert set(chart_specs(at)) == {"own_grid"}  # step 3: the model view alone
    at.button(key="lesson_next").click().run()
    assert {"own_head_map", "own_head_lines", "own_heads_query"} == set(chart_specs(at))

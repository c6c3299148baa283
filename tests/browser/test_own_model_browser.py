"""Real browser on the "Your own GPT" page: upload a checkpoint with set_input_files, see its attention.

The attention drawn in chromium (read back from Plotly's own figure data) must equal the uploaded model's
forward pass, computed here from the same files. A malicious .pth uploaded the same way is refused by the
server, and its payload (which would create a file) never runs.
"""

from __future__ import annotations

import io
import json
import urllib.parse
from pathlib import Path

import numpy as np
import torch
from playwright.sync_api import Page, expect

from attention_core import bpe
from attention_core.gpt import GPTConfig, GPTModel
from tests.browser.conftest import wait_for_app

LOAD_MS = 240_000
TEXT = "the small cat sees the big dog ."
# Plotly keeps the decoded matrix (rows of Float32Array) in _fullData; data[0].z is the packed base64 form.
READ_Z = """gd => Array.from(gd._fullData[0].z, row => Array.from(row))"""


def _open(page: Page, streamlit_url: str) -> None:
    page.goto(f"{streamlit_url}/own_model?text={urllib.parse.quote(TEXT)}")
    page.wait_for_selector(".js-plotly-plot", timeout=LOAD_MS)
    wait_for_app(page, timeout=LOAD_MS)


def _head_chart(page: Page, layer: int, head: int):
    return page.locator(".js-plotly-plot").filter(has_text=f"Layer {layer}, head {head}: attention weights")


def _upload(page: Page, config: Path, weights: Path) -> None:
    page.locator(".st-key-own_config input[type='file']").set_input_files(str(config))
    wait_for_app(page)
    page.locator(".st-key-own_weights input[type='file']").set_input_files(str(weights))
    wait_for_app(page, timeout=LOAD_MS)


def _checkpoint(folder: Path) -> tuple[GPTModel, Path, Path]:
    """A 3-layer x 2-head GPTModel saved as the book does: config JSON + torch.save(model.state_dict())."""
    cfg = GPTConfig(vocab_size=50257, context_length=32, emb_dim=8, n_heads=2, n_layers=3)
    torch.manual_seed(11)
    model = GPTModel(cfg).eval()
    config, weights = folder / "config.json", folder / "model.pth"
    config.write_text(json.dumps(cfg.to_dict()))
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    weights.write_bytes(buf.getvalue())
    return model, config, weights


def test_upload_a_checkpoint_and_see_its_attention(
    page: Page, streamlit_url: str, tmp_path: Path, screenshot_dir: Path
) -> None:
    _open(page, streamlit_url)
    expect(page.get_by_text("Showing the tiny demo model", exact=False)).to_be_visible()
    model, config, weights = _checkpoint(tmp_path)
    _upload(page, config, weights)
    expect(page.get_by_text("Showing your model", exact=False)).to_be_visible(timeout=LOAD_MS)
    chart = _head_chart(page, 1, 1)
    expect(chart).to_be_visible(timeout=LOAD_MS)
    shown = np.asarray(chart.evaluate(READ_Z), dtype=float)
    ids = bpe.gpt2_tokenizer().encode(TEXT)
    with torch.no_grad():
        _, attn = model.logits_and_attention(torch.tensor([ids]))
    np.testing.assert_allclose(shown, attn[0, 0, 0].numpy(), atol=1e-6)
    expect(page.locator(".st-key-own_layer input[type=range]")).to_have_attribute("max", "3")  # 3 layers
    page.screenshot(path=str(screenshot_dir / "own-model-uploaded.png"))

    page.locator(".st-key-own_forget button").click()
    expect(page.get_by_text("Showing the tiny demo model", exact=False)).to_be_visible(timeout=LOAD_MS)


def test_a_malicious_pth_is_refused_in_the_browser(page: Page, streamlit_url: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned.txt"

    class Payload:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('pwned')",))

    _, config, _ = _checkpoint(tmp_path)
    evil = tmp_path / "evil.pth"
    buf = io.BytesIO()
    torch.save({"tok_emb.weight": torch.zeros(2, 2), "x": Payload()}, buf)
    evil.write_bytes(buf.getvalue())
    _open(page, streamlit_url)
    _upload(page, config, evil)
    expect(page.get_by_text("nothing in it was run", exact=False)).to_be_visible(timeout=LOAD_MS)
    expect(page.get_by_text("Showing the tiny demo model", exact=False)).to_be_visible()
    assert not marker.exists()
    assert page.locator("[data-testid='stException']").count() == 0

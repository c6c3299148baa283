"""One-click book settings on the self-attention pages: each button (by key) gives the book's printout on screen,
and the "matches the book" notes appear exactly when the numbers shown equal a printout."""

from __future__ import annotations

import json

import numpy as np
import pytest

from attention_core import book
from tests.app.conftest import keyed_text, open_app
from tests.support.plotly import chart_specs

CAUSAL, TRAINABLE = "app_pages/causal.py", "app_pages/trainable.py"
MULTIHEAD, SIMPLIFIED = "app_pages/multihead.py", "app_pages/simplified.py"
OFF_BOOK = {"text": "the cat sat on the mat", "vec": "model"}  # not the book's sentence


def _values(spec: dict, i: int) -> np.ndarray:
    """The i-th value panel of a heatmap grid (grey 'hidden' overlays skipped; their cells are nan -> 0)."""
    traces = [t for t in spec["data"] if t["type"] == "heatmap" and t.get("name") != "hidden"]
    return np.nan_to_num(np.asarray(traces[i]["z"], dtype=float))


def _click(page: str, button: str, params: dict[str, str] | None = None):
    at = open_app(page, {**OFF_BOOK, **(params or {})})
    assert not at.exception
    at.button(key=button).click().run()
    assert not at.exception
    assert at.radio(key="vec").value == "book"  # the button brought the book's sentence and vectors back
    return at


def _table(at, key: str) -> np.ndarray:
    return at.get_by_key(key).dataframe[0].value.to_numpy(dtype=float)


@pytest.mark.parametrize(
    ("button", "printout", "note"),
    [
        ("ca_book_masked", book.MASKED_WEIGHTS, "ca_book_note"),
        ("ca_book_causal", book.CAUSAL_ATTENTION, "ca_book_ctx_note"),
        ("ca_book_dropout", book.DROPPED_WEIGHTS, "ca_book_drop_note"),
    ],
)
def test_causal_buttons_give_the_printouts(button: str, printout: book.Printout, note: str) -> None:
    at = _click(CAUSAL, button, {"ca_seed": "5", "ca_mask": "0", "ca_din": "4"})
    charts = chart_specs(at)
    shown = {
        "ca_book_note": lambda: _values(charts["ca_weights_fig"], 1),
        "ca_book_ctx_note": lambda: _values(charts["ca_context_fig"], 0),
        "ca_book_drop_note": lambda: _values(charts["ca_dropout_fig"], 1),
    }[note]()
    assert book.matches(printout, shown), book.largest_gap(printout, shown)
    assert printout.source in keyed_text(at, note)


def test_causal_default_claims_the_masked_weights_not_causal_attention() -> None:
    """The issue's bug: seed 789 is the book's masking example, but CausalAttention's printout is seed 123."""
    at = open_app(CAUSAL)
    assert "section 3.5.1" in keyed_text(at, "ca_book_note")
    assert keyed_text(at, "ca_book_ctx_note") == ""
    assert not book.matches(book.CAUSAL_ATTENTION, _values(chart_specs(at)["ca_context_fig"], 0))
    at = open_app(CAUSAL, {"ca_seed": "123"})
    assert "listing 3.3" in keyed_text(at, "ca_book_ctx_note")
    assert keyed_text(at, "ca_book_note") == ""  # seed 123's masked weights are not section 3.5.1's


@pytest.mark.parametrize(
    ("button", "printout"),
    [("tw_book_v1", book.SELF_ATTENTION_V1), ("tw_book_v2", book.SELF_ATTENTION_V2)],
)
def test_trainable_buttons_give_the_printouts(button: str, printout: book.Printout) -> None:
    at = _click(TRAINABLE, button, {"tw_build": "linear", "tw_seed": "9", "tw_lseed": "9", "tw_dout": "3"})
    shown = at.dataframe[-1].value.to_numpy(dtype=float)  # step 7's table of context vectors
    assert book.matches(printout, shown), book.largest_gap(printout, shown)
    assert printout.source in keyed_text(at, "tw_book_note")


@pytest.mark.parametrize(
    ("button", "printout", "key"),
    [
        ("mh_book_mha", book.MULTIHEAD_ATTENTION, "mh_book_note"),
        ("mh_book_wrapper", book.MULTIHEAD_WRAPPER, "mh_wrapper_note"),
    ],
)
def test_multihead_buttons_give_the_printouts(button: str, printout: book.Printout, key: str) -> None:
    at = _click(MULTIHEAD, button, {"mh_seed": "4", "mh_dout": "6", "mh_heads": "3", "mh_causal": "0"})
    assert printout.source in keyed_text(at, key)
    wrapper = _table(at, "mh_wrapper_table")
    assert book.matches(book.MULTIHEAD_WRAPPER, wrapper)
    codes = [c.value for c in at.code]
    assert book.printout_text(book.MULTIHEAD_ATTENTION.array) in codes  # the book's, and the page's own:
    assert sum("[0.3190, 0.4858]" in c for c in codes) == 2


def test_multihead_wrapper_equals_one_mha_with_its_weights() -> None:
    at = open_app(MULTIHEAD, {"mh_dout": "3", "mh_heads": "3", "mh_seed": "11"})
    assert not at.exception
    table = _table(at, "mh_wrapper_table")
    assert table.shape == (6, 9)  # three heads of d_out 3, side by side
    text = keyed_text(at, "mh_wrapper_check")
    assert "same output" in text and "largest difference" in text
    assert keyed_text(at, "mh_wrapper_note") == "" and keyed_text(at, "mh_book_note") == ""
    assert "nothing to compare" in keyed_text(at, "mh_book_compare")  # 6x3 against the book's 6x2
    at = open_app(MULTIHEAD, {"mh_seed": "11"})
    assert "Not the book's MultiHeadAttention printout" in keyed_text(at, "mh_book_compare")
    assert keyed_text(at, "mh_book_note") == ""


def test_simplified_button_and_notes() -> None:
    at = _click(SIMPLIFIED, "sa_book_query", {"q": "4", "dim": "5"})
    assert at.selectbox(key="q").value.startswith("2 ·")
    for key, source in (("sa_book_w", "3.3.1"), ("sa_book_ctx", "3.3.1"), ("sa_book_all", "3.3.2")):
        assert source in keyed_text(at, key)
    at = open_app(SIMPLIFIED, {"q": "3"})  # another query: the book prints no weights for it
    assert keyed_text(at, "sa_book_w") == "" and keyed_text(at, "sa_book_ctx") == ""
    assert "3.3.2" in keyed_text(at, "sa_book_all")  # all context vectors are still the book's


@pytest.mark.parametrize(
    ("preset", "overflows"), [("1, 2, 3, 400", True), ("1000, 1000, 1000", True), ("-1000, -1000, 0", False)]
)
def test_overflow_sentence_follows_the_scores(preset: str, overflows: bool) -> None:
    at = open_app(SIMPLIFIED, {"demo": preset})
    text = keyed_text(at, "sa_overflow_note")
    assert ("overflows to inf" in text) is overflows
    assert ("no exponent overflows" in text) is not overflows
    if preset.startswith("-1000"):
        assert "exp(-1000) underflows" in text  # each score named once


@pytest.mark.parametrize("rate", ["0", "0.5"])
def test_dropout_row_sum_sentence_follows_the_row_sums(rate: str) -> None:
    at = open_app(CAUSAL, {"ca_drop": "1", "ca_rate": rate})
    assert not at.exception
    text = keyed_text(at, "ca_dropout_sums")
    dropped = _values(chart_specs(at)["ca_dropout_fig"], 1)
    sums_one = bool(np.allclose(dropped.sum(-1), 1, atol=5e-5))
    assert sums_one is (rate == "0")
    assert ("every row still sums to 1" in text) is sums_one
    assert ("no longer sum to 1" in text) is not sums_one


@pytest.mark.parametrize(("page", "params"), [(TRAINABLE, {}), (SIMPLIFIED, {}), (MULTIHEAD, {})])
def test_tables_print_four_decimals(page: str, params: dict[str, str]) -> None:
    """Every number table of these pages prints a fixed 4 decimals (1.4950, not 1.495), like the code blocks;
    the simplified page's input table keeps the book's 2 (it prints the inputs as 0.43, 0.15, 0.89)."""
    at = open_app(page, params)
    formats = [
        column["type_config"].get("format")
        for frame in at.dataframe
        for column in json.loads(frame.proto.columns or "{}").values()
        if column.get("type_config", {}).get("type") == "number"
    ]
    assert formats and set(formats) <= {"%.4f", "%.2f", "%.2e"}  # %.2e: parity gaps near 1e-7
    assert "%.4f" in formats

"""notebooks/chapter3.ipynb: committed without outputs, and it runs offline on the installed library.

The run uses nbclient with the venv's ipykernel; the kernel's only extra import path is the wheel installed by
the `installed_library` fixture, so the notebook is checked the way a reader runs it after `pip install .`.
Its printed numbers are the book's chapter-3 values, and every figure cell shows a Plotly figure.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.library.conftest import ROOT, Installed

NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CHAPTER3 = ROOT / "notebooks" / "chapter3.ipynb"
PLOTLY = "application/vnd.plotly.v1+json"
BOOK_NUMBERS = (
    "tensor([0.1385, 0.2379, 0.2333, 0.1240, 0.1082, 0.1581])",  # weights of the query "journey"
    "tensor([0.4419, 0.6515, 0.5683])",  # its context vector
    "query_2: tensor([0.4306, 1.4551])",  # seed 123, torch.rand weights
    "context_vec_2: tensor([0.3061, 0.8210])",
    "[0.2996, 0.8053]",  # SelfAttention_v1, seed 123
    "[-0.0739,  0.0713]",  # SelfAttention_v2, seed 789
    "[0.7599, 0.6194, 0.6206, 0.0000, 0.0000, 0.0000]",  # dropout 0.5 after seed 123, rows kept x 2
    "context_vecs.shape: (2, 6, 2)",
    "[-0.4519,  0.2216,  0.4772,  0.1063]",  # MultiHeadAttentionWrapper, seed 123
    "[0.3190, 0.4858]",  # MultiHeadAttention, seed 123
    "same weights: True",
)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebooks_are_committed_without_outputs(path: Path) -> None:
    nb = json.loads(path.read_text(encoding="utf-8"))
    for i, cell in enumerate(nb["cells"]):
        if cell["cell_type"] == "code":
            assert cell.get("outputs") == [], (
                f"{path.name} cell {i} has outputs: clear them before committing"
            )
            assert cell.get("execution_count") is None, f"{path.name} cell {i} has an execution count"
    assert "widgets" not in nb.get("metadata", {}), f"{path.name} carries widget state"


def test_the_checker_sees_the_chapter3_notebook() -> None:
    assert CHAPTER3 in NOTEBOOKS


def test_chapter3_runs_offline_on_the_installed_library(
    installed_library: Installed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = nbformat.read(CHAPTER3, as_version=4)
    nb.cells.append(
        nbformat.v4.new_code_cell("import attention_core\nprint('LIBRARY', attention_core.__file__)")
    )
    for key, value in installed_library.env().items():
        monkeypatch.setenv(key, value)  # the kernel inherits this environment
    work = tmp_path / "reader"
    work.mkdir()
    NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(work)}}
    ).execute()

    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert errors == []
    text = "".join(
        o.get("text", "")
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.outputs
        if o.output_type == "stream"
    )
    for number in BOOK_NUMBERS:
        assert number in text, f"the notebook no longer prints the book's {number}"
    library = next(line for line in text.splitlines() if line.startswith("LIBRARY "))
    assert Path(library.split(" ", 1)[1]).is_relative_to(installed_library.site)
    drawers = ("ac.show(", "weight_bars(", "heatmap(")
    figure_cells = [c for c in nb.cells if c.cell_type == "code" and any(d in c.source for d in drawers)]
    for cell in figure_cells:
        assert any(PLOTLY in o.get("data", {}) for o in cell.outputs), f"no figure from:\n{cell.source[:200]}"
    assert len(figure_cells) >= 12  # one figure after every step
    assert list(work.iterdir()) == []  # the notebook writes nothing

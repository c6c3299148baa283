"""Generating text with SmolLM2: tokens/s with and without the KV cache, the page's rerun time per step, a class.

- Tokens/s at 32, 128 and 512 tokens of context: each new token through the page's own code path (one token
  with the cache, `GenerationHub.step`) and recomputing the whole prefix without a cache (`recompute`), timed
  token by token in alternation so machine noise hits both alike.
- The page's rerun time per step (AppTest, server side): a Next-token click (one forward pass + the page) and a
  layer change (the page alone).
- `--load`: a class on one server: 30 students reading every page at reading pace while 5 others generate 64
  tokens at a time on the generation page, again and again for as long as the readers read (so every reader
  rerun is measured while generations run); the readers' rerun p95 (goal <= 2 s), errors (goal 0), how many
  generations ran, how long they took and how often a generating student saw the "waiting for the model"
  message.

    python -m bench.generate            # 32 / 128 / 512 tokens of context, 16 new tokens each, 12 reruns
    python -m bench.generate --load     # ... and the class (several minutes on 2 idle cores)
    python -m bench.generate --quick    # a small run that checks the bench works (context 32, 3 tokens)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from bench.common import ROOT, bench_args, open_page, print_table, summary_ms

PAGE = "app_pages/generate.py"
CONTEXTS = (32, 128, 512)
NEW_TOKENS = 16
N_RERUNS = 12
# Generating students' prompts: with greedy choice SmolLM2 writes 64 tokens after each of these without ending
# its text (the earlier "Student {n} writes about the ocean, and" made it end its text -- EOS -- after 17-18
# tokens for students 0, 2 and 4, so 3 of 5 "generations" were short; tests/core checks these prompts).
STUDENT_PROMPT = "Student {n} writes a story about the ocean. Once upon a time"
ENDED = "the model ended its text"  # the page's status line when the model wrote its EOS token
TEXT = (
    "the cat sat on the mat and the dog ran to the park while the sun was out and the birds sang in the old "
    "tree by the road near the house where we live with our friends and family "
)


def prompt_ids(tokenizer: Any, n: int) -> tuple[int, ...]:
    """Exactly n token ids of plain English (the text repeated as needed)."""
    ids: list[int] = []
    while len(ids) < n:
        ids += tokenizer(TEXT, add_special_tokens=False)["input_ids"]
    return tuple(int(i) for i in ids[:n])


def token_rates(contexts: tuple[int, ...], new_tokens: int) -> list[dict[str, float]]:
    """Per context length: ms per new token and tokens/s with the cache and recomputing (medians)."""
    from attention_core import generation as gc
    from attention_core import pretrained as pt

    loaded = pt.load_model("smollm2")
    rows = []
    for t in contexts:
        hub = gc.GenerationHub(loaded.model)  # fresh: nothing memoised
        prompt = gc.Prompt(prompt_ids(loaded.tokenizer, t), t)
        gen = gc.start(hub, prompt)
        cached, full = [], []
        for _ in range(new_tokens):
            token = gc.pick(gen.steps[-1].logits, gc.Sampling(), len(gen.ids) + 1)
            path = (*prompt.ids, *gen.ids, token)
            _, seconds = hub.recompute(list(path))  # without a cache: the whole prefix again
            full.append(seconds)
            gen = gc.extend(hub, gen, token)  # with the cache: one new token (what the page runs)
            cached.append(gen.steps[-1].seconds)
        ms_c, ms_f = 1000 * statistics.median(cached), 1000 * statistics.median(full)
        rows.append(
            {
                "context": t,
                "cached_ms": ms_c,
                "full_ms": ms_f,
                "cached_tps": 1000 / ms_c,
                "full_tps": 1000 / ms_f,
            }
        )
    return rows


def page_reruns(n: int) -> dict[str, tuple[float, float]]:
    """Server-side rerun time of the page: a Next-token click, and a layer change (median, p95 in ms)."""
    at = open_page(PAGE, {"text": "The best way to learn about attention is", "gen_len": "64"}, timeout=900)
    clicks, moves = [], []
    for i in range(n):
        at.button(key="gen_next").click()
        start = time.perf_counter()
        at.run()
        clicks.append(time.perf_counter() - start)
        at.slider(key="gen_layer").set_value(1 + (i * 7) % 30)
        start = time.perf_counter()
        at.run()
        moves.append(time.perf_counter() - start)
        if at.exception:
            raise RuntimeError(f"{PAGE} raised: {at.exception[0].message}")
    return {
        "next token (one forward pass + the page)": summary_ms(clicks),
        "layer change (the page only)": summary_ms(moves),
    }


# ---------------------------------------------------------------- a class on one server


@dataclass
class Generator:
    """What one generating student saw over all of its generations."""

    seconds: list[float] = field(default_factory=list)  # per generation: click -> every token on the page
    tokens: list[int] = field(default_factory=list)  # per generation: tokens written
    waits: int = 0  # "waiting for the model" messages shown to this student
    ended: bool = False  # in some round the model wrote its end-of-text token early (the page says so)
    errors: list[str] = field(default_factory=list)


async def generating_student(
    n: int, port: int, tokens: int, timeout: float, class_over: asyncio.Event
) -> Generator:
    """Generate again and again for as long as the readers read, so every reader rerun is measured while
    generations run: each round opens the page in a new session on a prompt of its own (student n's first
    round is Student n, the tested prompt; round r is Student n + 10 r, so no round reuses the hub's shared
    steps of an earlier one) and writes `tokens`."""
    out = Generator()
    round_ = 0
    while not class_over.is_set():
        if not await _generate_once(n + 10 * round_, port, tokens, timeout, out):
            break
        round_ += 1
    return out


async def _generate_once(n: int, port: int, tokens: int, timeout: float, out: Generator) -> bool:
    """Open the generation page on its own prompt, click Generate all for `tokens` tokens, read the result
    into `out`; False on an error."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    from bench.load import Session, Widget

    class GenSession(Session):
        """The load test's client, also reading buttons and the page's waiting messages."""

        waits = 0
        ended = False

        def _read_delta(self, fm: Any, errors: list[str]) -> None:
            super()._read_delta(fm, errors)
            if fm.delta.WhichOneof("type") != "new_element":
                return
            el = fm.delta.new_element
            kind = el.WhichOneof("type")
            if kind == "alert" and "Waiting for the model" in el.alert.body:
                self.waits += 1
            if kind == "markdown" and ENDED in el.markdown.body:
                self.ended = True
            if kind == "button" and el.button.id.startswith("$$ID-"):
                key = el.button.id.split("-", 2)[2]
                self.widgets[key] = Widget("button", el.button.id, key, el.button)

    s = GenSession(port, timeout)
    s.query = urllib.parse.urlencode({"text": STUDENT_PROMPT.format(n=n), "gen_len": str(tokens)})
    errors = len(out.errors)
    try:
        await s.connect()
        first = await s.rerun("generate")
        out.errors += first.errors
        button = s.widgets.get("gen_all")
        if button is None:
            out.errors.append("no Generate all button on the page")
            return False
        s.states[button.id] = WidgetState(id=button.id, trigger_value=True)
        start = time.perf_counter()
        result = await s.rerun()
        out.seconds.append(time.perf_counter() - start)
        s.states.pop(button.id, None)  # a browser clears a trigger once sent
        out.errors += result.errors
        written = urllib.parse.parse_qs(s.query).get("gen_out", [""])[0]
        out.tokens.append(len(written.split(".")) if written else 0)
        out.waits += s.waits
        out.ended = out.ended or s.ended
        if out.tokens[-1] != tokens and not s.ended:  # the model may end its text early: the page says so
            out.errors.append(f"student {n} wrote {out.tokens[-1]} tokens, not {tokens}")
    except OSError as exc:
        out.errors.append(f"connection: {exc}")
    finally:
        with contextlib.suppress(Exception):
            await s.close()
    return len(out.errors) == errors


def run_class(
    readers: int, generators: int, tokens: int, interactions: int, think: tuple[float, float]
) -> dict[str, Any]:
    """One server: readers on every page at reading pace, generators writing at the same time."""
    from bench.common import free_port, streamlit_server
    from bench.load import _run_async, _warm, page_paths, pages_of, student

    pages = page_paths()
    content = [p for p in pages if p]
    port = free_port()
    with streamlit_server(port, ROOT / "artifacts" / "generate-load-server.log", timeout=180):
        _run_async(_warm(port, pages, 600))
        stop_at = time.monotonic() + 3600

        async def everyone() -> tuple[list[Any], list[Generator]]:
            class_over = asyncio.Event()  # set when the last reader is done: the generators stop then

            async def reader(i: int) -> Any:
                await asyncio.sleep(3.0 * i / max(readers, 1))
                return await student(
                    i, port, content[i % len(content)], content, interactions, think, 120.0, stop_at
                )

            async def reading() -> list[Any]:
                try:
                    return list(await asyncio.gather(*(reader(i) for i in range(readers))))
                finally:
                    class_over.set()

            async def writer(i: int) -> Generator:
                await asyncio.sleep(1.0 + 2.0 * i)
                return await generating_student(i, port, tokens, 3600.0, class_over)

            read, written = await asyncio.gather(
                reading(), asyncio.gather(*(writer(i) for i in range(generators)))
            )
            return read, list(written)

        start = time.perf_counter()
        read_stats, gen_stats = _run_async(everyone())
        wall = time.perf_counter() - start
    latencies = [x for r in read_stats for x in r.latencies[1:]]
    on_page = [x for r in read_stats for url, x in r.by_page if url == "generate"]
    ordered = sorted(latencies)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))] if ordered else float("nan")
    return {
        "readers": readers,
        "generators": generators,
        "tokens": tokens,
        "reader_interactions": len(latencies),
        "reader_errors": [e for r in read_stats for e in r.errors],
        "reader_p50_ms": 1000 * statistics.median(latencies) if latencies else float("nan"),
        "reader_p95_ms": 1000 * p95,
        "reader_max_ms": 1000 * max(latencies) if latencies else float("nan"),
        "reader_on_generate_page": summary_ms(on_page) if on_page else None,
        "generator_errors": [e for g in gen_stats for e in g.errors],
        "generator_seconds": [x for g in gen_stats for x in g.seconds],
        "generator_waits": [g.waits for g in gen_stats],
        "generator_tokens": [g.tokens for g in gen_stats],
        "generations": sum(len(g.tokens) for g in gen_stats),
        "wall_s": wall,
        "by_page": pages_of(read_stats),
    }


def print_class(r: dict[str, Any]) -> None:
    """The class scenario as a table."""
    secs = r["generator_seconds"]
    rows = [
        ("readers (every page, reading pace) / generating students", f"{r['readers']} / {r['generators']}"),
        ("tokens per generation", r["tokens"]),
        ("reader interactions measured", r["reader_interactions"]),
        ("reader errors (goal 0)", len(r["reader_errors"])),
        ("reader rerun p50 ms", r["reader_p50_ms"]),
        ("reader rerun p95 ms (goal <= 2000)", r["reader_p95_ms"]),
        ("reader rerun max ms", r["reader_max_ms"]),
        (
            "readers on the generation page p50 / p95 ms",
            "-"
            if r["reader_on_generate_page"] is None
            else "{:.0f} / {:.0f}".format(*r["reader_on_generate_page"]),
        ),
        ("generator errors (goal 0)", len(r["generator_errors"])),
        ("generations while the readers read", r["generations"]),
        (
            "tokens written per generation",
            ", ".join("/".join(str(t) for t in ts) for ts in r["generator_tokens"]),
        ),
        (
            "one generation, fastest / median / slowest s",
            f"{min(secs):.1f} / {statistics.median(secs):.1f} / {max(secs):.1f}" if secs else "-",
        ),
        (
            "'waiting for the model' updates seen per generator",
            ", ".join(str(w) for w in r["generator_waits"]),
        ),
        ("wall time s", r["wall_s"]),
    ]
    print_table("A class on one server while some students generate", ["figure", "value"], rows)
    from bench.load import print_pages

    print_pages(r["by_page"], "The readers' reruns by page")
    for e in (r["reader_errors"] + r["generator_errors"])[:10]:
        print(f"  - {e}")


# ---------------------------------------------------------------- main


def _options(ap: argparse.ArgumentParser) -> None:
    """The options of `python -m bench.generate` beside the shared `--quick`."""
    ap.add_argument("--load", action="store_true", help="also run the class: readers while others generate")
    ap.add_argument("--readers", type=int, default=30)
    ap.add_argument("--generators", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=64, help="tokens each generating student writes")
    ap.add_argument("--interactions", type=int, default=12, help="actions per reader")


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Print the token-rate and page tables (and the class with --load); returns the numbers."""
    args = bench_args(__doc__, argv, _options)
    contexts, new_tokens, reruns = ((32,), 3, 2) if args.quick else (CONTEXTS, NEW_TOKENS, N_RERUNS)
    rates = token_rates(contexts, new_tokens)
    print_table(
        f"SmolLM2, one new token ({new_tokens} per context, medians; upper bounds on a shared machine)",
        [
            "context T",
            "with cache ms",
            "recompute ms",
            "with cache tokens/s",
            "recompute tokens/s",
            "speed-up",
        ],
        [
            (
                r["context"],
                r["cached_ms"],
                r["full_ms"],
                r["cached_tps"],
                r["full_tps"],
                f"{r['full_ms'] / r['cached_ms']:.1f}x",
            )
            for r in rates
        ],
    )
    pages = page_reruns(reruns)
    print_table(
        f"Generation page rerun per step, server side ({reruns} reruns)",
        ["action", "median ms", "p95 ms"],
        [(name, *values) for name, values in pages.items()],
    )
    results: dict[str, Any] = {"rates": rates, "page": pages}
    if args.load:
        readers, generators, tokens, interactions = (
            (3, 1, 4, 3) if args.quick else (args.readers, args.generators, args.tokens, args.interactions)
        )
        think = (0.5, 1.5) if args.quick else (5.0, 15.0)
        results["class"] = run_class(readers, generators, tokens, interactions, think)
        print_class(results["class"])
    return results


if __name__ == "__main__":
    main(sys.argv[1:])

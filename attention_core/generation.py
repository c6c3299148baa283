"""Writing text one token at a time with a decoder (SmolLM2), with a KV cache, and everything a lesson shows.

One generation is a path: the prompt's token ids, then the chosen tokens. Each forward pass over a path is a
`Step`: the newest token's query row over every earlier key (every layer and head), the next-token logits,
and the keys and values that pass appended to the cache. Step 0 reads the whole prompt at once (the prefill);
step k > 0 feeds only the k-th chosen token and reuses the cached keys and values of everything before it.

- The KV cache of a path is rebuilt from the K/V its steps appended (`DynamicCache.update` concatenates the
  same tensors, so it is bit-for-bit the cache a running `generate()` would hold). Nothing mutable is kept
  between calls and the shared model is only ever read.
- `GenerationHub` is one per server: it computes steps behind a first-come-first-served gate (at most
  `slots` forward passes at once; the prompt's prefill goes before generation steps), shares identical steps
  between sessions (a bounded memo) and computes a step once even when several sessions ask at the same time.
- Choosing a token is separate from computing its distribution: greedy takes the arg-max; sampling applies
  temperature, then top-k, then top-p, and draws with a `torch.Generator` seeded by (seed, token number), so
  every token's draw is reproducible on its own and a link can rebuild the same continuation.
- Some steps are also recomputed from scratch without a cache (the first, then every 4th for short prompts and
  sparser for long ones: at most `MAX_RECOMPUTES` passes and `RECOMPUTE_BUDGET` tokens per generation): their
  time is the "no cache" curve, and the largest logit difference is the correctness check (`LOGIT_TOLERANCE`).

Arrays are numpy float32 and read-only; shapes are noted where they are built.
"""

from __future__ import annotations

import contextlib
import copy
import math
import os
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from attention_core.pretrained import display_token

MAX_PROMPT_TOKENS = 512  # the prompt keeps its last 512 tokens (the ones right before the new text)
MAX_NEW_TOKENS = 64  # new tokens one generation may add
TOP_BARS = 10  # next-token candidates drawn as bars
LOGIT_TOLERANCE = 1e-4  # cached and recomputed logits must agree this well
RECOMPUTE_BUDGET = 8_192  # tokens recomputed without a cache per generation at most (sets the stride)
MAX_RECOMPUTES = (
    16  # passes recomputed per 64-token generation at most (besides the first): the server's share
)
TEMPERATURE_RANGE = (0.1, 2.0)
TOP_K_RANGE = (0, 200)  # 0 switches top-k off
TOP_P_RANGE = (0.05, 1.0)  # 1 switches top-p off
SEED_RANGE = (0, 999)
_SEED_STRIDE = 1_000_003  # draw seeds are seed * stride + token number, unique for every (seed, token)

NICE_ENV = "ATTENTION_EXPLORER_GENERATION_NICE"  # how much lower the model threads' CPU priority is (10)

Waiting = Callable[[int], None]  # called about every `poll` seconds while a request waits (forwards ahead)


class GenerationBusyError(RuntimeError):
    """The server stayed busy for longer than the hub's `max_wait`."""


def _frozen(array: np.ndarray) -> np.ndarray:
    """A contiguous float32 copy that nobody can write to (shared between sessions)."""
    out = np.array(array, dtype=np.float32, copy=True, order="C")
    out.setflags(write=False)
    return out


# ---------------------------------------------------------------- settings and choosing a token


@dataclass(frozen=True)
class Sampling:
    """How the next token is chosen: greedy (arg-max) or sampled with temperature, top-k, top-p and a seed."""

    greedy: bool = True
    temperature: float = 0.8
    top_k: int = 50
    top_p: float = 0.95
    seed: int = 123

    def __post_init__(self) -> None:
        checks = (
            ("temperature", self.temperature, TEMPERATURE_RANGE),
            ("top_k", self.top_k, TOP_K_RANGE),
            ("top_p", self.top_p, TOP_P_RANGE),
            ("seed", self.seed, SEED_RANGE),
        )
        for name, value, (lo, hi) in checks:
            if not (isinstance(value, int | float) and lo <= value <= hi):  # also refuses nan
                raise ValueError(f"{name} must be in [{lo}, {hi}], got {value!r}")

    def describe(self) -> str:
        """The settings in a few words, e.g. 'temperature 0.8 · top-k 50 · top-p 0.95 · seed 123'."""
        if self.greedy:
            return "greedy (always the most likely token)"
        parts = [f"temperature {self.temperature:g}"]
        parts.append(f"top-k {self.top_k}" if self.top_k else "top-k off")
        parts.append(f"top-p {self.top_p:g}" if self.top_p < 1 else "top-p off")
        return " · ".join([*parts, f"seed {self.seed}"])


def draw_seed(seed: int, token_number: int) -> int:
    """The torch.Generator seed of one draw: token `token_number` (1-based) of a generation seeded `seed`."""
    return seed * _SEED_STRIDE + token_number


def softmax(logits: np.ndarray) -> np.ndarray:
    """Probabilities from logits (float64 for exact small values), (vocab,) -> (vocab,)."""
    z = np.asarray(logits, dtype=np.float64)
    e = np.exp(z - z.max())
    return e / e.sum()


def _filtered_logits(logits: np.ndarray, sampling: Sampling) -> Any:
    """Temperature, then top-k, then top-p (as transformers applies them): a torch (vocab,) tensor, -inf cut."""
    import torch

    scaled = torch.from_numpy(np.array(logits, dtype=np.float32)) / sampling.temperature  # (vocab,)
    if 0 < sampling.top_k < scaled.shape[0]:
        kth = torch.topk(scaled, sampling.top_k).values[-1]
        scaled = scaled.masked_fill(scaled < kth, float("-inf"))  # ties with the k-th stay in
    if sampling.top_p < 1.0:
        ordered, order = torch.sort(scaled, descending=True, stable=True)  # ties: lower id first
        probs = torch.softmax(ordered, dim=-1)
        before = torch.cumsum(probs, dim=-1) - probs  # probability of the tokens ranked above each one
        cut = before >= sampling.top_p  # the smallest top set reaching top_p stays (the first always does)
        scaled = scaled.masked_fill(torch.zeros_like(cut).scatter(0, order, cut), float("-inf"))
    return scaled


def sampling_probs(logits: np.ndarray, sampling: Sampling) -> np.ndarray:
    """The distribution a token is drawn from (float64, (vocab,)): the model's softmax when greedy."""
    if sampling.greedy:
        return softmax(logits)
    import torch

    return torch.softmax(_filtered_logits(logits, sampling).double(), dim=-1).numpy()


def pick(logits: np.ndarray, sampling: Sampling, token_number: int) -> int:
    """The token these settings choose at token `token_number` (1-based) from these logits."""
    if sampling.greedy:
        return int(np.argmax(logits))  # the first maximum, as torch.argmax in transformers' greedy search
    import torch

    probs = torch.softmax(_filtered_logits(logits, sampling), dim=-1)  # float32, like transformers
    generator = torch.Generator().manual_seed(draw_seed(sampling.seed, token_number))
    return int(torch.multinomial(probs, 1, generator=generator).item())


# ---------------------------------------------------------------- the prompt


@dataclass(frozen=True)
class Prompt:
    """The token ids the model reads before it writes, and what was changed on the way."""

    ids: tuple[int, ...]
    total_tokens: int  # tokens the whole text has (before truncation)
    from_bos: bool = False  # the text was empty: the model starts from its BOS token alone

    @property
    def truncated(self) -> bool:
        """True when the text had more tokens than the prompt keeps."""
        return self.total_tokens > len(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


def prepare_prompt(tokenizer: Any, text: str, bos_id: int, max_tokens: int = MAX_PROMPT_TOKENS) -> Prompt:
    """Tokenize the prompt as the model reads it (no special tokens added); keep the last `max_tokens`.

    A text with no visible character gives the BOS token alone, so the model still has a first query.
    """
    if not text.strip():
        return Prompt((int(bos_id),), 0, from_bos=True)
    ids = [int(i) for i in tokenizer(text, add_special_tokens=False)["input_ids"]]
    if not ids:
        return Prompt((int(bos_id),), 0, from_bos=True)
    return Prompt(tuple(ids[-max_tokens:]), len(ids))


def token_labels(tokenizer: Any, ids: Sequence[int]) -> list[str]:
    """Tokens as a reader sees them: '␣' for a leading space, '↵' for a new line (plain text, not escaped)."""
    return [display_token(str(t)) for t in tokenizer.convert_ids_to_tokens([int(i) for i in ids])]


# ---------------------------------------------------------------- one forward pass


@dataclass(frozen=True, eq=False)
class Step:
    """One forward pass: what the newest token attends to, what comes next, what entered the cache."""

    index: int  # tokens chosen before this pass (0: the prefill of the prompt)
    query_position: int  # 0-based position of the newest token, whose query row is `attn_rows`
    attn_rows: np.ndarray  # (layers, heads, T): its weights over keys 0..T-1, T = query_position + 1
    logits: np.ndarray  # (vocab,): scores of the next token
    new_keys: np.ndarray  # (layers, kv_heads, n_new, head_dim): the keys this pass appended to the cache
    new_values: np.ndarray  # (layers, kv_heads, n_new, head_dim)
    seconds: float  # the forward pass itself (with the cache; for step 0, the prefill of the prompt)
    recompute_seconds: float | None = None  # the same logits recomputed from scratch without a cache
    logit_gap: float | None = None  # max |logits with cache - logits without|

    @property
    def context_len(self) -> int:
        """T: tokens in the cache after this pass (every key the newest query saw)."""
        return self.query_position + 1

    @property
    def nbytes(self) -> int:
        """Memory this step holds."""
        return int(sum(a.nbytes for a in (self.attn_rows, self.logits, self.new_keys, self.new_values)))


def recompute_stride(prompt_len: int, budget: int = RECOMPUTE_BUDGET) -> int:
    """Recompute every n-th step without a cache: one 64-token generation recomputes at most `budget` tokens
    and at most MAX_RECOMPUTES passes (plus the first), so the check costs the server a bounded share."""
    total = sum(prompt_len + k for k in range(1, MAX_NEW_TOKENS + 1))
    return max(1, math.ceil(total / budget), math.ceil(MAX_NEW_TOKENS / MAX_RECOMPUTES))


def is_recomputed(index: int, prompt_len: int) -> bool:
    """Whether step `index` (> 0) is also recomputed without a cache (the first always is)."""
    return index == 1 or (index > 0 and index % recompute_stride(prompt_len) == 0)


class _Gate:
    """At most `slots` holders at once, first come first served; priority 0 goes before priority 1."""

    def __init__(self, slots: int) -> None:
        if slots < 1:
            raise ValueError("the gate needs at least one slot")
        self._cond = threading.Condition()
        self._free = slots
        self._queues: tuple[deque[object], deque[object]] = (deque(), deque())
        self.running = 0

    def _head(self) -> object | None:
        for queue in self._queues:
            if queue:
                return queue[0]
        return None

    def queued(self) -> int:
        """Requests waiting for a slot."""
        with self._cond:
            return sum(len(q) for q in self._queues)

    def _ahead(self, ticket: object, priority: int) -> int:
        ahead = sum(len(q) for q in self._queues[:priority]) + list(self._queues[priority]).index(ticket)
        return ahead + self.running

    @contextmanager
    def slot(self, priority: int, waiting: Waiting | None, poll: float, max_wait: float) -> Iterator[None]:
        """Hold one slot for the body; `waiting(ahead)` runs outside the lock while this request waits."""
        ticket = object()
        queue = self._queues[priority]
        deadline = time.monotonic() + max_wait
        acquired = False
        with self._cond:
            queue.append(ticket)
        try:
            while not acquired:
                with self._cond:
                    if not (self._free > 0 and self._head() is ticket):
                        self._cond.wait(timeout=poll)
                    if self._free > 0 and self._head() is ticket:
                        queue.popleft()
                        self._free -= 1
                        self.running += 1
                        acquired = True
                        break
                    ahead = self._ahead(ticket, priority)
                if waiting is not None:
                    waiting(ahead)
                if time.monotonic() > deadline:
                    raise GenerationBusyError(
                        f"the model stayed busy for more than {max_wait:.0f} s; try again in a moment"
                    )
        except BaseException:
            if not acquired:
                with self._cond:
                    queue.remove(ticket)
                    self._cond.notify_all()
            raise
        try:
            yield
        finally:
            with self._cond:
                self._free += 1
                self.running -= 1
                self._cond.notify_all()


PREFILL_PRIORITY, STEP_PRIORITY = 0, 1


def lower_thread_priority(nice: int) -> None:
    """Raise the calling thread's nice value by `nice` (Linux: each thread has its own, and threads it starts
    later inherit it; torch's compute threads started earlier by another thread are not checked to follow).
    Best effort: where a thread's priority cannot be set, nothing changes."""
    if nice <= 0:
        return
    with contextlib.suppress(OSError, AttributeError):
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + nice)


class GenerationHub:
    """One per server: computes, shares and rations the forward passes of every generation (thread-safe).

    The model is only read. Steps are immutable and shared by every session whose path is the same.
    Forward passes run on the hub's own threads (one per slot) at a lower CPU priority (`nice`, default from
    ATTENTION_EXPLORER_GENERATION_NICE or 10), so other students' page reruns go first on a busy machine.
    """

    def __init__(
        self,
        model: Any,
        *,
        slots: int = 1,
        memo_bytes: int = 256 * 2**20,
        poll: float = 0.2,
        max_wait: float = 300.0,
        nice: int | None = None,
    ) -> None:
        config = model.config
        self.model = model
        self.layers = int(config.num_hidden_layers)
        self.heads = int(config.num_attention_heads)
        self.kv_heads = int(getattr(config, "num_key_value_heads", None) or self.heads)
        self.head_dim = int(getattr(config, "head_dim", None) or config.hidden_size // self.heads)
        self.vocab_size = int(config.vocab_size)
        eos = getattr(config, "eos_token_id", None)
        self.eos_ids = frozenset(
            int(e) for e in (eos if isinstance(eos, list | tuple) else [eos]) if e is not None
        )
        self.bos_id = int(
            config.bos_token_id if config.bos_token_id is not None else next(iter(self.eos_ids))
        )
        self.memo_bytes, self.poll, self.max_wait = memo_bytes, poll, max_wait
        self._gate = _Gate(slots)
        self.nice = int(os.environ.get(NICE_ENV, "10") or 0) if nice is None else int(nice)
        self._model_threads = ThreadPoolExecutor(
            max_workers=slots,
            thread_name_prefix="generation",
            initializer=lower_thread_priority,
            initargs=(self.nice,),
        )
        self._lock = threading.Lock()
        self._memo: OrderedDict[tuple[tuple[int, ...], tuple[int, ...]], Step] = OrderedDict()
        self._memo_used = 0
        self._inflight: dict[tuple[tuple[int, ...], tuple[int, ...]], threading.Event] = {}
        self._references: OrderedDict[tuple[tuple[int, ...], int], tuple[int, ...]] = OrderedDict()
        self.forwards = 0  # forward passes run (for tests and the bench)

    # -------- shared bookkeeping

    def queued(self) -> int:
        """Forward passes waiting for the gate right now."""
        return self._gate.queued()

    def memo_size(self) -> tuple[int, int]:
        """(steps, bytes) in the shared memo."""
        with self._lock:
            return len(self._memo), self._memo_used

    def _count(self, n: int) -> None:
        with self._lock:
            self.forwards += n

    def _remember(self, key: tuple[tuple[int, ...], tuple[int, ...]], step: Step) -> None:
        with self._lock:
            if key in self._memo or step.nbytes > self.memo_bytes:
                return
            self._memo[key] = step
            self._memo_used += step.nbytes
            while self._memo_used > self.memo_bytes:
                _, old = self._memo.popitem(last=False)
                self._memo_used -= old.nbytes

    # -------- the model

    def _on_model_thread(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on one of the hub's low-priority threads and return its result."""
        return self._model_threads.submit(fn).result()

    def _inference(self, call: Callable[[], Any]) -> tuple[Any, float]:
        """Run a model call in inference mode on a model thread: (its output, the seconds it took there)."""
        import torch

        def run() -> tuple[Any, float]:
            start = time.perf_counter()
            with torch.inference_mode():  # thread-local, so entered on the model thread itself
                out = call()
            return out, time.perf_counter() - start

        return self._on_model_thread(run)

    def _forward(self, input_ids: list[int], cache: Any) -> tuple[Step, Any]:
        """Run the new tokens through the model with `cache` (it grows); returns the step's arrays."""
        import torch

        ids = torch.tensor([input_ids], dtype=torch.long)  # (1, n_new)
        out, seconds = self._inference(
            lambda: self.model(
                input_ids=ids, cache=cache, use_cache=True, output_attentions=True, logits_to_keep=1
            )
        )
        self._count(1)
        n_new = len(input_ids)
        # out.attentions: one (1, heads, n_new, T) per layer; the last query row of each -> (layers, heads, T)
        rows = np.stack([a[0, :, -1, :].float().numpy() for a in out.attentions])
        # each cache layer holds (1, kv_heads, T, head_dim); the last n_new positions are this pass's
        keys = np.stack([layer.keys[0, :, -n_new:, :].float().numpy() for layer in out.cache.layers])
        values = np.stack([layer.values[0, :, -n_new:, :].float().numpy() for layer in out.cache.layers])
        t = rows.shape[-1]
        step = Step(
            index=-1,
            query_position=t - 1,
            attn_rows=_frozen(rows),
            logits=_frozen(out.logits[0, -1].float().numpy()),
            new_keys=_frozen(keys),
            new_values=_frozen(values),
            seconds=seconds,
        )
        return step, out.logits[0, -1]

    def recompute(self, all_ids: list[int]) -> tuple[Any, float]:
        """The next-token logits of the whole path from scratch, no cache: (logits, seconds)."""
        import torch

        ids = torch.tensor([all_ids], dtype=torch.long)  # (1, T)
        out, seconds = self._inference(lambda: self.model(input_ids=ids, use_cache=False, logits_to_keep=1))
        self._count(1)
        return out.logits[0, -1], seconds

    def cache_from(self, history: Sequence[Step]) -> Any:
        """A transformers DynamicCache holding the K/V every step of `history` appended (a fresh copy)."""
        import torch
        from transformers import DynamicCache

        cache = DynamicCache(config=self.model.config)
        keys = np.concatenate([s.new_keys for s in history], axis=2)  # (layers, kv_heads, T, head_dim)
        values = np.concatenate([s.new_values for s in history], axis=2)
        for layer in range(self.layers):
            cache.update(torch.from_numpy(keys[layer][None]), torch.from_numpy(values[layer][None]), layer)
        return cache

    def _compute(
        self, prompt: tuple[int, ...], path: tuple[int, ...], history: Sequence[Step], waiting: Waiting | None
    ) -> Step:
        from transformers import DynamicCache

        index = len(path)
        if index == 0:
            cache = DynamicCache(config=self.model.config)
            with self._gate.slot(PREFILL_PRIORITY, waiting, self.poll, self.max_wait):
                step, _ = self._forward(list(prompt), cache)
            return replace(step, index=0)
        cache = self.cache_from(history)
        with self._gate.slot(STEP_PRIORITY, waiting, self.poll, self.max_wait):
            step, cached_logits = self._forward([path[-1]], cache)
        step = replace(step, index=index)
        if is_recomputed(index, len(prompt)):
            with self._gate.slot(STEP_PRIORITY, waiting, self.poll, self.max_wait):
                fresh, seconds = self.recompute([*prompt, *path])
            gap = float((cached_logits.float() - fresh.float()).abs().max())
            step = replace(step, recompute_seconds=seconds, logit_gap=gap)
        return step

    def step(
        self,
        prompt_ids: Sequence[int],
        path: Sequence[int],
        history: Sequence[Step] = (),
        waiting: Waiting | None = None,
    ) -> Step:
        """The forward pass after `path` (chosen tokens) on `prompt_ids`; `history` = the steps of path[:k], k < n.

        Shared: a step another session computed is returned at once; a step being computed is waited for.
        """
        prompt, chosen = tuple(int(i) for i in prompt_ids), tuple(int(i) for i in path)
        if not prompt:
            raise ValueError("the prompt needs at least one token")
        if len(history) != len(chosen):
            raise ValueError(f"history must hold the {len(chosen)} earlier steps, got {len(history)}")
        for k, s in enumerate(history):
            if s.index != k or s.context_len != len(prompt) + k:
                raise ValueError(f"history step {k} does not belong to this path")
        if any(not 0 <= i < self.vocab_size for i in chosen):
            raise ValueError("a chosen token is not in the vocabulary")
        key = (prompt, chosen)
        while True:
            with self._lock:
                hit = self._memo.get(key)
                if hit is not None:
                    self._memo.move_to_end(key)
                    return hit
                event = self._inflight.get(key)
                if event is None:
                    event = threading.Event()
                    self._inflight[key] = event
                    break
            deadline = time.monotonic() + self.max_wait
            while not event.wait(self.poll):  # another session computes this very step
                if waiting is not None:
                    waiting(self.queued())
                if time.monotonic() > deadline:
                    raise GenerationBusyError("the model stayed busy; try again in a moment")
        try:
            step = self._compute(prompt, chosen, history, waiting)
            self._remember(key, step)
            return step
        finally:
            with self._lock:
                self._inflight.pop(key, None)
            event.set()

    def reference_greedy(
        self, prompt_ids: Sequence[int], n: int, waiting: Waiting | None = None
    ) -> tuple[int, ...]:
        """transformers' own `generate(do_sample=False)` for `n` new tokens (stops at EOS as we do)."""
        import torch

        prompt = tuple(int(i) for i in prompt_ids)
        key = (prompt, int(n))
        with self._lock:
            if key in self._references:
                return self._references[key]
        # generate() writes bookkeeping attributes on the model it runs on: run it on a shallow copy
        # (same parameters and modules, its own attribute dict), so the shared model is never written.
        runner = copy.copy(self.model)
        ids = torch.tensor([prompt], dtype=torch.long)

        with self._gate.slot(STEP_PRIORITY, waiting, self.poll, self.max_wait):
            out, _seconds = self._inference(
                lambda: runner.generate(
                    ids,
                    attention_mask=torch.ones_like(ids),
                    max_new_tokens=int(n),
                    do_sample=False,
                    eos_token_id=sorted(self.eos_ids),
                    pad_token_id=min(self.eos_ids),
                )
            )
        self._count(int(n))
        result = tuple(int(i) for i in out[0, len(prompt) :].tolist())
        with self._lock:
            self._references[key] = result
            while len(self._references) > 64:
                self._references.popitem(last=False)
        return result


# ---------------------------------------------------------------- a whole generation


@dataclass(frozen=True, eq=False)
class Generation:
    """A prompt, the tokens chosen after it, and the forward pass after each of them."""

    prompt: Prompt
    ids: tuple[int, ...]  # the chosen tokens (the continuation)
    steps: tuple[Step, ...]  # steps[k]: the pass after k chosen tokens; one more than ids unless finished
    eos_ids: frozenset[int]

    def __post_init__(self) -> None:
        if len(self.steps) not in (len(self.ids), len(self.ids) + 1) or not self.steps:
            raise ValueError("a generation needs the step after every chosen token except a final one")

    @property
    def finished(self) -> str | None:
        """'eos' when the model ended its text, 'limit' at MAX_NEW_TOKENS, else None (it can go on)."""
        if self.ids and self.ids[-1] in self.eos_ids:
            return "eos"
        if len(self.ids) >= MAX_NEW_TOKENS:
            return "limit"
        return None

    @property
    def pending(self) -> bool:
        """True when the next token's distribution is known but the token is not chosen yet."""
        return len(self.steps) == len(self.ids) + 1

    def matches(self, sampling: Sampling) -> tuple[bool, ...]:
        """For each chosen token: would these settings choose it again? (All True: they reproduce it.)"""
        return tuple(pick(self.steps[k].logits, sampling, k + 1) == t for k, t in enumerate(self.ids))


def extend(
    hub: GenerationHub,
    generation: Generation,
    token: int,
    waiting: Waiting | None = None,
) -> Generation:
    """The generation with one more chosen token (and the pass after it, unless the text is finished)."""
    if generation.finished or not generation.pending:
        raise ValueError("this generation is finished")
    ids = (*generation.ids, int(token))
    grown = Generation(generation.prompt, ids, generation.steps, generation.eos_ids)
    if grown.finished:
        return grown
    step = hub.step(generation.prompt.ids, ids, generation.steps, waiting)
    return Generation(generation.prompt, ids, (*generation.steps, step), generation.eos_ids)


def start(hub: GenerationHub, prompt: Prompt, waiting: Waiting | None = None) -> Generation:
    """A generation with no token chosen yet: the prefill of the prompt (its next-token distribution)."""
    return Generation(prompt, (), (hub.step(prompt.ids, (), (), waiting),), hub.eos_ids)


def generate(
    hub: GenerationHub,
    prompt: Prompt,
    sampling: Sampling,
    n: int,
    on_token: Callable[[Generation], None] | None = None,
) -> Generation:
    """Choose up to `n` new tokens one at a time (fewer if the model ends its text); pure given the hub."""
    gen = start(hub, prompt)
    while len(gen.ids) < n and not gen.finished:
        gen = extend(hub, gen, pick(gen.steps[-1].logits, sampling, len(gen.ids) + 1))
        if on_token is not None:
            on_token(gen)
    return gen


def replay(
    hub: GenerationHub, prompt: Prompt, ids: Sequence[int], waiting: Waiting | None = None
) -> Generation:
    """Rebuild a generation from its chosen tokens (the same passes in the same order, so the same numbers)."""
    gen = start(hub, prompt, waiting)
    for token in ids:
        if gen.finished:
            break
        gen = extend(hub, gen, int(token), waiting)
    return gen

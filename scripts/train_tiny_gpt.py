"""Train the tiny GPTModel (the book's architecture) that the "Your own GPT" page opens with, and save it.

    python scripts/train_tiny_gpt.py                          # the shipped demo -> attention_core/assets/tiny_gpt/
    python scripts/train_tiny_gpt.py --steps 5 --out /tmp/x   # a quick checkpoint (the tests do this)

The model reads English sentences of the toy language of the translation pages (attention_core.translation.
grammar), tokenized with the book's GPT-2 BPE, and learns to predict the next token. It is tiny (2 layers x 4
heads, emb_dim 16, context 64) but keeps GPT-2's 50,257-token vocabulary, so its files have exactly the keys and
layout of a checkpoint saved from the book's chapter-5 code. Everything is seeded: the same command gives the same
weights on the same machine. Writes config.json (the book's config dict), model.safetensors (float16, every
key of model.state_dict(), masks included) and training.json (settings and losses).
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from safetensors.torch import save_file  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from attention_core.bpe import gpt2_tokenizer  # noqa: E402
from attention_core.checkpoint import load_gpt_bytes  # noqa: E402
from attention_core.gpt import GPTConfig, GPTModel, count_parameters  # noqa: E402
from attention_core.own_model import DEMO_CONFIG, DEMO_DIR, DEMO_INFO, DEMO_WEIGHTS  # noqa: E402
from attention_core.translation import grammar as g  # noqa: E402

CONFIG = GPTConfig(vocab_size=50257, context_length=64, emb_dim=16, n_heads=4, n_layers=2, drop_rate=0.0)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (defaults are the shipped run)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument(
        "--out", type=Path, default=DEMO_DIR, help="folder for config.json, model.safetensors, training.json"
    )
    p.add_argument("--seed", type=int, default=123)
    p.add_argument("--steps", type=int, default=600)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--lr", type=float, default=4e-3)
    p.add_argument("--sentences", type=int, default=4000, help="training sentences from the toy grammar")
    p.add_argument(
        "--eval-batches", type=int, default=8, help="held-out batches the saved loss is measured on"
    )
    p.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: the same weights on any machine)"
    )
    return p.parse_args(argv)


def corpus_ids(n_sentences: int, seed: int) -> list[int]:
    """GPT-2 token ids of `n_sentences` seeded toy-grammar sentences, each ending with a full stop."""
    rng = random.Random(seed)
    text = " ".join(" ".join(g.sample_sentence(rng, max_len=20)) + " ." for _ in range(n_sentences))
    return gpt2_tokenizer().encode(" " + text)


def batches(ids: torch.Tensor, n: int, batch: int, length: int, gen: torch.Generator):
    """`n` random batches of (inputs, targets), each (batch, length), targets shifted by one token."""
    for _ in range(n):
        starts = torch.randint(0, len(ids) - length - 1, (batch,), generator=gen)
        window = torch.stack([ids[s : s + length + 1] for s in starts.tolist()])  # (batch, length + 1)
        yield window[:, :-1], window[:, 1:]


def mean_loss(model: GPTModel, ids: torch.Tensor, gen: torch.Generator, length: int, n: int = 8) -> float:
    """Average next-token cross-entropy over `n` random batches (no gradients)."""
    was_training = model.training
    model.eval()
    with torch.no_grad():
        losses = [
            float(F.cross_entropy(model(x).flatten(0, 1), y.flatten()))
            for x, y in batches(ids, n, 8, length, gen)
        ]
    model.train(was_training)
    return sum(losses) / len(losses)


def held_out_loss(model: GPTModel, seed: int, sentences: int, n_batches: int = 8) -> float:
    """Next-token loss on fresh sentences (seed + 1), the same `n_batches` batches every time (seed + 2)."""
    held_out = torch.tensor(corpus_ids(max(200, sentences // 20), seed + 1))
    return mean_loss(
        model, held_out, torch.Generator().manual_seed(seed + 2), CONFIG.context_length, n_batches
    )


def train(args: argparse.Namespace) -> tuple[GPTModel, dict[str, object]]:
    """Seeded training run; returns the model (eval mode) and what to write into training.json."""
    threads = torch.get_num_threads()
    torch.set_num_threads(args.threads)
    try:
        return _train(args)
    finally:
        torch.set_num_threads(threads)


def _train(args: argparse.Namespace) -> tuple[GPTModel, dict[str, object]]:
    start = time.perf_counter()
    train_ids = torch.tensor(corpus_ids(args.sentences, args.seed))
    torch.manual_seed(args.seed)
    model = GPTModel(CONFIG)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    gen = torch.Generator().manual_seed(args.seed)
    length = CONFIG.context_length
    losses: list[float] = []
    model.train()
    for step, (x, y) in enumerate(batches(train_ids, args.steps, args.batch, length, gen), 1):
        lr = args.lr * 0.5 * (1 + math.cos(math.pi * step / args.steps))  # cosine decay to 0
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten())  # (b*T, V) vs (b*T,)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        losses.append(float(loss.detach()))
        if step % 100 == 0 or step == args.steps:
            print(
                f"step {step:5d}/{args.steps}  loss {sum(losses[-50:]) / len(losses[-50:]):.3f}", flush=True
            )
    model.eval()
    info: dict[str, object] = {
        "what": "next-token prediction on English sentences of the toy language (translation pages), GPT-2 BPE",
        "seed": args.seed,
        "steps": args.steps,
        "batch_size": args.batch,
        "learning_rate": args.lr,
        "train_sentences": args.sentences,
        "train_tokens": len(train_ids),
        "final_train_loss": round(sum(losses[-50:]) / len(losses[-50:]), 4),
        "eval_batches": args.eval_batches,
        "held_out_loss_float32": round(held_out_loss(model, args.seed, args.sentences, args.eval_batches), 4),
        "uniform_loss": round(math.log(CONFIG.vocab_size), 4),
        "parameters": count_parameters(model),
        "seconds": round(time.perf_counter() - start, 1),
        "threads": args.threads,
        "torch": torch.__version__,
    }
    return model, info


def save(model: GPTModel, info: dict[str, object], out: Path) -> None:
    """config.json, model.safetensors (float16, every state-dict key) and training.json into `out`.

    The held-out loss in training.json is measured on the saved file, read back through the app's loader.
    """
    out.mkdir(parents=True, exist_ok=True)
    (out / DEMO_CONFIG).write_text(json.dumps(CONFIG.to_dict(), indent=2) + "\n", encoding="utf-8")
    state = {k: v.detach().to(torch.float16).contiguous() for k, v in model.state_dict().items()}
    save_file(
        state, str(out / DEMO_WEIGHTS), metadata={"format": "pt", "source": "scripts/train_tiny_gpt.py"}
    )
    shipped = load_gpt_bytes((out / DEMO_CONFIG).read_bytes(), (out / DEMO_WEIGHTS).read_bytes()).model
    info = {
        **info,
        "held_out_loss": round(
            held_out_loss(shipped, int(str(info["seed"])), int(str(info["train_sentences"]))), 4
        ),
    }
    (out / DEMO_INFO).write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Train and save."""
    args = parse_args(argv)
    model, info = train(args)
    save(model, info, args.out)
    saved = json.loads((args.out / DEMO_INFO).read_text(encoding="utf-8"))
    print(
        f"saved to {args.out}: held-out loss {saved['held_out_loss']} (uniform guess {saved['uniform_loss']}), "
        f"{saved['seconds']} s"
    )


if __name__ == "__main__":
    main()

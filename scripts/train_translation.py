"""Train both toy translators (bottleneck and attention) on CPU, evaluate them, and write the app's assets.

    python scripts/train_translation.py            # the shipped run (a few minutes on 2 idle cores)
    python scripts/train_translation.py --quick --out /tmp/tiny   # a tiny checkpoint in seconds, for development

Both models see exactly the same batches (same seed, same number of steps). They train side by side in two
processes with one thread each (so the whole run uses at most 2 cores), then both are scored on held-out sentences
of every length from 3 to 40 tokens. Writes into attention_core/assets/translation/:
bottleneck.safetensors, attention.safetensors, config.json, eval.json, eval_by_length.csv, eval_sentences.csv.
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing as mp
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from torch.nn import functional as F  # noqa: E402
from tqdm import tqdm  # noqa: E402

from attention_core.translation import grammar as g  # noqa: E402
from attention_core.translation.evaluate import (  # noqa: E402
    accuracy_by_length,
    score_pairs,
    survival_by_position,
)
from attention_core.translation.models import (  # noqa: E402
    ASSET_DIR,
    BOS,
    EOS,
    PAD,
    AttentionTranslator,
    BottleneckTranslator,
    TranslatorConfig,
    Vocab,
    batch_source,
    load_models,
    save_models,
)

BUCKETS = [(3, 5), (6, 10), (11, 15), (16, 20), (21, 25), (26, 30), (31, 35), (36, 40)]
MODEL_CLASSES = {"bottleneck": BottleneckTranslator, "attention": AttentionTranslator}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options (defaults are the shipped run)."""
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ASSET_DIR, help="where to write weights and evaluation files")
    p.add_argument("--seed", type=int, default=2014)
    p.add_argument("--train-size", type=int, default=120_000, help="distinct training sentences generated")
    p.add_argument("--steps", type=int, default=2400, help="optimizer steps per model")
    p.add_argument("--batch-size", type=int, default=96)
    p.add_argument("--lr", type=float, default=3e-3)
    p.add_argument("--emb-dim", type=int, default=32)
    p.add_argument(
        "--hidden-dim", type=int, default=64, help="attention model: encoder (per direction), decoder"
    )
    p.add_argument(
        "--bottleneck-hidden-dim",
        type=int,
        default=128,
        help="bottleneck model: encoder and decoder (128 = as wide as one annotation of the attention model)",
    )
    p.add_argument(
        "--models",
        default="bottleneck,attention",
        help="which models to train; the others are loaded from --out (same seed and batches give the same weights)",
    )
    p.add_argument("--attn-dim", type=int, default=64)
    p.add_argument("--eval-per-length", type=int, default=30, help="held-out sentences per source length")
    p.add_argument("--quick", action="store_true", help="tiny run for development (few steps, small eval)")
    args = p.parse_args(argv)
    if args.quick:
        args.train_size, args.steps, args.eval_per_length = 5000, 60, 3
    return args


def model_config(name: str, args: argparse.Namespace, src_size: int, tgt_size: int) -> TranslatorConfig:
    """The sizes of one model (the bottleneck gets its own hidden size)."""
    hidden = args.bottleneck_hidden_dim if name == "bottleneck" else args.hidden_dim
    return TranslatorConfig(src_size, tgt_size, args.emb_dim, hidden, args.attn_dim)


def make_batches(pairs: list[g.Pair], steps: int, batch_size: int, seed: int) -> list[list[int]]:
    """Seeded batch indices; sentences of similar length go together so little time is spent on padding."""
    rng = random.Random(seed)
    batches: list[list[int]] = []
    pool = 32  # batches drawn at once, then sorted by length
    while len(batches) < steps:
        idx = [rng.randrange(len(pairs)) for _ in range(pool * batch_size)]
        idx.sort(key=lambda i: len(pairs[i].source))
        chunk = [idx[k : k + batch_size] for k in range(0, len(idx), batch_size)]
        rng.shuffle(chunk)
        batches.extend(chunk)
    return batches[:steps]


def _target_ids(vocab: Vocab, pairs: list[g.Pair]) -> torch.Tensor:
    seqs = [[BOS, *vocab.encode(p.target), EOS] for p in pairs]
    out = torch.full((len(seqs), max(map(len, seqs))), PAD, dtype=torch.long)
    for row, seq in enumerate(seqs):
        out[row, : len(seq)] = torch.tensor(seq)
    return out  # (B, T_tgt + 2)


def train_one(name: str, args: argparse.Namespace, position: int, out_path: str) -> dict:
    """Train one model on the shared seeded batches (one thread); save its state dict to `out_path`."""
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    pairs = g.generate_pairs(args.train_size, seed=args.seed)
    src_vocab, tgt_vocab = Vocab(list(g.SOURCE_WORDS)), Vocab(list(g.TARGET_WORDS))
    model = MODEL_CLASSES[name](model_config(name, args, len(src_vocab), len(tgt_vocab)))
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps, pct_start=0.1)
    batches = make_batches(pairs, args.steps, args.batch_size, args.seed + 1)
    losses = []
    start, cpu_start = time.perf_counter(), time.process_time()
    bar = tqdm(batches, desc=f"{name:>10}", position=position, leave=True, mininterval=2.0)
    model.train()
    for step, idx in enumerate(bar):
        chunk = [pairs[i] for i in idx]
        src, lengths = batch_source(src_vocab, [p.source for p in chunk])
        tgt = _target_ids(tgt_vocab, chunk)
        result = model(src, lengths, tgt[:, :-1])  # teacher forcing
        loss = F.cross_entropy(
            result.logits.reshape(-1, len(tgt_vocab)), tgt[:, 1:].reshape(-1), ignore_index=PAD
        )
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if step % 20 == 0:
            bar.set_postfix(loss=f"{sum(losses[-20:]) / len(losses[-20:]):.3f}")
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    torch.save(model.state_dict(), out_path)
    final_loss = sum(losses[-50:]) / len(losses[-50:])
    return {"name": name, "seconds": seconds, "cpu_seconds": cpu_seconds, "final_loss": final_loss}


def _train_entry(name: str, args: argparse.Namespace, position: int, out_path: str, queue: mp.Queue) -> None:
    queue.put(train_one(name, args, position, out_path))


def main(argv: list[str] | None = None) -> None:
    """Train, evaluate and write every asset the translation pages read."""
    args = parse_args(argv)
    torch.set_num_threads(2)
    wall = time.perf_counter()
    train_pairs = g.generate_pairs(args.train_size, seed=args.seed)
    src_vocab, tgt_vocab = Vocab(list(g.SOURCE_WORDS)), Vocab(list(g.TARGET_WORDS))
    cfgs = {name: model_config(name, args, len(src_vocab), len(tgt_vocab)) for name in MODEL_CLASSES}
    print(f"{len(train_pairs):,} training sentences; vocab {len(src_vocab)} -> {len(tgt_vocab)}; {cfgs}")
    to_train = [name for name in MODEL_CLASSES if name in args.models.split(",")]
    previous: dict = {}
    if len(to_train) < len(MODEL_CLASSES):
        kept = load_models(args.out)
        previous = json.loads((args.out / "config.json").read_text()).get("training", {})

    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    models = {}
    reports = {}
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: str(Path(tmp) / f"{name}.pt") for name in to_train}
        procs = [
            ctx.Process(target=_train_entry, args=(name, args, pos, paths[name], queue))
            for pos, name in enumerate(to_train)
        ]
        for proc in procs:
            proc.start()
        reports = {r["name"]: r for r in (queue.get() for _ in procs)}
        for proc in procs:
            proc.join()
            if proc.exitcode != 0:
                raise SystemExit(f"training process failed with exit code {proc.exitcode}")
        for name, cls in MODEL_CLASSES.items():
            if name in to_train:
                model = cls(cfgs[name])
                model.load_state_dict(torch.load(paths[name], weights_only=True))
            else:
                model = getattr(kept, name)
                reports[name] = {
                    "name": name,
                    "seconds": previous["seconds"][name],
                    "cpu_seconds": previous.get("cpu_seconds", previous["seconds"])[name],
                    "final_loss": previous["final_loss"][name],
                }
            models[name] = model.eval()
    train_seconds = time.perf_counter() - wall

    print("Evaluating on held-out sentences ...")
    exclude = {" ".join(p.source) for p in train_pairs}
    eval_seed = args.seed + 1000
    held_out = g.held_out_pairs(args.eval_per_length, seed=eval_seed, exclude=exclude)
    scores = {name: score_pairs(m, src_vocab, tgt_vocab, held_out) for name, m in models.items()}

    by_length = {name: accuracy_by_length(held_out, s) for name, s in scores.items()}
    bucket_table = {}
    for name, s in scores.items():
        rows = []
        for lo, hi in BUCKETS:
            items = [(p, sc) for p, sc in zip(held_out, s, strict=True) if lo <= len(p.source) <= hi]
            total = sum(len(sc.correct) for _, sc in items)
            rows.append(
                {
                    "lo": lo,
                    "hi": hi,
                    "n": len(items),
                    "token_accuracy": sum(sum(sc.correct) for _, sc in items) / total,
                    "sentence_accuracy": sum(sc.exact for _, sc in items) / len(items),
                }
            )
        bucket_table[name] = rows
    survival = {
        name: survival_by_position(held_out, s, BUCKETS).round(6).tolist() for name, s in scores.items()
    }
    aligned = [sc.aligned for sc in scores["attention"] if sc.aligned is not None]
    lecture_pairs = [g.make_pair(g.read_source(s.text).known) for s in g.LECTURE_SENTENCES]
    lecture_scores = {name: score_pairs(m, src_vocab, tgt_vocab, lecture_pairs) for name, m in models.items()}
    lecture = [
        {
            "text": s.text,
            "source": " ".join(pair.source),
            "reference": " ".join(pair.target),
            **{f"{name}_output": " ".join(lecture_scores[name][k].output) for name in models},
        }
        for k, (s, pair) in enumerate(zip(g.LECTURE_SENTENCES, lecture_pairs, strict=True))
    ]

    extra = {
        "training": {
            "seed": args.seed,
            "train_size": args.train_size,
            "steps": args.steps,
            "batch_size": args.batch_size,
            "lr": args.lr,
            "seconds": {name: round(r["seconds"], 1) for name, r in reports.items()},
            "cpu_seconds": {name: round(r["cpu_seconds"], 1) for name, r in reports.items()},
            "final_loss": {name: round(r["final_loss"], 4) for name, r in reports.items()},
            "wall_seconds": round(train_seconds, 1),
            "parameters": {name: sum(p.numel() for p in m.parameters()) for name, m in models.items()},
            "torch": torch.__version__,
        }
    }
    save_models(args.out, models["bottleneck"], models["attention"], src_vocab, tgt_vocab, extra)
    evaluation = {
        "eval_seed": eval_seed,
        "per_length": args.eval_per_length,
        "buckets": [list(b) for b in BUCKETS],
        "by_length": {name: {str(k): v for k, v in t.items()} for name, t in by_length.items()},
        "by_bucket": bucket_table,
        "survival": survival,
        "attention_alignment_agreement": sum(aligned) / len(aligned),
        "lecture_sentences": lecture,
    }
    (args.out / "eval.json").write_text(json.dumps(evaluation, indent=1) + "\n")
    with (args.out / "eval_by_length.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["model", "source_length", "n", "token_accuracy", "sentence_accuracy"])
        for name, table in by_length.items():
            for length, row in table.items():
                w.writerow(
                    [
                        name,
                        length,
                        row["n"],
                        f"{row['token_accuracy']:.6f}",
                        f"{row['sentence_accuracy']:.6f}",
                    ]
                )
    with (args.out / "eval_sentences.csv").open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(
            [
                "source",
                "reference",
                "bottleneck_output",
                "bottleneck_correct",
                "attention_output",
                "attention_correct",
            ]
        )
        for k, pair in enumerate(held_out):
            b, a = scores["bottleneck"][k], scores["attention"][k]
            w.writerow(
                [
                    " ".join(pair.source),
                    " ".join(pair.target),
                    " ".join(b.output),
                    sum(b.correct),
                    " ".join(a.output),
                    sum(a.correct),
                ]
            )

    per_model = ", ".join(
        f"{n} {r['seconds']:.0f} s, {r['cpu_seconds']:.0f} s CPU" for n, r in reports.items()
    )
    print(f"\nTraining wall time {train_seconds:.0f} s ({per_model})")
    print("token accuracy by source length (held out):")
    print("  length   bottleneck  attention")
    for (lo, hi), b, a in zip(BUCKETS, bucket_table["bottleneck"], bucket_table["attention"], strict=True):
        print(
            f"  {lo:>2}-{hi:<2}    {b['token_accuracy']:>8.3f}   {a['token_accuracy']:>8.3f}"
            f"   (exact {b['sentence_accuracy']:.2f} / {a['sentence_accuracy']:.2f}, n={b['n']})"
        )
    print(f"attention focus on the rule's source word: {evaluation['attention_alignment_agreement']:.3f}")
    print("the lectures' sentences:")
    for row in lecture:
        print(f"  {row['source']}\n    reference  {row['reference']}")
        for name in models:
            mark = "ok" if row[f"{name}_output"] == row["reference"] else "WRONG"
            print(f"    {name:<10} {row[f'{name}_output']}  ({mark})")
    for path in sorted(args.out.iterdir()):
        print(f"  {path.name:<24} {path.stat().st_size / 1024:8.1f} KiB")


if __name__ == "__main__":
    main()

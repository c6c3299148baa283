"""Two GRU translators for the toy task: one squeezes the sentence into its final state, one attends.

Both follow the models compared in Bahdanau, Cho & Bengio (2014), shrunk to toy size:

- `BottleneckTranslator` (RNNencdec): a GRU encoder reads the sentence left to right; its **final hidden state**
  `c` is the only thing the decoder ever sees (it starts the decoder and is fed to it at every step).
- `AttentionTranslator` (RNNsearch): a bidirectional GRU encoder keeps one annotation per source token; before
  each output token the decoder scores every annotation with additive attention
  `attn_scores_j = v · tanh(W_query s_{i-1} + W_key h_j)`, softmaxes them into `attn_weights`, and reads the
  weighted sum `context_vec` instead of a fixed `c`.

The decoders are otherwise identical, so the only difference between the models is where the context comes from.
Both return their per-step hidden states, and the attention model its alignment weights, so pages can draw them.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

PAD, BOS, EOS, UNK = 0, 1, 2, 3
SPECIALS = ("<pad>", "<bos>", "<eos>", "<unk>")
# the shipped weights; AE_TRANSLATION_ASSETS points elsewhere (e.g. a quick development checkpoint)
ASSET_DIR = Path(
    os.environ.get("AE_TRANSLATION_ASSETS", Path(__file__).resolve().parents[1] / "assets" / "translation")
)
CONFIG_FILE = "config.json"
WEIGHT_FILES = {"bottleneck": "bottleneck.safetensors", "attention": "attention.safetensors"}


class Vocab:
    """Token <-> id for one side of the task; ids 0-3 are <pad>, <bos>, <eos>, <unk>."""

    def __init__(self, words: list[str]) -> None:
        self.itos = list(SPECIALS) + [w for w in words if w not in SPECIALS]
        self.stoi = {w: i for i, w in enumerate(self.itos)}

    def __len__(self) -> int:
        return len(self.itos)

    def encode(self, tokens: list[str]) -> list[int]:
        """Ids of `tokens` (unknown tokens become <unk>)."""
        return [self.stoi.get(t, UNK) for t in tokens]

    def decode(self, ids: list[int]) -> list[str]:
        """Tokens of `ids`, stopping at the first <eos> and skipping <pad>/<bos>."""
        out = []
        for i in ids:
            if i == EOS:
                break
            if i not in (PAD, BOS):
                out.append(self.itos[i])
        return out


@dataclass(frozen=True)
class TranslatorConfig:
    """Sizes shared by both translators (the attention encoder has `hidden_dim` units per direction)."""

    src_vocab_size: int
    tgt_vocab_size: int
    emb_dim: int = 32  # word embedding size, source and target
    hidden_dim: int = 64  # encoder (per direction) and decoder GRU size
    attn_dim: int = 64  # size of the additive-attention hidden layer (attention model only)


@dataclass
class DecodeResult:
    """What a translator did on a batch (greedy decoding or teacher forcing)."""

    token_ids: torch.Tensor  # (B, T_out) predicted ids (EOS included; padded with PAD after it)
    logits: torch.Tensor  # (B, T_out, V_tgt)
    encoder_states: torch.Tensor  # (B, T_src, H_enc): the encoder's hidden state after each source token
    context: (
        torch.Tensor
    )  # (B, C) bottleneck: the final state c; attention: (B, T_out, C) context_vec per step
    decoder_states: torch.Tensor  # (B, T_out, H): decoder state s_i after each output token
    attn_weights: (
        torch.Tensor | None
    )  # (B, T_out, T_src) attention only; rows sum to 1 over real source tokens


def _encode_gru(
    gru: nn.GRU, embedded: torch.Tensor, lengths: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor]:
    """Run a (bi)GRU over padded input; returns (states (B, T, H·dirs), h_n (dirs, B, H)) ignoring padding."""
    packed = pack_padded_sequence(embedded, lengths.cpu(), batch_first=True, enforce_sorted=False)
    out, h_n = gru(packed)
    states, _ = pad_packed_sequence(out, batch_first=True, total_length=embedded.shape[1])  # (B, T, H·dirs)
    return states, h_n


class _Readout(nn.Module):
    """The decoder's deep output: logits from (s_i, E y_{i-1}, c_i), as in Bahdanau et al."""

    def __init__(self, cfg: TranslatorConfig, context_dim: int) -> None:
        super().__init__()
        self.out = nn.Linear(cfg.hidden_dim + cfg.emb_dim + context_dim, cfg.tgt_vocab_size)

    def forward(self, state: torch.Tensor, emb: torch.Tensor, context: torch.Tensor) -> torch.Tensor:
        """(..., H), (..., E), (..., C) -> logits (..., V)."""
        return self.out(torch.cat([state, emb, context], dim=-1))


def _greedy(step_fn, batch: int, max_len: int) -> list[torch.Tensor]:
    """Feed each step's argmax back in until every row has produced <eos>; returns ids per step (B,)."""
    prev = torch.full((batch,), BOS, dtype=torch.long)
    done = torch.zeros(batch, dtype=torch.bool)
    ids_all = []
    for _ in range(max_len):
        ids = step_fn(prev).argmax(-1)  # (B,)
        ids_all.append(torch.where(done, torch.full_like(ids, PAD), ids))
        done = done | (ids == EOS)
        prev = ids
        if bool(done.all()):
            break
    return ids_all


class BottleneckTranslator(nn.Module):
    """GRU encoder–decoder without attention: the decoder sees only the encoder's final hidden state c."""

    def __init__(self, cfg: TranslatorConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embedding = nn.Embedding(cfg.src_vocab_size, cfg.emb_dim, padding_idx=PAD)
        self.encoder = nn.GRU(cfg.emb_dim, cfg.hidden_dim, batch_first=True)
        self.init_state = nn.Linear(cfg.hidden_dim, cfg.hidden_dim)
        self.tgt_embedding = nn.Embedding(cfg.tgt_vocab_size, cfg.emb_dim, padding_idx=PAD)
        self.decoder = nn.GRU(
            cfg.emb_dim + cfg.hidden_dim, cfg.hidden_dim, batch_first=True
        )  # input [E y; c]
        self.readout = _Readout(cfg, context_dim=cfg.hidden_dim)

    def encode(self, src: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Source ids (B, T) -> (hidden state after every token (B, T, H), final state c (B, H))."""
        states, h_n = _encode_gru(self.encoder, self.embedding(src), lengths)  # (B, T, H), (1, B, H)
        return states, h_n[0]

    def forward(
        self, src: torch.Tensor, lengths: torch.Tensor, tgt_in: torch.Tensor | None = None, max_len: int = 60
    ) -> DecodeResult:
        """Teacher-forced (tgt_in (B, T_out) starting with BOS) or greedy decoding of a source batch."""
        states, final = self.encode(src, lengths)
        s0 = torch.tanh(self.init_state(final))[None]  # (1, B, H)
        if tgt_in is not None:  # every step's input is known: run the decoder GRU over the whole sequence
            emb = self.tgt_embedding(tgt_in)  # (B, T_out, E)
            context = final[:, None, :].expand(
                -1, tgt_in.shape[1], -1
            )  # (B, T_out, H): the same c every step
            dec_states, _ = self.decoder(torch.cat([emb, context], dim=-1), s0)  # (B, T_out, H)
            logits = self.readout(dec_states, emb, context)  # (B, T_out, V)
            token_ids = logits.argmax(-1)
        else:
            state, collected, logit_steps = s0, [], []

            def step(prev: torch.Tensor) -> torch.Tensor:
                nonlocal state
                emb = self.tgt_embedding(prev)[:, None, :]  # (B, 1, E)
                out, state = self.decoder(torch.cat([emb, final[:, None, :]], dim=-1), state)  # (B, 1, H)
                collected.append(out[:, 0])
                logit_steps.append(self.readout(out[:, 0], emb[:, 0], final))
                return logit_steps[-1]

            token_ids = torch.stack(_greedy(step, src.shape[0], max_len), 1)
            dec_states, logits = torch.stack(collected, 1), torch.stack(logit_steps, 1)
        return DecodeResult(token_ids, logits, states, final, dec_states, None)


class AdditiveAttention(nn.Module):
    """Bahdanau's additive attention: attn_scores_j = v · tanh(W_query s + W_key h_j), softmax over j."""

    def __init__(self, query_dim: int, key_dim: int, attn_dim: int) -> None:
        super().__init__()
        self.W_query = nn.Linear(query_dim, attn_dim, bias=False)
        self.W_key = nn.Linear(key_dim, attn_dim, bias=True)
        self.v = nn.Linear(attn_dim, 1, bias=False)

    def forward(
        self, query: torch.Tensor, keys: torch.Tensor, values: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """query (B, Hq), keys = W_key(values) (B, T, A), values (B, T, C), mask (B, T) -> (context_vec, weights)."""
        attn_scores = self.v(torch.tanh(keys + self.W_query(query)[:, None, :])).squeeze(-1)  # (B, T)
        attn_scores = attn_scores.masked_fill(~mask, float("-inf"))
        attn_weights = torch.softmax(attn_scores, dim=-1)  # (B, T), sums to 1 over real tokens
        context_vec = torch.bmm(attn_weights[:, None, :], values).squeeze(1)  # (B, 1, C) -> (B, C)
        return context_vec, attn_weights


class AttentionTranslator(nn.Module):
    """GRU encoder–decoder with additive attention over every (bidirectional) encoder state."""

    def __init__(self, cfg: TranslatorConfig) -> None:
        super().__init__()
        self.cfg = cfg
        annot = 2 * cfg.hidden_dim
        self.embedding = nn.Embedding(cfg.src_vocab_size, cfg.emb_dim, padding_idx=PAD)
        self.encoder = nn.GRU(cfg.emb_dim, cfg.hidden_dim, batch_first=True, bidirectional=True)
        self.init_state = nn.Linear(cfg.hidden_dim, cfg.hidden_dim)
        self.attention = AdditiveAttention(cfg.hidden_dim, annot, cfg.attn_dim)
        self.tgt_embedding = nn.Embedding(cfg.tgt_vocab_size, cfg.emb_dim, padding_idx=PAD)
        self.decoder = nn.GRUCell(cfg.emb_dim + annot, cfg.hidden_dim)  # input [E y_{i-1}; context_vec_i]
        self.readout = _Readout(cfg, context_dim=annot)

    def encode(self, src: torch.Tensor, lengths: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Source ids (B, T) -> (annotations [forward; backward] (B, T, 2H), backward state at token 1 (B, H))."""
        states, h_n = _encode_gru(self.encoder, self.embedding(src), lengths)  # (B, T, 2H), (2, B, H)
        return states, h_n[1]

    def forward(
        self, src: torch.Tensor, lengths: torch.Tensor, tgt_in: torch.Tensor | None = None, max_len: int = 60
    ) -> DecodeResult:
        """Teacher-forced (tgt_in (B, T_out) starting with BOS) or greedy decoding of a source batch."""
        annotations, backward_first = self.encode(src, lengths)
        mask = torch.arange(src.shape[1])[None, :] < lengths[:, None]  # (B, T_src)
        keys = self.attention.W_key(annotations)  # (B, T_src, A), computed once for all steps
        state = torch.tanh(self.init_state(backward_first))  # (B, H)
        states, contexts, weights = [], [], []

        def step(emb: torch.Tensor) -> torch.Tensor:
            nonlocal state
            context_vec, attn_weights = self.attention(state, keys, annotations, mask)  # looks with s_{i-1}
            state = self.decoder(torch.cat([emb, context_vec], dim=-1), state)  # (B, H)
            states.append(state)
            contexts.append(context_vec)
            weights.append(attn_weights)
            return state

        if tgt_in is not None:
            emb_all = self.tgt_embedding(tgt_in)  # (B, T_out, E)
            for i in range(tgt_in.shape[1]):
                step(emb_all[:, i])
            logits = self.readout(torch.stack(states, 1), emb_all, torch.stack(contexts, 1))  # (B, T_out, V)
            token_ids = logits.argmax(-1)
        else:
            logit_steps = []

            def greedy_step(prev: torch.Tensor) -> torch.Tensor:
                emb = self.tgt_embedding(prev)  # (B, E)
                logit_steps.append(self.readout(step(emb), emb, contexts[-1]))
                return logit_steps[-1]

            token_ids = torch.stack(_greedy(greedy_step, src.shape[0], max_len), 1)
            logits = torch.stack(logit_steps, 1)
        return DecodeResult(
            token_ids=token_ids,
            logits=logits,
            encoder_states=annotations,
            context=torch.stack(contexts, 1),
            decoder_states=torch.stack(states, 1),
            attn_weights=torch.stack(weights, 1),
        )


Translator = BottleneckTranslator | AttentionTranslator


def batch_source(vocab: Vocab, sentences: list[list[str]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Pad source sentences into ids (B, T_max) and lengths (B,)."""
    lengths = torch.tensor([len(s) for s in sentences], dtype=torch.long)
    ids = torch.full((len(sentences), int(lengths.max())), PAD, dtype=torch.long)
    for row, sentence in enumerate(sentences):
        ids[row, : len(sentence)] = torch.tensor(vocab.encode(sentence), dtype=torch.long)
    return ids, lengths


def max_output_len(source_len: int) -> int:
    """How many tokens greedy decoding may produce for a source of this length (targets add <= 1 per clause)."""
    return 2 * source_len + 5


@dataclass(frozen=True)
class Translated:
    """One sentence through one model, ready to draw (shared by sessions through a cache: never modify)."""

    source: list[str]
    output: list[str]  # predicted target tokens (without <eos>)
    encoder_states: torch.Tensor  # (T_src, H_enc)
    final_state: torch.Tensor  # (H,) bottleneck: c; attention: the backward state handed to the decoder start
    decoder_states: torch.Tensor  # (T_out, H)
    attn_weights: torch.Tensor | None  # (T_out, T_src); T_out counts the <eos> step
    context_vecs: torch.Tensor | None = None  # (T_out, 2H) attention only: the context read at each step
    output_ids: tuple[int, ...] = ()  # the id chosen at each step (T_out), fed back in as the next input
    step_tokens: tuple[str, ...] = ()  # the token chosen at each step ("<eos>" last), the rows of the weights


@torch.no_grad()
def translate_sentence(
    model: Translator, src_vocab: Vocab, tgt_vocab: Vocab, tokens: list[str]
) -> Translated:
    """Greedy translation of one tokenised sentence (known words) with every intermediate the pages draw."""
    if not tokens:
        raise ValueError("cannot translate an empty sentence")
    model.eval()
    src, lengths = batch_source(src_vocab, [tokens])
    result = model(src, lengths, max_len=max_output_len(len(tokens)))
    ids = result.token_ids[0].tolist()
    output = tgt_vocab.decode(ids)
    steps = min(len(ids), len(output) + 1)  # output tokens plus the <eos> step if it was produced
    is_attention = isinstance(model, AttentionTranslator)
    final = model.encode(src, lengths)[1][0] if is_attention else result.context[0]
    return Translated(
        source=list(tokens),
        output=output,
        encoder_states=result.encoder_states[0],
        final_state=final,
        decoder_states=result.decoder_states[0, :steps],
        attn_weights=None if result.attn_weights is None else result.attn_weights[0, :steps],
        context_vecs=result.context[0, :steps] if is_attention else None,
        output_ids=tuple(ids[:steps]),
        step_tokens=tuple(tgt_vocab.itos[i] for i in ids[:steps]),
    )


# ---------------------------------------------------------------------------------------------------------
# Saving and loading


@dataclass
class TranslationModels:
    """Both trained translators with their vocabularies and the config they were trained with."""

    bottleneck: BottleneckTranslator
    attention: AttentionTranslator
    src_vocab: Vocab
    tgt_vocab: Vocab
    config: dict


class WeightsError(RuntimeError):
    """The shipped translation weights are missing or do not fit the models (message says what to do)."""


def save_models(
    directory: Path,
    bottleneck: BottleneckTranslator,
    attention: AttentionTranslator,
    src_vocab: Vocab,
    tgt_vocab: Vocab,
    extra: dict,
) -> None:
    """Write both models as safetensors plus config.json (sizes, vocabularies, training notes)."""
    from safetensors.torch import save_file

    directory.mkdir(parents=True, exist_ok=True)
    for name, model in (("bottleneck", bottleneck), ("attention", attention)):
        tensors = {k: v.detach().contiguous() for k, v in model.state_dict().items()}
        save_file(tensors, str(directory / WEIGHT_FILES[name]), metadata={"model": name})
    config = {
        "models": {"bottleneck": asdict(bottleneck.cfg), "attention": asdict(attention.cfg)},
        "src_vocab": src_vocab.itos,
        "tgt_vocab": tgt_vocab.itos,
        **extra,
    }
    (directory / CONFIG_FILE).write_text(json.dumps(config, indent=1, ensure_ascii=False) + "\n")


_HINT = "Run `python scripts/train_translation.py` to (re)create them."


def load_config(directory: Path = ASSET_DIR) -> tuple[dict, dict[str, TranslatorConfig], Vocab, Vocab]:
    """config.json of the shipped translators: (raw config, sizes per model, source vocab, target vocab)."""
    config_path = directory / CONFIG_FILE
    if not config_path.is_file():
        raise WeightsError(f"The translation config {config_path} is missing. {_HINT}")
    try:
        config = json.loads(config_path.read_text())
        cfgs = {name: TranslatorConfig(**config["models"][name]) for name in WEIGHT_FILES}
        src_vocab, tgt_vocab = Vocab(config["src_vocab"]), Vocab(config["tgt_vocab"])
    except (json.JSONDecodeError, KeyError, TypeError, UnicodeDecodeError) as err:
        raise WeightsError(f"The translation config {config_path} is unreadable ({err}). {_HINT}") from err
    for cfg in cfgs.values():
        if len(src_vocab) != cfg.src_vocab_size or len(tgt_vocab) != cfg.tgt_vocab_size:
            raise WeightsError(f"The vocabularies in {config_path} do not match the model sizes. {_HINT}")
    return config, cfgs, src_vocab, tgt_vocab


def load_model(name: str, directory: Path = ASSET_DIR) -> Translator:
    """One shipped translator ('bottleneck' or 'attention'); raises WeightsError with a fix when files are wrong."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    classes: dict[str, type[BottleneckTranslator] | type[AttentionTranslator]] = {
        "bottleneck": BottleneckTranslator,
        "attention": AttentionTranslator,
    }
    cls = classes[name]
    _, cfgs, _, _ = load_config(directory)
    path = directory / WEIGHT_FILES[name]
    if not path.is_file():
        raise WeightsError(f"The {name} weights {path} are missing. {_HINT}")
    try:
        state = load_file(str(path))
    except (SafetensorError, OSError) as err:
        raise WeightsError(
            f"The {name} weights {path} are not a valid safetensors file ({err}). {_HINT}"
        ) from err
    model: Translator = cls(cfgs[name])
    try:
        model.load_state_dict(state, strict=True)
    except RuntimeError as err:
        raise WeightsError(
            f"The {name} weights {path} do not fit the model in config.json: {err} {_HINT}"
        ) from err
    model.eval()
    return model


def load_models(directory: Path = ASSET_DIR) -> TranslationModels:
    """Load both shipped translators (safetensors); raises WeightsError with a fix when files are wrong."""
    config, _, src_vocab, tgt_vocab = load_config(directory)
    bottleneck, attention = load_model("bottleneck", directory), load_model("attention", directory)
    return TranslationModels(bottleneck, attention, src_vocab, tgt_vocab, config)  # type: ignore[arg-type]

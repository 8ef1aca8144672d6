import threading

from context_service.engine import LlamaVocabTokenizer, Tokenizer, get_tokenizer
from context_service.engine.tokenizer import find_smollm2_gguf


def test_real_token_counts(tokenizer):
    assert isinstance(tokenizer, Tokenizer)
    assert tokenizer.count("") == 0
    n = tokenizer.count("Hello world, how are you today?")
    assert 5 <= n <= 12  # a real BPE count, not len/4 of 31 chars by accident
    assert tokenizer.count("hello " * 50) > tokenizer.count("hello " * 10)


def test_singleton_and_path_override(tokenizer):
    assert get_tokenizer() is tokenizer
    other = LlamaVocabTokenizer(find_smollm2_gguf())
    try:
        assert other.count("Berlin is big") == tokenizer.count("Berlin is big")
    finally:
        other.close()


def test_thread_safe_counts(tokenizer):
    texts = [f"message number {i} about topic {i * 7}" for i in range(200)]
    expected = [tokenizer.count(t) for t in texts]
    got = [None] * len(texts)

    def work(k):
        for i in range(k, len(texts), 4):
            got[i] = tokenizer.count(texts[i])

    ts = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert got == expected

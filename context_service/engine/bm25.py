"""Incremental BM25 over turns.

Why incremental: a session grows one turn at a time; df, lengths and postings are updated
on append, and a query touches only the postings of its own terms. Postings live in
`array.array`s so a query can view them as numpy arrays without copying; accumulation is
vectorised and only the top `limit` turns go on to (slower, per-turn) Python scoring,
which keeps build time nearly flat as sessions grow.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter

import numpy as np


class BM25Index:
    def __init__(self, k1: float = 1.2, b: float = 0.5) -> None:
        self.k1, self.b = k1, b
        self.postings: dict[str, tuple[array, array]] = {}  # term -> (positions i32, tf f32)
        self.doc_len = array("f")
        self.total_len = 0

    @property
    def n_docs(self) -> int:
        return len(self.doc_len)

    def add(self, pos: int, terms: list[str]) -> None:
        assert pos == len(self.doc_len), "turns are append-only"
        self.doc_len.append(len(terms))
        self.total_len += len(terms)
        for t, tf in Counter(terms).items():
            pl = self.postings.get(t)
            if pl is None:
                pl = self.postings[t] = (array("i"), array("f"))
            pl[0].append(pos)
            pl[1].append(tf)

    def df(self, term: str) -> int:
        pl = self.postings.get(term)
        return len(pl[0]) if pl else 0

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log(1.0 + (self.n_docs - df + 0.5) / (df + 0.5)) if df else 0.0

    def score(self, query_terms: list[str], limit: int = 400) -> tuple[dict[int, float], float]:
        """(BM25 scores of the best `limit` matching turns, best score overall)."""
        n = self.n_docs
        if not n:
            return {}, 0.0
        k1, b = self.k1, self.b
        avgdl = max(self.total_len / n, 1.0)
        dl = np.frombuffer(self.doc_len, dtype=np.float32)
        acc = None
        for t in set(query_terms):
            pl = self.postings.get(t)
            if not pl:
                continue
            pos = np.frombuffer(pl[0], dtype=np.int32)
            tf = np.frombuffer(pl[1], dtype=np.float32)
            w = self.idf(t) * (k1 + 1) * tf / (tf + k1 * (1 - b) + (k1 * b / avgdl) * dl[pos])
            if acc is None:
                acc = np.zeros(n, dtype=np.float32)
            acc[pos] += w  # positions are unique within one term's postings
            del pos, tf  # release buffer views so the arrays can keep growing
        del dl
        if acc is None:
            return {}, 0.0
        hits = np.flatnonzero(acc)
        if len(hits) > limit:
            hits = hits[np.argpartition(acc[hits], -limit)[-limit:]]
        return dict(zip(hits.tolist(), acc[hits].tolist(), strict=True)), float(acc.max())

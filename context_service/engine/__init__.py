"""Smart context management: decide which past turns the model sees under a token budget.

engine = ContextEngine(get_tokenizer(), ContextConfig())
index = engine.new_index()
engine.append(index, Turn("t1", "user", "I live in Paris", ts=1700000000.0))
result = engine.build(index, "Where do I live?", budget_tokens=2000, system_prompt="...")
result.messages, result.stats, index.profile
"""

from .engine import BudgetTooSmallError, ContextEngine
from .index import SessionIndex
from .model import ContextConfig, ContextResult, ContextStats, SelectedTurn, Turn
from .profile import Fact, Profile, extract_facts
from .tokenizer import LlamaVocabTokenizer, Tokenizer, get_tokenizer

__all__ = [
    "BudgetTooSmallError",
    "ContextConfig",
    "ContextEngine",
    "ContextResult",
    "ContextStats",
    "Fact",
    "LlamaVocabTokenizer",
    "Profile",
    "SelectedTurn",
    "SessionIndex",
    "Tokenizer",
    "Turn",
    "extract_facts",
    "get_tokenizer",
]

"""The local model as a process of its own, behind llama-cpp-python's OpenAI-compatible server."""

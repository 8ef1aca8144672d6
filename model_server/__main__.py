"""`python -m model_server`: the local model behind an OpenAI-compatible HTTP API.

The server is llama-cpp-python's own (`llama_cpp.server`): /v1/chat/completions streamed
over SSE, /v1/models, plus /health here. It runs in a process of its own so that a crash in
native code ends only this process: the suite restarts it and the inference service answers
with the next provider meanwhile.
"""

from __future__ import annotations

import logging
import sys

from chat_common.local_models import ModelError, resolve
from chat_common.logs import setup_logging
from model_server.app import build_app
from model_server.native import system_info, uses_amx
from model_server.settings import ModelServerSettings

log = logging.getLogger("model_server")


def main() -> int:
    settings = ModelServerSettings()
    setup_logging("model_server", settings.log_level, settings.log_format)
    info = system_info()
    log.info("llama.cpp: %s", info)
    if uses_amx(info):
        log.error(
            "this llama-cpp-python build has AMX kernels, which crash on AMX CPUs; rebuild it: bash scripts/install-llama.sh"
        )
        return 2
    try:
        model = resolve(settings.local_model)
    except ModelError as exc:
        log.error("%s", exc)
        return 2
    import uvicorn

    try:
        app = build_app(settings, model)
    except (ValueError, OSError) as exc:  # llama.cpp could not load the file
        log.error("could not load the local model %s: %s", model.path, exc)
        return 1
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", loop="uvloop", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Prints the gateway's OpenAPI schema as JSON, built in-process (no server, no Redis).

    .venv/bin/python scripts/openapi.py              # to stdout
    .venv/bin/python scripts/openapi.py openapi.json # to a file

The app comes from gateway.app.create_app with the settings' defaults only (environment
variables are ignored), so the schema is the same on every machine: the frontend's API types
(frontend/src/api/schema.d.ts, `npm run gen:api`) are generated from it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from gateway.app import create_app
from gateway.settings import GatewaySettings


class DefaultSettings(GatewaySettings):
    """GatewaySettings from the defaults in code, never from the environment."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def schema_json() -> str:
    app = create_app(DefaultSettings())
    return json.dumps(app.openapi(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    text = schema_json()
    if len(argv) > 1:
        Path(argv[1]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv)

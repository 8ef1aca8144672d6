"""No Docker engine runs here, so the compose file is checked for consistency instead."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from suite.processes import ROOT, SERVICES

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
GRPC_PORTS = {"job_service": 50051, "context_service": 50052, "inference_service": 50053}


def dockerfile_targets(path: Path) -> set[str]:
    return set(re.findall(r"^FROM \S+ AS (\S+)$", path.read_text(), flags=re.MULTILINE))


def test_every_service_and_redis_is_defined() -> None:
    assert set(COMPOSE["services"]) == {"redis", "postgres", "gateway", "model_server", *GRPC_PORTS}


def test_every_service_restarts_after_a_crash() -> None:
    for name, service in COMPOSE["services"].items():
        assert service.get("restart") == "unless-stopped", name


def test_the_inference_service_finds_the_model_server_by_name() -> None:
    assert COMPOSE["services"]["inference_service"]["environment"]["LOCAL_MODEL_URL"] == "http://model_server:8090/v1"
    assert "8090" in " ".join(COMPOSE["services"]["model_server"]["healthcheck"]["test"])


def test_every_build_points_at_an_existing_dockerfile_target() -> None:
    for name, service in COMPOSE["services"].items():
        if name in ("redis", "postgres"):
            continue
        build = service["build"]
        dockerfile = ROOT / build["context"] / build["dockerfile"]
        assert dockerfile.is_file(), dockerfile
        assert build["target"] in dockerfile_targets(dockerfile), f"{name}: no target {build['target']}"
        assert build["target"] == name


def test_addresses_use_service_names_and_ports_match() -> None:
    for name, service in COMPOSE["services"].items():
        if name in ("redis", "postgres", "model_server"):
            continue
        env = service["environment"]
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        for grpc_name, port in GRPC_PORTS.items():
            assert env[f"{grpc_name.upper()}_ADDR"] == f"{grpc_name}:{port}"


def test_healthchecks_probe_grpc_health_and_http() -> None:
    for grpc_name, port in GRPC_PORTS.items():
        test = COMPOSE["services"][grpc_name]["healthcheck"]["test"]
        assert test[:4] == ["CMD", "python", "-m", "chat_common.grpc.probe"]
        assert test[4] == f"127.0.0.1:{port}"
        assert test[5] == SERVICES[grpc_name]
    gateway = " ".join(COMPOSE["services"]["gateway"]["healthcheck"]["test"])
    assert "/healthz" in gateway and "8000" in gateway
    assert COMPOSE["services"]["gateway"]["ports"] == ["8000:8000"]


def test_redis_keeps_an_append_only_file_on_a_named_volume() -> None:
    redis = COMPOSE["services"]["redis"]
    assert "--appendonly" in redis["command"] and "yes" in redis["command"]
    volume = redis["volumes"][0].split(":")[0]
    assert volume in COMPOSE["volumes"]


def test_uploads_are_shared_between_gateway_and_workers_but_never_served() -> None:
    for name in ("gateway", "job_service"):
        assert "uploads:/data/uploads" in COMPOSE["services"][name]["volumes"]
        assert COMPOSE["services"][name]["environment"]["UPLOAD_DIR"] == "/data/uploads"


def test_scalable_services_have_no_fixed_names_or_host_ports() -> None:
    for name in GRPC_PORTS:
        service = COMPOSE["services"][name]
        assert "container_name" not in service and "ports" not in service

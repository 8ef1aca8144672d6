"""The Kubernetes manifests (deploy/kubernetes): valid against the Kubernetes API schemas
(kubernetes-validate, offline), complete, and consistent with the services they run. No
cluster runs here: whether they deploy is untested."""

from __future__ import annotations

import kubernetes_validate
import pytest
import yaml

from suite.processes import ROOT

DEPLOY = ROOT / "deploy" / "kubernetes"
KUBERNETES_VERSION = "1.30.0"  # the oldest release we claim; gRPC probes are GA since 1.27
KUSTOMIZATION = yaml.safe_load((DEPLOY / "kustomization.yaml").read_text())


def documents() -> list[tuple[str, dict]]:
    return [
        (name, document)
        for name in KUSTOMIZATION["resources"]
        for document in yaml.safe_load_all((DEPLOY / name).read_text())
        if document
    ]


def by_kind(kind: str) -> dict[str, dict]:
    return {document["metadata"]["name"]: document for _, document in documents() if document["kind"] == kind}


def test_the_kustomization_lists_every_manifest() -> None:
    manifests = sorted(path.name for path in DEPLOY.glob("*.yaml") if path.name != "kustomization.yaml")
    assert sorted(KUSTOMIZATION["resources"]) == manifests


@pytest.mark.parametrize(("name", "document"), documents(), ids=lambda value: value if isinstance(value, str) else value["kind"])
def test_each_resource_is_valid_against_the_kubernetes_schemas(name: str, document: dict) -> None:
    kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)


def test_every_deployment_has_probes_a_disruption_budget_and_limits() -> None:
    budgets = by_kind("PodDisruptionBudget")
    for name, deployment in by_kind("Deployment").items():
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert "readinessProbe" in container and "livenessProbe" in container, name
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"], name
        assert budgets[name]["spec"]["selector"] == deployment["spec"]["selector"], name


def test_the_grpc_services_are_probed_by_grpc_health_and_found_through_headless_services() -> None:
    config = by_kind("ConfigMap")["chat-config"]["data"]
    services = by_kind("Service")
    for name, grpc_name, variable in [
        ("job-service", "chat.v1.JobService", "JOB_SERVICE_ADDR"),
        ("context-service", "chat.v1.ContextService", "CONTEXT_SERVICE_ADDR"),
        ("inference-service", "chat.v1.InferenceService", "INFERENCE_SERVICE_ADDR"),
    ]:
        container = by_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"][0]
        port = container["ports"][0]["containerPort"]
        assert container["readinessProbe"]["grpc"] == {"port": port, "service": grpc_name}
        assert services[name]["spec"]["clusterIP"] == "None"  # one DNS record per pod
        assert config[variable] == f"dns:///{name}:{port}"


def test_stateless_services_autoscale_and_the_model_server_does_not() -> None:
    autoscaled = {hpa["spec"]["scaleTargetRef"]["name"] for hpa in by_kind("HorizontalPodAutoscaler").values()}
    assert autoscaled == {"gateway", "job-service", "context-service", "inference-service"}


def test_keys_are_secrets_and_every_service_reads_them() -> None:
    secret = by_kind("Secret")["chat-secrets"]["stringData"]
    assert {"DATABASE_URL", "SESSION_SECRET", "GEMINI_API_KEY", "DEEPAI_API_KEY"} <= set(secret)
    assert not {"DATABASE_URL", "GEMINI_API_KEY"} & set(by_kind("ConfigMap")["chat-config"]["data"])
    for name in ("gateway", "job-service", "context-service", "inference-service"):
        sources = by_kind("Deployment")[name]["spec"]["template"]["spec"]["containers"][0]["envFrom"]
        assert {"secretRef": {"name": "chat-secrets"}} in sources, name


def test_each_image_is_a_dockerfile_target() -> None:
    targets = (ROOT / "docker" / "Dockerfile").read_text()
    for image in KUSTOMIZATION["images"]:
        target = image["name"].removeprefix("chat/").replace("-", "_")
        assert f" AS {target}\n" in targets, image["name"]


def test_the_uploads_volume_is_shared_by_the_gateway_and_the_job_service() -> None:
    assert by_kind("PersistentVolumeClaim")["uploads"]["spec"]["accessModes"] == ["ReadWriteMany"]
    for name in ("gateway", "job-service"):
        volumes = by_kind("Deployment")[name]["spec"]["template"]["spec"]["volumes"]
        assert {"name": "uploads", "persistentVolumeClaim": {"claimName": "uploads"}} in volumes, name


def test_a_broken_manifest_is_caught() -> None:
    """The validator is strict: a misspelt field fails (so the test above can fail)."""
    deployment = dict(by_kind("Deployment")["gateway"])
    deployment["spec"] = {**deployment["spec"], "replica": 2}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)

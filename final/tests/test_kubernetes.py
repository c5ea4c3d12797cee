"""The Kubernetes manifests are valid and say what the scale-out proof showed with nginx.

Validated offline against the Kubernetes API schemas that kubernetes-validate ships. The
production overlay is rendered by kustomize (``kubectl kustomize``); where kubectl is missing,
the base files are still checked one by one, and rendering skips (fails under REQUIRE_SERVICES=1).
"""

from __future__ import annotations

import os
import runpy
import shutil
import subprocess
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

FINAL = Path(__file__).resolve().parents[1]
K8S = FINAL / "deploy" / "k8s"
BASE = K8S / "base"
OVERLAYS = K8S / "overlays"
PRODUCTION = OVERLAYS / "production"
KUBERNETES_VERSION = "1.37"
SECRET_VARIABLES = {"SECRET_KEY", "JWT_SECRET_KEY", "DATABASE_URL", "REDIS_URL"}

Resource = dict[str, Any]


def load_all(path: Path) -> list[Resource]:
    return [document for document in yaml.safe_load_all(path.read_text()) if document]


def base_resources() -> list[Resource]:
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    return [resource for name in kustomization["resources"] for resource in load_all(BASE / name)]


def render(overlay: Path) -> list[Resource]:
    """An overlay as kustomize renders it."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail("kubectl is not installed")
        pytest.skip("kubectl is not installed")
    result = subprocess.run(  # noqa: S603  (a fixed command)
        [kubectl, "kustomize", str(overlay)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return [document for document in yaml.safe_load_all(result.stdout) if document]


@pytest.fixture(scope="module")
def rendered() -> list[Resource]:
    """The production overlay, rendered."""
    return render(PRODUCTION)


def one(resources: list[Resource], kind: str, name: str | None = None) -> Resource:
    (found,) = [
        resource
        for resource in resources
        if resource["kind"] == kind and name in (None, resource["metadata"]["name"])
    ]
    return found


def containers(resource: Resource) -> list[dict[str, Any]]:
    spec: list[dict[str, Any]] = resource["spec"]["template"]["spec"]["containers"]
    return spec


@pytest.mark.parametrize(
    "resource", base_resources(), ids=lambda r: f"{r['kind']}/{r['metadata']['name']}"
)
def test_each_base_resource_matches_the_kubernetes_schema(resource: Resource) -> None:
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


@pytest.mark.parametrize("overlay", sorted(OVERLAYS.iterdir()), ids=lambda path: path.name)
def test_every_rendered_resource_matches_the_kubernetes_schema(overlay: Path) -> None:
    rendered = render(overlay)
    # The pipeline deploys to the namespace named after the overlay (see deploy.yml).
    assert {resource["metadata"]["namespace"] for resource in rendered} == {
        f"library-{overlay.name}"
    }
    assert {resource["kind"] for resource in rendered} == {
        "ConfigMap",
        "Deployment",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "Job",
    }
    for resource in rendered:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_production_sets_its_image_and_sizes(rendered: list[Resource]) -> None:
    images = {
        container["image"]
        for kind in ("Deployment", "Job")
        for container in containers(one(rendered, kind))
    }
    assert images == {"ghcr.io/example/library-api:1.0.0"}
    assert one(rendered, "HorizontalPodAutoscaler")["spec"]["minReplicas"] == 3
    (api,) = containers(one(rendered, "Deployment"))
    assert api["resources"]["requests"] == {"cpu": "500m", "memory": "384Mi"}


def test_pods_are_ready_on_readyz_and_alive_on_healthz() -> None:
    (api,) = containers(one(base_resources(), "Deployment"))
    assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"cpu", "memory"} <= set(api["resources"]["requests"])


def test_pods_run_as_a_non_root_user_on_a_read_only_filesystem() -> None:
    for kind in ("Deployment", "Job"):
        pod = one(base_resources(), kind)["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True
        # The Dockerfile's numeric USER, so the kubelet can check it without reading the image.
        assert pod["securityContext"]["runAsUser"] == 10001
        for container in pod["containers"]:
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False


def test_the_grace_period_outlasts_gunicorns_graceful_shutdown(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = one(base_resources(), "ConfigMap")["data"]
    monkeypatch.setenv("GUNICORN_GRACEFUL_TIMEOUT", config["GUNICORN_GRACEFUL_TIMEOUT"])
    graceful = runpy.run_path(str(FINAL / "gunicorn.conf.py"))["graceful_timeout"]
    pod = one(base_resources(), "Deployment")["spec"]["template"]["spec"]
    (api,) = pod["containers"]
    pause = api["lifecycle"]["preStop"]["sleep"]["seconds"]
    assert pod["terminationGracePeriodSeconds"] > graceful + pause


def test_rolling_updates_never_go_below_the_wanted_pods() -> None:
    deployment = one(base_resources(), "Deployment")
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert "replicas" not in deployment["spec"], "the HorizontalPodAutoscaler owns the count"


def test_service_autoscaler_and_budget_all_point_at_the_api_pods() -> None:
    resources = base_resources()
    labels = one(resources, "Deployment")["spec"]["template"]["metadata"]["labels"]
    assert one(resources, "Service")["spec"]["selector"].items() <= labels.items()
    budget = one(resources, "PodDisruptionBudget")["spec"]
    assert budget["selector"]["matchLabels"].items() <= labels.items()
    assert budget["maxUnavailable"] == 1
    target = one(resources, "HorizontalPodAutoscaler")["spec"]["scaleTargetRef"]
    assert (target["kind"], target["name"]) == ("Deployment", "library-api")
    assert one(resources, "HorizontalPodAutoscaler")["spec"]["minReplicas"] >= 2


def test_the_migration_job_upgrades_the_schema_with_the_apps_image() -> None:
    resources = base_resources()
    (migrate,) = containers(one(resources, "Job"))
    (api,) = containers(one(resources, "Deployment"))
    assert migrate["command"] == ["flask", "--app", "wsgi", "db", "upgrade"]
    assert migrate["image"] == api["image"]
    assert one(resources, "Job")["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    # The pipeline applies the Job alone by this label, before the Deployment.
    assert one(resources, "Job")["metadata"]["labels"]["app.kubernetes.io/component"] == "migrate"


def test_secrets_are_only_referenced_never_written() -> None:
    resources = base_resources()
    assert not [resource for resource in resources if resource["kind"] == "Secret"]
    assert not SECRET_VARIABLES & set(one(resources, "ConfigMap")["data"])
    for kind in ("Deployment", "Job"):
        for container in containers(one(resources, kind)):
            by_name = {variable["name"]: variable for variable in container["env"]}
            assert set(by_name) >= SECRET_VARIABLES
            for name in SECRET_VARIABLES:
                assert "value" not in by_name[name]
                assert by_name[name]["valueFrom"]["secretKeyRef"]["key"] == name


def test_overlay_patches_name_resources_of_the_base() -> None:
    kustomization = yaml.safe_load((PRODUCTION / "kustomization.yaml").read_text())
    known = {(resource["kind"], resource["metadata"]["name"]) for resource in base_resources()}
    for patch in kustomization["patches"]:
        document = yaml.safe_load((PRODUCTION / patch["path"]).read_text())
        assert (document["kind"], document["metadata"]["name"]) in known

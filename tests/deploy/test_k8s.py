"""deploy/k8s validates offline against the Kubernetes JSON schemas of the last three minor versions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from kubernetes_validate import utils

K8S = Path(__file__).resolve().parents[2] / "deploy" / "k8s"
VERSIONS = sorted({utils.major_minor(v) for v in utils.all_versions()},
                  key=lambda v: tuple(int(p) for p in v.split(".")))[-3:]


def _resources() -> list[tuple[str, dict[str, Any]]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return [(f"{name}#{index}", doc) for name in kustomization["resources"]
            for index, doc in enumerate(yaml.safe_load_all((K8S / name).read_text())) if doc]


def test_kustomization_lists_every_manifest() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    kinds = {doc["kind"] for _, doc in _resources()}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget", "ConfigMap",
            "Secret"} <= kinds


@pytest.mark.parametrize("version", VERSIONS)
def test_every_manifest_is_valid(version: str) -> None:
    assert len(VERSIONS) == 3
    for name, doc in _resources():
        try:
            assert kubernetes_validate.validate(doc, f"{version}.0", strict=True) == version
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name} ({doc['kind']}) is invalid for Kubernetes {version}: {exc.message} at "
                        f"{'/'.join(map(str, exc.path))}")


def test_the_service_pod_drains_and_is_probed() -> None:
    deployment = next(doc for _, doc in _resources() if doc["kind"] == "Deployment"
                      and doc["metadata"]["name"] == "shengqing")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["startupProbe"]["httpGet"]["path"] == "/readyz"
    assert container["lifecycle"]["preStop"] and pod["terminationGracePeriodSeconds"] > 60
    assert container["securityContext"]["readOnlyRootFilesystem"] and pod["securityContext"]["runAsNonRoot"]

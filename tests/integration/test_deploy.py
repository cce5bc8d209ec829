"""deploy/kubernetes: the DaemonSet, its ConfigMap and Service, against the Kubernetes API schemas offline
(kubernetes-validate, strict: an unknown field fails, as a misspelled one does here), and the ConfigMap's daemon
configuration against gotrace itself: the daemon starts with it and serves /healthz, where the DaemonSet's probes
look. No cluster can be had on this machine; what the schemas and gotrace can check is checked."""
import subprocess
import sys

import pytest
import yaml

from gotrace_harness import TOP, Target, daemon, fixtures, private_copy, wait_for

DEPLOY = TOP / "deploy" / "kubernetes"
MANIFESTS = sorted(DEPLOY.glob("*.yaml"))


def validate(path):
    return subprocess.run([sys.executable, "-m", "kubernetes_validate", "--strict", str(path)],
                          capture_output=True, text=True)


def documents(name):
    return [d for d in yaml.safe_load_all((DEPLOY / name).read_text()) if d]


@pytest.mark.parametrize("path", MANIFESTS, ids=lambda p: p.name)
def test_manifest_passes_the_kubernetes_schemas(path):
    r = validate(path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "passed" in r.stdout + r.stderr


def test_a_misspelled_field_fails(tmp_path):
    bad = tmp_path / "daemonset.yaml"
    bad.write_text((DEPLOY / "daemonset.yaml").read_text().replace("hostPID: true", "hostPid: true"))
    r = validate(bad)
    assert r.returncode != 0 and "hostPid" in r.stdout + r.stderr, r.stdout + r.stderr


def test_daemonset_runs_as_documented():
    """hostPID, a read-only root filesystem, every host path read-only but the profiles', only the capabilities
    BPF tracing needs, resources set, liveness on /healthz at the port the ConfigMap's listen names."""
    ds = [d for d in documents("daemonset.yaml") if d["kind"] == "DaemonSet"][0]
    pod = ds["spec"]["template"]["spec"]
    (c,) = pod["containers"]
    assert pod["hostPID"] is True and pod["automountServiceAccountToken"] is False
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["privileged"] is False
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert set(sc["capabilities"]["add"]) <= {"BPF", "PERFMON", "SYS_PTRACE", "SYS_RESOURCE", "DAC_READ_SEARCH"}
    host = {v["name"] for v in pod["volumes"] if "hostPath" in v}
    for m in c["volumeMounts"]:
        if m["name"] in host and m["name"] != "profiles":
            assert m.get("readOnly") is True, m
    assert c["resources"]["requests"]["cpu"] and c["resources"]["limits"]["memory"]
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    port = {p["name"]: p["containerPort"] for p in c["ports"]}[c["livenessProbe"]["httpGet"]["port"]]
    conf = documents("configmap.yaml")[0]["data"]["daemon.conf"]
    assert f"listen = :{port}" in conf.splitlines()
    mounts = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
    assert f"pod-log-dir = {mounts['pod-logs']}" in conf.splitlines()
    assert f"profile-dir = {mounts['profiles']}" in conf.splitlines()
    svc = documents("service.yaml")[0]
    assert svc["spec"]["selector"] == ds["spec"]["selector"]["matchLabels"]


def test_the_configmaps_configuration_runs(tmp_path):
    """gotrace daemon starts with the ConfigMap's file (its listen address and directories overridden by the test's
    own, which options do over the file) and traces a Go program with the capabilities it names."""
    conf = tmp_path / "daemon.conf"
    conf.write_text(documents("configmap.yaml")[0]["data"]["daemon.conf"])
    path = private_copy(fixtures("gcload", ["default"])[-1], "dp")
    with daemon(f"--config={conf}", f"--pod-log-dir={tmp_path}", allow=path.split("/")[-1]) as d:
        t = Target(path, "-duration=0")
        try:
            wait_for(lambda: d.traces(t.pid), what="the program traced")
            t.start()
            wait_for(lambda: "gotrace_go_gogc{" in d.metrics()[2], what="the memory view")
        finally:
            t.kill()
        metrics = d.metrics()[2]
        assert d.metric("gotrace_daemon_probe_hits_total") == 0, "gc-source = memstats: no probe"
    # capabilities = gc,goroutines,cgroup,memory: no scheduler series
    assert "gotrace_thread_runqueue_delay_seconds_count{" not in metrics
    assert "gotrace_gc_cycles_total{" in metrics

"""The official Kubernetes Python client (Debian's python3-kubernetes) against sim-run serve.

    python_client.py BASE_URL

Lists nodes and pods, creates a pod, and watches it until the simulated kubelet reports it
Running. Exits 77 when the client cannot be imported, 1 on the first failed check.
"""
import sys

try:
    from kubernetes import client, watch
    from kubernetes.client.rest import ApiException
except ImportError as e:  # the test is skipped, not failed, without the client
    print(f"SKIP: the kubernetes Python client cannot be imported ({e})")
    sys.exit(77)

base = sys.argv[1]
config = client.Configuration()
config.host = base
api_client = client.ApiClient(config)
core = client.CoreV1Api(api_client)
failures = 0


def check(name, ok, detail=""):
    global failures
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))
    if not ok:
        failures += 1


# Typed: V1NodeSystemInfo requires all ten nodeInfo fields (bootID, machineID, systemUUID...).
nodes = core.list_node(_request_timeout=10)
check("list nodes (typed)", sorted(n.metadata.name for n in nodes.items) == ["node-1", "node-2", "node-3"],
      nodes)
info = nodes.items[0].status.node_info
check("node info", info.kubelet_version == "v1.32.0" and len(info.machine_id) == 32
      and len(info.system_uuid) == 36 and len(info.boot_id) == 36, info)
check("node identities differ", len({n.status.node_info.machine_id for n in nodes.items}) == 3, nodes.items)
before = core.list_namespaced_pod("default", _request_timeout=10)
check("list pods", before.items == [] and before.metadata.resource_version.isdigit(), before.metadata)

pod = client.V1Pod(
    metadata=client.V1ObjectMeta(name="from-python", labels={"app": "py"}),
    spec=client.V1PodSpec(containers=[client.V1Container(
        name="c", image="busybox:1.36",
        resources=client.V1ResourceRequirements(requests={"cpu": "100m", "memory": "64Mi"}))]))
created = core.create_namespaced_pod("default", pod, _request_timeout=10)
check("create pod", created.metadata.uid and created.status.phase == "Pending", created.status)
check("defaults applied", created.spec.restart_policy == "Always" and created.spec.dns_policy == "ClusterFirst",
      created.spec)

try:
    core.create_namespaced_pod("default", pod, _request_timeout=10)
    check("create twice is 409 AlreadyExists", False, "no error")
except ApiException as e:
    check("create twice is 409 AlreadyExists", e.status == 409 and "already exists" in e.body, (e.status, e.body))

# A server-side dry run: defaulted and named, but not stored.
dry = core.create_namespaced_pod("default", client.V1Pod(
    metadata=client.V1ObjectMeta(generate_name="dry-"),
    spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="busybox:1.36")])),
    dry_run="All", _request_timeout=10)
check("dry-run create", dry.metadata.name.startswith("dry-") and dry.metadata.resource_version is None
      and dry.spec.restart_policy == "Always", dry.metadata)
stored = [p.metadata.name for p in core.list_namespaced_pod("default", _request_timeout=10).items]
check("dry-run stored nothing", stored == ["from-python"], stored)

# Watch from the list's resourceVersion: the kubelet's status updates arrive as MODIFIED.
seen = []
w = watch.Watch()
for event in w.stream(core.list_namespaced_pod, "default", label_selector="app=py",
                      resource_version=before.metadata.resource_version, timeout_seconds=20,
                      _request_timeout=30):
    obj = event["object"]
    seen.append((event["type"], obj.status.phase))
    if event["type"] == "MODIFIED" and obj.status.phase == "Running" and obj.spec.node_name:
        w.stop()
check("watch sees ADDED then MODIFIED to Running", seen[:1] == [("ADDED", "Pending")] and seen[-1] == ("MODIFIED", "Running"),
      seen)

running = core.read_namespaced_pod("from-python", "default", _request_timeout=10)
check("read pod: bound and Running", running.spec.node_name in ("node-1", "node-2", "node-3")
      and running.status.phase == "Running" and running.status.pod_ip, running.status)
core.delete_namespaced_pod("from-python", "default", grace_period_seconds=0, _request_timeout=10)
try:
    core.read_namespaced_pod("from-python", "default", _request_timeout=10)
    check("delete pod", False, "still there")
except ApiException as e:
    check("delete pod (then 404)", e.status == 404, e.status)

if failures:
    print(f"{failures} Python client check(s) failed")
    sys.exit(1)
print("all Python client checks passed")

#!/usr/bin/env bash
# The real kubectl against `sim-run serve` (the whole simulation running, paced against the
# wall clock), then `sim-run replay` of the session. kubectl_e2e.sh covers the HTTP face's
# verbs and tables against a bare API server; this one covers what needs a live cluster:
# pods that really come up from the reference manifest, watches that see them change, and a
# kubectl session that replays to the same trace.
#   kubectl_serve_e2e.sh SIM_RUN REPO_ROOT
# Every kubectl call is bounded by `timeout`; waits are bounded polls.
set -uo pipefail
source "$(dirname "$0")/lib.sh"
# Speed 10: the image pulls and readiness probes of virtual time pass in about a second.
begin_kubectl_session "$1" "$2"

manifest=fixtures/manifests/sentiment-v1.yaml  # the reference project's k8s/seldon-deployment.yaml
check version 'Server Version: v1\.32\.4' -- version
check api-resources 'seldondeployments +sdep +machinelearning\.seldon\.io/v1 +true +SeldonDeployment' -- api-resources
check nodes '^node-3 +Ready' -- get nodes
check apply-namespace 'namespace/seldon created' -- apply -f fixtures/manifests/namespace.yaml

# Watch the namespace's pods from before they exist: the watch must see them appear and change.
timeout 60 kubectl --server "$base" --request-timeout=40s get pods -n seldon -w >"$work/watch.out" 2>&1 &
watch_pid=$!
check apply-sdep 'seldondeployment.machinelearning.seldon.io/sentiment-classifier created' -- apply -f "$manifest"
check apply-unchanged 'seldondeployment.machinelearning.seldon.io/sentiment-classifier unchanged' -- apply -f "$manifest"
check get-sdep '^sentiment-classifier +[0-9]+s' -- get sdep -n seldon
# The operator creates the predictor's Deployment, whose pod is scheduled and starts.
eventually pod-running '^sentiment-classifier-default-0-classifier-[a-z0-9]+-[a-z0-9]{5} +2/2 +Running +0 +[0-9]+s +10\.[0-9.]+ +node-[123] ' -- get pods -n seldon -o wide
eventually sdep-available 'state: Available' -- get seldondeployments -n seldon -o yaml
check get-sdep-yaml 'name: sentiment-model' -- get seldondeployments -n seldon -o yaml
seen=no
for _ in $(seq 100); do grep -Eq '^sentiment-classifier-default-0-classifier-.* +2/2 +Running' "$work/watch.out" && { seen=yes; break; }; sleep 0.2; done
if [[ $seen == yes ]] && grep -Eq ' +0/2 +(Pending|ContainerCreating)' "$work/watch.out"; then
  echo "ok   get-pods-watch (the pod's rows from Pending to Running)"
else
  echo "FAIL get-pods-watch"; sed 's/^/     | /' "$work/watch.out"; failures=$((failures + 1))
fi
kill "$watch_pid" 2>/dev/null; wait "$watch_pid" 2>/dev/null; watch_pid=""

check describe-sdep 'Name: +sentiment-classifier' -- describe sdep sentiment-classifier -n seldon
check describe-pod 'Node: +node-[123]/' -- describe pods -n seldon
sed 's/replicas: 1/replicas: 2/' "$manifest" >"$work/two.yaml"
check apply-configured 'seldondeployment.machinelearning.seldon.io/sentiment-classifier configured' -- apply -f "$work/two.yaml"
eventually two-pods-running '^2$' -- get deploy -n seldon -o 'jsonpath={.items[0].status.readyReplicas}'
check scale-sdep 'seldondeployment.machinelearning.seldon.io/sentiment-classifier scaled' -- scale sdep sentiment-classifier -n seldon --replicas=3
check sdep-spec-replicas '^3$' -- get sdep sentiment-classifier -n seldon -o 'jsonpath={.spec.replicas}'
# The operator's precedence (componentSpec > predictor > spec replicas): the manifest's
# predictor says 2, so scaling the SeldonDeployment leaves its Deployment at 2.
eventually sdep-reconciled '^2 2$' -- get deploy -n seldon -o 'jsonpath={.items[0].spec.replicas} {.items[0].status.readyReplicas}'

# A conflicting update: an edit based on a stale copy (its resourceVersion is old).
k get sdep sentiment-classifier -n seldon -o yaml >"$work/stale.yaml" 2>&1
check label 'labeled' -- label sdep sentiment-classifier -n seldon team=ml
check_fails replace-conflict 'Error from server \(Conflict\).*Operation cannot be fulfilled on seldondeployments\.machinelearning\.seldon\.io "sentiment-classifier": the object has been modified; please apply your changes to the latest version and try again' -- replace -f "$work/stale.yaml"

pod=$(k get pods -n seldon -o name | head -1)
check delete-pod 'deleted' -- delete -n seldon "$pod"
# The ReplicaSet replaces the deleted pod: two Running again, the deleted one gone.
replaced=no
for _ in $(seq 150); do
  out=$(k get pods -n seldon --no-headers 2>&1)
  if [[ $(grep -Ec ' 2/2 +Running ' <<<"$out") -eq 2 ]] && ! grep -q "^${pod#pod/} " <<<"$out"; then replaced=yes; break; fi
  sleep 0.2
done
if [[ $replaced == yes ]]; then echo "ok   replaced (the ReplicaSet made a new pod)"; else
  echo "FAIL replaced"; sed 's/^/     | /' <<<"$out"; failures=$((failures + 1)); fi
check delete-sdep 'seldondeployment.machinelearning.seldon.io "sentiment-classifier" deleted' -- delete -f "$manifest"
check_fails sdep-gone 'NotFound' -- get sdep sentiment-classifier -n seldon
# The garbage collector takes what it owned: Deployment, ReplicaSet, pods, Services.
eventually cascade 'No resources found in seldon namespace' -- get deploy,rs,pods,svc -n seldon

# Stop the session and replay it: the kubectl session reproduces the same trace.
stop_serve_and_replay 8
finish

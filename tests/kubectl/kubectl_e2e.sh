#!/usr/bin/env bash
# The real kubectl against the fake API server's HTTP face.
#   kubectl_e2e.sh FAKE_APISERVER REPO_ROOT
# Every kubectl call is bounded by `timeout`; the server exits on /shutdown (trap) or after
# 60 s without a request.
set -uo pipefail
server_bin=$1
root=$2
source "$(dirname "$0")/lib.sh"
require_kubectl
# The fake server stops on /shutdown (then lib.sh's cleanup finds nothing left to kill).
trap 'if [[ -n "$server_pid" && -f "$work/port" ]]; then
        curl -s -m 2 -X POST "http://127.0.0.1:$(cat "$work/port")/shutdown" >/dev/null 2>&1
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
      fi; _cleanup' EXIT

"$server_bin" "$work/port" 60 >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 100); do [[ -s "$work/port" ]] && break; sleep 0.1; done
[[ -s "$work/port" ]] || { echo "FAIL: server did not start"; cat "$work/server.log"; exit 1; }
port=$(cat "$work/port")

cat >"$work/kubeconfig" <<KC
apiVersion: v1
kind: Config
clusters:
- name: sim
  cluster:
    server: http://127.0.0.1:$port
contexts:
- name: sim
  context:
    cluster: sim
    user: sim
users:
- name: sim
  user: {}
current-context: sim
KC
export KUBECONFIG=$work/kubeconfig

cat >"$work/web.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
YAML
sed 's/name: watched/name: first/' >"$work/first.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: watched
  namespace: default
spec:
  containers:
  - name: c
    image: busybox
YAML
cat >"$work/pod.yaml" <<'YAML'
apiVersion: v1
kind: Pod
metadata:
  name: watched
  namespace: default
spec:
  containers:
  - name: c
    image: busybox
YAML

check version 'Server Version: v1\.32\.4' -- version
check get-ns '^default +Active' -- get ns
check api-resources 'seldondeployments +sdep +machinelearning\.seldon\.io/v1 +true +SeldonDeployment' -- api-resources
check apply-namespace 'namespace/seldon created' -- apply -f "$root/fixtures/manifests/namespace.yaml"
check apply-deployment 'deployment.apps/web created' -- apply -f "$work/web.yaml"
check apply-unchanged 'deployment.apps/web unchanged' -- apply -f "$work/web.yaml"
sed 's/replicas: 2/replicas: 3/' "$work/web.yaml" >"$work/web3.yaml"
check apply-configured 'deployment.apps/web configured' -- apply -f "$work/web3.yaml"
check get-deploy-table '^web +0/3 +0 +0 +[0-9]+s' -- get deploy
check get-deploy-wide 'nginx +nginx:1\.27 +app=web' -- get deploy -o wide
check get-deploy-yaml 'replicas: 3' -- get deploy web -o yaml
check apply-sdep 'seldondeployment.machinelearning.seldon.io/sentiment-classifier created' -- \
  apply -f "$root/fixtures/manifests/sentiment-v1.yaml"
check get-sdep '^sentiment-classifier +[0-9]+s' -- get sdep -n seldon
check get-sdep-yaml 'name: sentiment-model' -- get seldondeployments -n seldon -o yaml
check scale-deploy 'deployment.apps/web scaled' -- scale deploy web --replicas=5
check scaled-replicas '^5$' -- get deploy web -o 'jsonpath={.spec.replicas}'
check create-stdin 'configmap/piped created' -- create -f - <<<'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"piped"},"data":{"k":"v"}}'
check create-hpa 'horizontalpodautoscaler.autoscaling/web created' -- create -f - <<<'{"apiVersion":"autoscaling/v2","kind":"HorizontalPodAutoscaler","metadata":{"name":"web"},"spec":{"scaleTargetRef":{"apiVersion":"apps/v1","kind":"Deployment","name":"web"},"minReplicas":1,"maxReplicas":4,"metrics":[{"type":"Resource","resource":{"name":"cpu","target":{"type":"Utilization","averageUtilization":80}}}]}}'
check get-hpa '^web +Deployment/web +cpu: <unknown>/80% +1 +4 +0 +[0-9]+s' -- get hpa
check create-event 'event/web.1 created' -- create -f - <<<'{"apiVersion":"v1","kind":"Event","metadata":{"name":"web.1"},"involvedObject":{"kind":"Deployment","name":"web","namespace":"default"},"reason":"ScalingReplicaSet","message":"Scaled up replica set web-1 to 3","type":"Normal","source":{"component":"deployment-controller"},"firstTimestamp":"2025-01-01T00:00:00Z","lastTimestamp":"2025-01-01T00:00:00Z","count":1}'
check get-events 'Normal +ScalingReplicaSet +deployment/web +Scaled up replica set web-1 to 3' -- get events
check label-ns 'namespace/seldon labeled' -- label ns seldon tier=ml
check get-ns-label '^seldon +Active +[0-9]+s +ml$' -- get ns seldon -L tier
check_fails get-missing 'Error from server \(NotFound\): deployments.apps "nope" not found' -- get deploy nope
check_fails bad-selector 'Error from server \(BadRequest\)' -- get pods --field-selector spec.foo=x

# Watch: with a pod "first" listed, `get pods -w` prints its row before it starts watching
# from the list's resourceVersion; a pod created after that arrives as a watch event. Then
# --request-timeout ends the watch.
check create-first 'pod/first created' -- apply -f "$work/first.yaml"
timeout 20 kubectl --request-timeout=8s get pods -w >"$work/watch.out" 2>&1 &
watch_pid=$!
for _ in $(seq 100); do grep -q '^first ' "$work/watch.out" && break; sleep 0.1; done
check create-pod 'pod/watched created' -- apply -f "$work/pod.yaml"
seen=no
for _ in $(seq 100); do grep -Eq '^watched +0/1 +Pending' "$work/watch.out" && { seen=yes; break; }; sleep 0.1; done
if [[ $seen == yes ]]; then echo "ok   watch-event"; else
  echo "FAIL watch-event"; sed 's/^/     | /' "$work/watch.out"; failures=$((failures + 1)); fi
wait "$watch_pid"
watch_rc=$?
watch_pid=""
if [[ $watch_rc -ne 124 ]]; then echo "ok   watch-ends (rc=$watch_rc)"; else
  echo "FAIL watch-ends: kubectl get -w had to be killed by timeout"; failures=$((failures + 1)); fi

check describe-sdep 'Name: +sentiment-model' -- describe sdep sentiment-classifier -n seldon
k get sdep sentiment-classifier -n seldon -o yaml >"$work/sdep.yaml" 2>&1
sed -i 's/resourceVersion: .*/resourceVersion: "1"/' "$work/sdep.yaml"
check_fails replace-conflict 'Error from server \(Conflict\).*Operation cannot be fulfilled on seldondeployments.machinelearning.seldon.io "sentiment-classifier": the object has been modified; please apply your changes to the latest version and try again' -- \
  replace -f "$work/sdep.yaml"
check scale-sdep 'seldondeployment.machinelearning.seldon.io/sentiment-classifier scaled' -- \
  scale sdep sentiment-classifier -n seldon --replicas=3
check get-pods-wide '^watched +0/1 +Pending +0 +[0-9]+s +<none> +<none> +<none> +<none>' -- get pods -o wide
check delete-pod 'pod "watched" deleted' -- delete pod watched
check delete-deploy 'deployment.apps "web" deleted' -- delete deploy web
check_fails deleted-gone 'NotFound' -- get deploy web
check delete-sdep 'deleted' -- delete -f "$root/fixtures/manifests/sentiment-v1.yaml"

[[ $failures -ne 0 ]] && { echo "server log:"; cat "$work/server.log"; }
finish

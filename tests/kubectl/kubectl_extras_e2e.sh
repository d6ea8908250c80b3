#!/usr/bin/env bash
# The real kubectl against `sim-run serve`: server-side dry run (create, apply, patch, delete),
# `kubectl diff`, `kubectl explain` from the served OpenAPI v3 schemas, and server-side apply
# with field ownership (managedFields), a conflict between two field managers and
# --force-conflicts; then a replay of the session (dry runs included) to the same hash.
#   kubectl_extras_e2e.sh SIM_RUN REPO_ROOT
set -uo pipefail
source "$(dirname "$0")/lib.sh"
begin_kubectl_session "$1" "$2"

manifest=fixtures/manifests/sentiment-v1.yaml
sdep=seldondeployment.machinelearning.seldon.io/sentiment-classifier
check apply-namespace 'namespace/seldon created' -- apply -f fixtures/manifests/namespace.yaml

# --- server-side dry run: full admission, nothing stored.
check create-dry-run-yaml '^  uid: [0-9a-f-]{36}$' -- create --dry-run=server -f "$manifest" -o yaml
check create-dry-run-defaulted '^  generation: 1$' -- create --dry-run=server -f "$manifest" -o yaml
check apply-dry-run "$sdep created \(server dry run\)" -- apply --dry-run=server -f "$manifest"
check_fails dry-run-stored-nothing 'NotFound' -- get sdep sentiment-classifier -n seldon
check generate-name-dry-run '^pod/dry-[b-df-hj-np-tv-z2-9]{5} created \(server dry run\)' -- \
  create --dry-run=server -f - <<<'{"apiVersion":"v1","kind":"Pod","metadata":{"generateName":"dry-","namespace":"default"},"spec":{"containers":[{"name":"c","image":"busybox"}]}}'
check_fails dry-run-validates 'is invalid' -- create --dry-run=server -f - \
  <<<'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"bad","namespace":"default"},"spec":{"replicas":-1,"selector":{"matchLabels":{"a":"b"}},"template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}'
check apply-sdep "$sdep created" -- apply -f "$manifest"
sed 's/replicas: 1/replicas: 2/' "$manifest" >"$work/two.yaml"
check apply-changed-dry-run "$sdep configured \(server dry run\)" -- apply --dry-run=server -f "$work/two.yaml"
# (kubectl 1.32 prints plain "patched" for a server dry-run patch.)
check patch-dry-run "$sdep patched" -- patch sdep sentiment-classifier -n seldon \
  --type=merge -p '{"metadata":{"labels":{"dry":"run"}}}' --dry-run=server
check delete-dry-run '"sentiment-classifier" deleted \(server dry run\)' -- delete --dry-run=server -f "$manifest"
check dry-runs-changed-nothing '^1 $' -- get sdep sentiment-classifier -n seldon \
  -o 'jsonpath={.spec.predictors[0].replicas} {.metadata.labels.dry}'

# --- kubectl diff: server-side dry run + get; exit 0 when equal, 1 with a diff.
# The operator writes the status while the pod comes up: wait until it settles, or a status
# change between diff's GET and its dry run would show.
eventually sdep-settled '^Available 1$' -- get sdep sentiment-classifier -n seldon \
  -o 'jsonpath={.status.state} {.status.deploymentStatus.*.availableReplicas}'
check_exit diff-unchanged 0 '^$' -- diff -f "$manifest"
check_exit diff-changed 1 '^\+ +replicas: 2$' -- diff -f "$work/two.yaml"
check_exit diff-shows-old 1 '^- +replicas: 1$' -- diff -f "$work/two.yaml"

# --- kubectl explain from /openapi/v3.
check explain-sdep-predictors 'FIELD: +predictors <\[\]Object>' -- explain seldondeployment.spec.predictors
check explain-sdep-graph 'graph[[:space:]]+<Object> -required-' -- explain seldondeployment.spec.predictors
check explain-pod-spec 'containers[[:space:]]+<\[\]Container> -required-' -- explain pods.spec
check explain-pod-spec-kind '^KIND: +Pod$' -- explain pods.spec
check explain-container-image 'FIELD: +image <string>' -- explain pods.spec.containers.image
check explain-deployment 'template[[:space:]]+<PodTemplateSpec> -required-' -- explain deployment.spec

# --- server-side apply: managedFields, a changed field, an omitted field, a conflict.
cm() {  # cm NAME DATA_JSON
  printf '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"%s","namespace":"default"},"data":%s}' "$1" "$2"
}
check ssa-create 'configmap/ssa serverside-applied' -- apply --server-side -f - <<<"$(cm ssa '{"k":"1","gone":"x"}')"
check ssa-managed-fields '^kubectl Apply \{"f:data":\{"f:gone":\{\},"f:k":\{\}\}\}$' -- get cm ssa \
  -o 'jsonpath={.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation} {.metadata.managedFields[0].fieldsV1}' --show-managed-fields
check ssa-change 'configmap/ssa serverside-applied' -- apply --server-side -f - <<<"$(cm ssa '{"k":"2"}')"
check ssa-changed-and-pruned '^2 $' -- get cm ssa -o 'jsonpath={.data.k} {.data.gone}'
check_fails ssa-conflict 'Apply failed with 1 conflict: conflict with "kubectl": \.data\.k' -- \
  apply --server-side --field-manager=other -f - <<<"$(cm ssa '{"k":"3"}')"
check ssa-same-value-shared 'configmap/ssa serverside-applied' -- \
  apply --server-side --field-manager=shared -f - <<<"$(cm ssa '{"k":"2"}')"
check ssa-force 'configmap/ssa serverside-applied' -- \
  apply --server-side --field-manager=other --force-conflicts -f - <<<"$(cm ssa '{"k":"3"}')"
# Forced: the field leaves kubectl's and shared's sets, whose entries, now empty, go.
check ssa-forced-owner '^3 other=\{"f:data":\{"f:k":\{\}\}\} $' -- get cm ssa --show-managed-fields \
  -o 'jsonpath={.data.k} {range .metadata.managedFields[*]}{.manager}={.fieldsV1} {end}'
# An ordinary write (kubectl patch, field manager kubectl-patch) takes the field over.
check patch-takes-over 'configmap/ssa patched' -- patch cm ssa -p '{"data":{"k":"9"}}'
check_fails ssa-conflict-update 'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: \.data\.k' -- \
  apply --server-side --field-manager=other -f - <<<"$(cm ssa '{"k":"3"}')"
check ssa-sdep "$sdep serverside-applied" -- apply --server-side --force-conflicts -f "$work/two.yaml"
check ssa-sdep-replicas '^2$' -- get sdep sentiment-classifier -n seldon -o 'jsonpath={.spec.predictors[0].replicas}'
check_exit diff-server-side 1 '^\+ +replicas: 1$' -- diff --server-side -f "$manifest"

# Every write above, dry runs included, is an input of the session; the replay matches.
stop_serve_and_replay 15
finish

#!/usr/bin/env bash
# The Helm chart deploy/helm/datamgmt-node, checked without a cluster.
#
# Shows: `helm lint` and `helm lint --strict` pass with the default values and
# with ci/full-values.yaml and ci/minimal-values.yaml; the rendered manifests
# have the design's properties (StatefulSet and headless Service, stable DNS
# names in ADVERTISE_ADDRESS and INITIAL_PEERS, native gRPC probes on the
# three APIs and HTTP probes on the gateway, /data on a volumeClaimTemplate
# for dht-service and peer-manager, the restricted Pod Security profile,
# resources on every container, the seed's intervals, and each non-default
# value where it belongs; the gateway's bearer token from a generated Secret
# or an existing one, HTTPS from a TLS Secret mounted read-only, auth off);
# values.schema.json rejects bad values and unknown
# keys; every rendering passes `kubeconform -strict` against Kubernetes
# 1.31's schemas and the ServiceMonitor CRD's, generated offline by
# deploy/helm/tools/kube-schemas.sh; the helm-test pod's script fails on a
# stand-in /network/stats without a key; NOTES.txt renders the port-forward,
# curl and grpcurl commands; and pod 0 as rendered, its four binaries run
# here with exactly the containers' environments, starts, answers what the
# probes ask, advertises its stable name, passes the helm-test script,
# refuses POST /data without the rendered Secret's token and accepts it with
# the token, and stops cleanly. Each kind of check is also shown failing on a broken input
# (lint on a broken template, kubeconform on broken manifests, the schema on
# bad values).
#
# Not covered: installing into a real cluster (none is reachable here, and
# no node image such as kind's can be pulled).
#
# Tools: helm and kubeconform from tools/go-tools.sh (pinned, built with
# Debian's Go through the Go module proxy); python3-yaml to turn manifests
# into JSON for jq. E2E_BIN (bazel-bin) is needed only for the rendered pod
# (without it that part is left out, saying so); GRPCURL defaults to
# tools/go-tools.sh grpcurl.
: "${E2E_BIN:=unused}" "${GRPCURL:=unused}"
source "$(dirname "$0")/lib.sh"
e2e_init helm_test
cd "$(dirname "$0")/../.." || exit 1

CHART=deploy/helm/datamgmt-node
KUBE_VERSION=${HELM_TEST_KUBE_VERSION:-1.31.14}
PYTHON=/usr/bin/python3
REL=demo NS=dm
FULL=$REL-datamgmt-node HEADLESS=$REL-datamgmt-node-headless
DOMAIN=$HEADLESS.$NS.svc.cluster.local
# Helm's own files (repositories, cache) go to the work dir, not $HOME.
export HELM_CACHE_HOME=$E2E_WORK/helm/cache HELM_CONFIG_HOME=$E2E_WORK/helm/config \
  HELM_DATA_HOME=$E2E_WORK/helm/data

# --- 0. Tools and schemas; without them nothing else can run. ---
t0=$SECONDS
setup_ok=1
HELM=$(tools/go-tools.sh helm) || setup_ok=0
KUBECONFORM=$(tools/go-tools.sh kubeconform) || setup_ok=0
SCHEMAS=$(deploy/helm/tools/kube-schemas.sh "$KUBE_VERSION") || setup_ok=0
"$PYTHON" -c 'import yaml' 2>/dev/null || setup_ok=0
e2e_check "tools ready: helm, kubeconform, Kubernetes $KUBE_VERSION schemas, python3-yaml ($((SECONDS - t0)) s)" \
  test "$setup_ok" = 1
((setup_ok)) || e2e_finish
echo "helm_test: helm $("$HELM" version --short), kubeconform $("$KUBECONFORM" -v), schemas in $SCHEMAS"

# render NAME [HELM TEMPLATE ARGS...]: renders the chart (release $RELEASE,
# default demo) into $E2E_WORK/NAME.yaml (errors in NAME.err) and its
# documents as a JSON array into NAME.json. Returns helm's status.
render() {
  local name=$1
  shift
  "$HELM" template "${RELEASE:-$REL}" "$CHART" -n "$NS" \
    --kube-version "$KUBE_VERSION" "$@" \
    >"$E2E_WORK/$name.yaml" 2>"$E2E_WORK/$name.err" || return 1
  "$PYTHON" -c '
import json, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d is not None]
json.dump(docs, open(sys.argv[2], "w"))' "$E2E_WORK/$name.yaml" "$E2E_WORK/$name.json"
}

# to_yaml JSON_FILE YAML_FILE: a JSON array of documents as multi-document
# YAML, for kubeconform.
to_yaml() {
  "$PYTHON" -c '
import json, sys, yaml
yaml.safe_dump_all(json.load(open(sys.argv[1])), open(sys.argv[2], "w"))' "$1" "$2"
}

# q NAME JQ: jq -r over rendering NAME's documents, lines joined by spaces.
q() { jq -r "$2" "$E2E_WORK/$1.json" 2>/dev/null | tr '\n' ' ' | sed 's/ $//'; }

# env_of NAME CONTAINER VAR: VAR's value in the StatefulSet's CONTAINER.
env_of() {
  q "$1" ".[] | select(.kind == \"StatefulSet\") | .spec.template.spec.containers[]
    | select(.name == \"$2\") | .env[] | select(.name == \"$3\") | .value"
}

# kc FILE...: kubeconform -strict against the generated schemas, no network.
kc() {
  "$KUBECONFORM" -strict -summary -kubernetes-version "$KUBE_VERSION" \
    -schema-location "$SCHEMAS" \
    -schema-location "$SCHEMAS/crds/{{ .Group }}/{{ .ResourceKind }}_{{ .ResourceAPIVersion }}.json" \
    "$@"
}

# kc_valid FILE N: kubeconform finds N valid resources and nothing else.
kc_valid() {
  local out
  out=$(kc "$1" 2>&1)
  e2e_has "$out" "$2 resources found in 1 file - Valid: $2, Invalid: 0, Errors: 0, Skipped: 0" ||
    { echo "  (kubeconform: ${out:0:600})"; return 1; }
}

# fails_with TEXT CMD...: CMD fails and its output contains TEXT.
fails_with() {
  local want=$1 out
  shift
  out=$("$@" 2>&1) && { echo "  (succeeded: ${out:0:300})"; return 1; }
  e2e_has "$out" "$want" || { echo "  (output: ${out:0:400})"; return 1; }
}

# --- 1. helm lint. ---
t0=$SECONDS
e2e_check "helm lint (default values)" "$HELM" lint "$CHART" --quiet
for v in "" full minimal; do
  args=() what="default values"
  [[ -n "$v" ]] && args=(-f "$CHART/ci/$v-values.yaml") what="ci/$v-values.yaml"
  e2e_check "helm lint --strict ($what)" \
    "$HELM" lint --strict --quiet "$CHART" "${args[@]}"
done
broken=$E2E_WORK/broken-chart
cp -r "$CHART" "$broken"
printf '{{ if .Values.replicaCount }}\nkind: Oops\n' >"$broken/templates/oops.yaml"
e2e_check "helm lint fails on a broken template (unclosed action)" \
  fails_with "oops.yaml" "$HELM" lint --strict "$broken"
echo "helm_test: lint took $((SECONDS - t0)) s"

# --- 2. The default rendering. ---
t0=$SECONDS
STS='.[] | select(.kind == "StatefulSet")'
POD="$STS | .spec.template.spec"
e2e_check "helm template renders with the default values" render def
e2e_expect_eq "default kinds" \
  "$(q def '[.[].kind] | sort | join(",")')" \
  "Pod,PodDisruptionBudget,Secret,Service,Service,ServiceAccount,StatefulSet"
e2e_check "kubeconform -strict: the default rendering is valid" kc_valid "$E2E_WORK/def.yaml" 7
e2e_expect_eq "StatefulSet: 3 replicas, Parallel, serviceName is the headless Service" \
  "$(q def "$STS | [.spec.replicas, .spec.podManagementPolicy, .spec.serviceName] | join(\" \")")" \
  "3 Parallel $HEADLESS"
e2e_expect_eq "headless Service: clusterIP None, publishNotReadyAddresses, ports p2p 8000 and http 8081" \
  "$(q def ".[] | select(.kind == \"Service\" and .metadata.name == \"$HEADLESS\") | .spec
    | [.clusterIP, .publishNotReadyAddresses, (.ports[] | \"\(.name):\(.port)\")] | join(\" \")")" \
  "None true p2p:8000 http:8081"
e2e_expect_eq "REST Service: ClusterIP, port 8081 to the gateways' http port" \
  "$(q def ".[] | select(.kind == \"Service\" and .metadata.name == \"$FULL\") | .spec
    | [.type, .ports[0].port, .ports[0].targetPort] | join(\" \")")" \
  "ClusterIP 8081 http"
e2e_expect_eq "four containers, each running its binary" \
  "$(q def "$POD | [.containers[] | \"\(.name)=\(.command | join(\" \"))\"] | join(\",\")")" \
  "dht-service=/usr/local/bin/dht-service,peer-manager=/usr/local/bin/peer-manager,health-monitor=/usr/local/bin/health-monitor,gateway=/usr/local/bin/gateway"
e2e_expect_eq "image datamgmt-node:<appVersion>, IfNotPresent" \
  "$(q def "[$POD | .containers[] | \"\(.image) \(.imagePullPolicy)\"] | unique | join(\",\")")" \
  "datamgmt-node:0.1.0 IfNotPresent"
e2e_expect_eq "ADVERTISE_ADDRESS is the pod's stable DNS name" \
  "$(env_of def dht-service ADVERTISE_ADDRESS)" \
  "\$(POD_NAME).$HEADLESS.\$(POD_NAMESPACE).svc.cluster.local:8000"
e2e_expect_eq "POD_NAME and POD_NAMESPACE come from the downward API, before ADVERTISE_ADDRESS" \
  "$(q def "$POD | .containers[0].env | [.[0].name, .[0].valueFrom.fieldRef.fieldPath,
    .[1].name, .[1].valueFrom.fieldRef.fieldPath, (map(.name) | index(\"ADVERTISE_ADDRESS\") > 1)] | join(\" \")")" \
  "POD_NAME metadata.name POD_NAMESPACE metadata.namespace true"
e2e_expect_eq "INITIAL_PEERS: pods 0 and 1 by their stable names" \
  "$(env_of def peer-manager INITIAL_PEERS)" \
  "$FULL-0.$DOMAIN:8000,$FULL-1.$DOMAIN:8000"
e2e_expect_eq "native gRPC startup/liveness/readiness probes on 9000, 9001, 9002" \
  "$(q def "$POD | [.containers[] | select(.name != \"gateway\")
    | \"\(.name):\(.startupProbe.grpc.port),\(.livenessProbe.grpc.port),\(.readinessProbe.grpc.port)\"] | join(\" \")")" \
  "dht-service:9000,9000,9000 peer-manager:9001,9001,9001 health-monitor:9002,9002,9002"
e2e_expect_eq "gateway probes: startup and liveness GET /healthz, readiness GET /readyz" \
  "$(q def "$POD | .containers[] | select(.name == \"gateway\")
    | [.startupProbe.httpGet.path, .livenessProbe.httpGet.path, .readinessProbe.httpGet.path,
       .readinessProbe.httpGet.port] | join(\" \")")" \
  "/healthz /healthz /readyz http"
e2e_expect_eq "listen addresses: P2P, the gRPC APIs (for the kubelet's probes) and REST on 0.0.0.0" \
  "$(env_of def dht-service P2P_LISTEN_HOST) $(env_of def dht-service API_LISTEN_HOST) $(env_of def peer-manager LISTEN_HOST) $(env_of def health-monitor LISTEN_HOST) $(env_of def gateway GATEWAY_LISTEN_HOST)" \
  "0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0 0.0.0.0"
e2e_expect_eq "the processes reach each other over 127.0.0.1" \
  "$(env_of def dht-service PEER_MANAGER_ADDRESS) $(env_of def peer-manager DHT_API_ADDRESS) $(env_of def health-monitor PEER_MANAGER_ADDRESS) $(env_of def health-monitor DHT_API_ADDRESS) $(env_of def gateway DHT_API_ADDRESS) $(env_of def gateway PEER_MANAGER_ADDRESS) $(env_of def gateway HEALTH_MONITOR_ADDRESS)" \
  "127.0.0.1:9001 127.0.0.1:9000 127.0.0.1:9001 127.0.0.1:9000 127.0.0.1:9000 127.0.0.1:9001 127.0.0.1:9002"
e2e_expect_eq "the seed's settings: k 20, alpha 3, exchange 5m, health check 60s, window 5m, prune 1h (both), re-bootstrap 30s" \
  "$(env_of def dht-service DHT_K) $(env_of def dht-service DHT_ALPHA) $(env_of def peer-manager PEER_EXCHANGE_INTERVAL) $(env_of def health-monitor HEALTH_CHECK_INTERVAL) $(env_of def peer-manager HEALTH_RESPONSE_WINDOW) $(env_of def peer-manager PRUNE_AGE) $(env_of def health-monitor PRUNE_AGE) $(env_of def peer-manager REBOOTSTRAP_DELAY)" \
  "20 3 5m 60s 5m 1h 1h 30s"
e2e_expect_eq "every env value is a string, none in exponent notation (MAX_VALUE_SIZE 1048576)" \
  "$(q def "[$POD | .containers[].env[] | select(has(\"value\")) | .value
    | select((type != \"string\") or test(\"e[+]\"))] | length") $(env_of def dht-service MAX_VALUE_SIZE)" \
  "0 1048576"
e2e_expect_eq "log format json and level info in every container" \
  "$(q def "[$POD | .containers[] | [.env[] | select(.name == \"LOG_FORMAT\" or .name == \"LOG_LEVEL\") | .value] | join(\"/\")] | unique | join(\" \")")" \
  "json/info"
e2e_expect_eq "volumeClaimTemplate data: ReadWriteOnce 1Gi, the default StorageClass" \
  "$(q def "$STS | .spec.volumeClaimTemplates[] | [.metadata.name, .spec.accessModes[0],
    .spec.resources.requests.storage, (.spec | has(\"storageClassName\"))] | join(\" \")")" \
  "data ReadWriteOnce 1Gi false"
e2e_expect_eq "/data is mounted, and is DATA_DIR, in dht-service and peer-manager only" \
  "$(q def "$POD | [.containers[] | select(any(.volumeMounts[]; .name == \"data\" and .mountPath == \"/data\"))
    | .name] | join(\",\")") $(env_of def dht-service DATA_DIR) $(env_of def peer-manager DATA_DIR)" \
  "dht-service,peer-manager /data /data"
e2e_expect_eq "/tmp is an emptyDir in every container (the root filesystem is read-only)" \
  "$(q def "$POD | [(.volumes[] | select(.name == \"tmp\") | .emptyDir.sizeLimit),
    ([.containers[] | select(any(.volumeMounts[]; .mountPath == \"/tmp\"))] | length)] | join(\" \")")" \
  "64Mi 4"
# The restricted Pod Security Standard, for the node pods and the test pod:
# the names of the containers that break it.
RESTRICTED='[.[] | (select(.kind == "StatefulSet") | .spec.template.spec), (select(.kind == "Pod") | .spec)
  | . as $pod | .containers[] | .securityContext as $c
  | select(($pod.securityContext.runAsNonRoot != true and $c.runAsNonRoot != true)
      or ($c.allowPrivilegeEscalation != false) or ($c.readOnlyRootFilesystem != true)
      or ($c.capabilities.drop != ["ALL"]) or (($c.capabilities.add // []) | length > 0)
      or ($c.privileged == true) or ($pod.hostNetwork == true) or ($pod.hostPID == true)
      or (($c.seccompProfile.type // $pod.securityContext.seccompProfile.type) != "RuntimeDefault")
      or any($pod.volumes[]?; has("hostPath")))
  | .name] | join(",")'
e2e_expect_eq "restricted profile: no container breaks it (node pods and test pod)" \
  "$(q def "$RESTRICTED")" ""
e2e_expect_eq "pod security context: user/group 10001, fsGroup 10001, non-root, RuntimeDefault seccomp" \
  "$(q def "$POD | .securityContext | [.runAsUser, .runAsGroup, .fsGroup, .runAsNonRoot, .seccompProfile.type] | join(\" \")")" \
  "10001 10001 10001 true RuntimeDefault"
e2e_expect_eq "no service links, no service account token" \
  "$(q def "$POD | [.enableServiceLinks, .automountServiceAccountToken] | join(\" \")")" \
  "false false"
e2e_expect_eq "every container has cpu and memory requests and limits" \
  "$(q def "[$POD | .containers[] | select((.resources.requests.cpu and .resources.requests.memory
    and .resources.limits.cpu and .resources.limits.memory) | not) | .name] | join(\",\")")" ""
e2e_expect_eq "PodDisruptionBudget: maxUnavailable 1, selecting the pods" \
  "$(q def "($STS | .spec.selector.matchLabels) as \$sel | .[] | select(.kind == \"PodDisruptionBudget\")
    | [.spec.maxUnavailable, (.spec.selector.matchLabels == \$sel)] | join(\" \")")" \
  "1 true"
e2e_expect_eq "soft pod anti-affinity by hostname" \
  "$(q def "$POD | .affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey")" \
  "kubernetes.io/hostname"
e2e_expect_eq "helm test hook: curlimages/curl:8.5.0 asks the REST Service for /network/stats" \
  "$(q def ".[] | select(.kind == \"Pod\") | [.metadata.annotations[\"helm.sh/hook\"],
    .spec.containers[0].image, .spec.containers[0].env[0].value] | join(\" \")")" \
  "test curlimages/curl:8.5.0 http://$FULL:8081/network/stats"
# gateway_auth NAME: GATEWAY_AUTH, and where GATEWAY_AUTH_TOKEN comes from.
gateway_auth() {
  q "$1" "$POD | .containers[] | select(.name == \"gateway\") | .env as \$e
    | [(\$e[] | select(.name == \"GATEWAY_AUTH\") | .value),
       (\$e[] | select(.name == \"GATEWAY_AUTH_TOKEN\") | .valueFrom.secretKeyRef | \"\(.name)/\(.key)\"),
       (\$e[] | select(.name == \"GATEWAY_AUTH_READS\") | .value)] | join(\" \")"
}
e2e_expect_eq "gateway auth on by default: GATEWAY_AUTH_TOKEN from the chart's Secret, reads open" \
  "$(gateway_auth def)" "token $FULL-gateway-token/token false"
e2e_expect_eq "the chart's Secret holds a random 48-character alphanumeric token" \
  "$(q def ".[] | select(.kind == \"Secret\" and .metadata.name == \"$FULL-gateway-token\")
    | .data.token | @base64d | test(\"^[A-Za-z0-9]{48}\$\")")" "true"
render def2
e2e_check "a second rendering makes another token (lookup keeps the installed one)" \
  test "$(q def '.[] | select(.kind == "Secret") | .data.token')" != \
  "$(q def2 '.[] | select(.kind == "Secret") | .data.token')"
e2e_expect_eq "plain HTTP by default: HTTP probes, no TLS volume or variables" \
  "$(q def "$POD | [(.containers[] | select(.name == \"gateway\") | .readinessProbe.httpGet.scheme,
    ([.env[].name | select(startswith(\"GATEWAY_TLS\"))] | length)), ([.volumes[].name] | index(\"gateway-tls\"))] | join(\" \")")" \
  "HTTP 0 "
render authoff --set gateway.auth.mode=off
e2e_expect_eq "gateway.auth.mode=off: GATEWAY_AUTH off, no token, no Secret" \
  "$(gateway_auth authoff) $(q authoff '[.[] | select(.kind == "Secret")] | length')" "off 0"

# --- 3. Every option changed (ci/full-values.yaml). ---
e2e_check "helm template renders ci/full-values.yaml" render full -f "$CHART/ci/full-values.yaml"
e2e_expect_eq "full: kinds include NetworkPolicy and ServiceMonitor" \
  "$(q full '[.[].kind] | sort | join(",")')" \
  "NetworkPolicy,Pod,PodDisruptionBudget,Service,Service,ServiceAccount,ServiceMonitor,StatefulSet"
e2e_check "kubeconform -strict: the full rendering is valid, the ServiceMonitor against its CRD (none skipped)" \
  kc_valid "$E2E_WORK/full.yaml" 8
e2e_expect_eq "full: the token from existingSecret (no Secret made), reads need it too" \
  "$(gateway_auth full) $(q full '[.[] | select(.kind == "Secret")] | length')" \
  "token datamgmt-api/api-token true 0"
e2e_expect_eq "full: HTTPS from the TLS Secret, mounted read-only (0440), HTTPS probes" \
  "$(q full "$POD | [(.volumes[] | select(.name == \"gateway-tls\") | .secret | .secretName, .defaultMode),
    (.containers[] | select(.name == \"gateway\") | (.volumeMounts[] | select(.name == \"gateway-tls\") | .mountPath, .readOnly),
     (.env[] | select(.name == \"GATEWAY_TLS_CERT_FILE\" or .name == \"GATEWAY_TLS_KEY_FILE\") | .value),
     .startupProbe.httpGet.scheme, .livenessProbe.httpGet.scheme, .readinessProbe.httpGet.scheme),
    ([.containers[] | select(.name != \"gateway\") | .volumeMounts[] | select(.name == \"gateway-tls\")] | length)] | join(\" \")")" \
  "datamgmt-gateway-tls 288 /etc/datamgmt/gateway-tls true /etc/datamgmt/gateway-tls/tls.crt /etc/datamgmt/gateway-tls/tls.key HTTPS HTTPS HTTPS 0"
e2e_expect_eq "full: the ServiceMonitor scrapes https with the given tlsConfig" \
  "$(q full '.[] | select(.kind == "ServiceMonitor") | .spec.endpoints[0] | [.scheme, .tlsConfig.serverName] | join(" ")')" \
  "https datamgmt-node.example.com"
e2e_expect_eq "full: the test pod uses https and sends the token (reads need it)" \
  "$(q full '.[] | select(.kind == "Pod") | .spec.containers[0].env | [(.[] | select(.name == "CURL_INSECURE") | .value),
    (.[] | select(.name == "GATEWAY_AUTH_TOKEN") | .valueFrom.secretKeyRef.name)] | join(" ")')" \
  "--insecure datamgmt-api"
e2e_expect_eq "full: 5 replicas, OrderedReady, image and pull policy" \
  "$(q full "$STS | [.spec.replicas, .spec.podManagementPolicy, .spec.template.spec.containers[0].image,
    .spec.template.spec.containers[0].imagePullPolicy] | join(\" \")")" \
  "5 OrderedReady registry.example.com:5000/team/datamgmt-node:1.2.3 Always"
e2e_expect_eq "full: storage class, size, access mode, retention policy" \
  "$(q full "$STS | [(.spec.volumeClaimTemplates[0].spec | .storageClassName, .resources.requests.storage, .accessModes[0]),
    .spec.persistentVolumeClaimRetentionPolicy.whenDeleted] | join(\" \")")" \
  "fast-ssd 20Gi ReadWriteOncePod Delete"
e2e_expect_eq "full: NodePort Service, port 80, nodePort 30081, externalTrafficPolicy Local" \
  "$(q full ".[] | select(.kind == \"Service\" and .metadata.name == \"$FULL\") | .spec
    | [.type, .ports[0].port, .ports[0].nodePort, .externalTrafficPolicy] | join(\" \")")" \
  "NodePort 80 30081 Local"
e2e_expect_eq "full: custom intervals, k and alpha reach the processes" \
  "$(env_of full peer-manager PEER_EXCHANGE_INTERVAL) $(env_of full health-monitor HEALTH_CHECK_INTERVAL) $(env_of full peer-manager HEALTH_RESPONSE_WINDOW) $(env_of full peer-manager PRUNE_AGE) $(env_of full health-monitor PRUNE_AGE) $(env_of full peer-manager REBOOTSTRAP_DELAY) $(env_of full peer-manager MAX_REBOOTSTRAP_BACKOFF) $(env_of full dht-service DHT_K) $(env_of full dht-service DHT_ALPHA)" \
  "30s 10s 1m 10m 10m 5s 1m30s 8 2"
e2e_expect_eq "full: bootstrap.peers replaces the seed pods in INITIAL_PEERS" \
  "$(env_of full peer-manager INITIAL_PEERS)" \
  "seed-a.example.net:8000,10.1.2.3:8000,[2001:db8::1]:8000"
e2e_expect_eq "full: ports, listen host :: and cluster domain reach ADVERTISE_ADDRESS, the APIs and the probes" \
  "$(env_of full dht-service ADVERTISE_ADDRESS) $(env_of full dht-service API_LISTEN_HOST) $(env_of full gateway HEALTH_MONITOR_ADDRESS) $(q full "$POD | [.containers[] | .startupProbe.grpc.port // empty] | join(\",\")")" \
  "\$(POD_NAME).$HEADLESS.\$(POD_NAMESPACE).svc.k8s.example.internal:18000 :: 127.0.0.1:19002 19000,19001,19002"
e2e_expect_eq "full: extra env (common list first, then the container's), log text/debug" \
  "$(q full "$POD | .containers[] | select(.name == \"dht-service\") | [.env[].name | select(. == \"TZ\" or . == \"INBOUND_SENDER_TTL\")] | join(\",\")") $(env_of full gateway TZ) $(env_of full peer-manager RPC_TIMEOUT) $(env_of full health-monitor LOG_FORMAT) $(env_of full health-monitor LOG_LEVEL)" \
  "TZ,INBOUND_SENDER_TTL UTC 3s text debug"
e2e_expect_eq "full: PodDisruptionBudget minAvailable 60%" \
  "$(q full '.[] | select(.kind == "PodDisruptionBudget") | .spec | [.minAvailable, has("maxUnavailable")] | join(" ")')" \
  "60% false"
e2e_expect_eq "full: ServiceMonitor scrapes /metrics on the REST Service's http port, from namespace monitoring" \
  "$(q full ".[] | select(.kind == \"ServiceMonitor\") | [.metadata.namespace, .metadata.labels.release,
    .spec.endpoints[0].port, .spec.endpoints[0].path, .spec.endpoints[0].interval, .spec.namespaceSelector.matchNames[0],
    .spec.selector.matchLabels[\"app.kubernetes.io/component\"]] | join(\" \")")" \
  "monitoring prometheus http /metrics 15s $NS rest"
e2e_expect_eq "full: the ServiceMonitor's selector matches the REST Service only" \
  "$(q full '(.[] | select(.kind == "ServiceMonitor") | .spec.selector.matchLabels) as $sel
    | [.[] | select(.kind == "Service") | select(.metadata.labels | contains($sel)) | .metadata.name] | join(",")')" \
  "$FULL"
e2e_expect_eq "full: the NetworkPolicy opens only the p2p and http ports (not the gRPC APIs)" \
  "$(q full '.[] | select(.kind == "NetworkPolicy") | [.spec.policyTypes[0], (.spec.ingress[] | .ports[].port)] | join(" ")')" \
  "Ingress p2p http"
e2e_expect_eq "full: scheduling values pass through (nodeSelector, toleration, affinity replaces anti-affinity, spread, priority)" \
  "$(q full "$POD | [.nodeSelector[\"kubernetes.io/os\"], .tolerations[0].key, (.affinity | has(\"podAntiAffinity\")),
    .affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].key,
    .topologySpreadConstraints[0].topologyKey, .priorityClassName] | join(\" \")")" \
  "linux dedicated false node.example.com/disk topology.kubernetes.io/zone high-priority"
e2e_expect_eq "full: the restricted profile still holds" "$(q full "$RESTRICTED")" ""
e2e_expect_eq "full: the test pod uses tests.image and the Service's port" \
  "$(q full '.[] | select(.kind == "Pod") | [.spec.containers[0].image, .spec.containers[0].env[0].value] | join(" ")')" \
  "mirror.example.com/curlimages/curl:8.5.0 https://$FULL:80/network/stats"

# --- 4. Smaller set-ups. ---
e2e_check "helm template renders ci/minimal-values.yaml" render min -f "$CHART/ci/minimal-values.yaml"
e2e_expect_eq "minimal: only the StatefulSet, the two Services and the token's Secret" \
  "$(q min '[.[].kind] | sort | join(",")')" "Secret,Service,Service,StatefulSet"
e2e_expect_eq "minimal: one replica bootstraps from pod 0 only; /data is an emptyDir; no claim template" \
  "$(env_of min peer-manager INITIAL_PEERS) $(q min "$POD | .volumes[] | select(.name == \"data\") | has(\"emptyDir\")") $(q min "$STS | .spec | has(\"volumeClaimTemplates\")")" \
  "$FULL-0.$DOMAIN:8000 true false"
e2e_check "kubeconform -strict: the minimal rendering is valid" kc_valid "$E2E_WORK/min.yaml" 4
render seed0 --set bootstrap.seedPods=0
render seed3 --set bootstrap.seedPods=3,replicaCount=5
e2e_expect_eq "bootstrap.seedPods=0: empty INITIAL_PEERS; seedPods=3 of 5 replicas: pods 0-2" \
  "[$(env_of seed0 peer-manager INITIAL_PEERS)] [$(env_of seed3 peer-manager INITIAL_PEERS)]" \
  "[] [$FULL-0.$DOMAIN:8000,$FULL-1.$DOMAIN:8000,$FULL-2.$DOMAIN:8000]"
RELEASE=my-datamgmt-node render named --set persistence.storageClass=-
e2e_expect_eq "a release name containing \"datamgmt-node\" is the prefix itself; storageClass \"-\" renders \"\"" \
  "$(q named '[.[] | select(.kind == "StatefulSet" or .kind == "Service") | .metadata.name] | sort | join(",")') $(q named "$STS | .spec.volumeClaimTemplates[0].spec.storageClassName | tojson")" \
  "my-datamgmt-node,my-datamgmt-node,my-datamgmt-node-headless \"\""
echo "helm_test: rendering checks took $((SECONDS - t0)) s"

# --- 5. values.schema.json rejects bad values, naming them. ---
t0=$SECONDS
schema_rejects() {  # DESCRIPTION EXPECTED_TEXT HELM_ARGS...
  local what=$1 want=$2
  shift 2
  e2e_check "schema rejects $what" fails_with "$want" \
    "$HELM" template "$REL" "$CHART" --kube-version "$KUBE_VERSION" "$@"
}
schema_rejects "replicaCount: -1" "replicaCount: Must be greater than or equal to 1" --set replicaCount=-1
schema_rejects "replicaCount: \"three\"" "replicaCount: Invalid type" --set-string replicaCount=three
schema_rejects "an unknown top-level key" "Additional property replicas is not allowed" --set replicas=3
schema_rejects "a misspelt nested key" "Additional property exchangeIntervall is not allowed" --set network.exchangeIntervall=5m
schema_rejects "a duration without a unit" "network.pruneAge: Does not match pattern" --set-string network.pruneAge=3600
schema_rejects "service.type Ingress" "service.type must be one of the following" --set service.type=Ingress
schema_rejects "a port above 65535" "ports.p2p: Must be less than or equal to 65535" --set ports.p2p=70000
schema_rejects "k: 0" "network.k: Must be greater than or equal to 1" --set network.k=0
schema_rejects "a bootstrap peer without a port" "bootstrap.peers.0: Does not match pattern" --set "bootstrap.peers={node1.example.com}"
schema_rejects "log.level loud" "log.level must be one of the following" --set log.level=loud
schema_rejects "allowPrivilegeEscalation: true" "containerSecurityContext.allowPrivilegeEscalation" --set containerSecurityContext.allowPrivilegeEscalation=true
schema_rejects "an env entry with a number for its value" "extraEnv.dhtService.0.value: Invalid type" --set "extraEnv.dhtService[0].name=X,extraEnv.dhtService[0].value=5"
schema_rejects "pdb.maxUnavailable: lots" "pdb.maxUnavailable" --set pdb.maxUnavailable=lots
schema_rejects "gateway.auth.mode none" "gateway.auth.mode must be one of the following" --set gateway.auth.mode=none
schema_rejects "a TLS Secret name that is no Kubernetes name" "gateway.tls.secretName: Does not match pattern" --set gateway.tls.secretName=My_Secret
e2e_check "the chart refuses a PodDisruptionBudget with neither bound" \
  fails_with "pdb.enabled needs pdb.minAvailable or pdb.maxUnavailable" \
  "$HELM" template "$REL" "$CHART" --set pdb.maxUnavailable=
echo "helm_test: schema checks took $((SECONDS - t0)) s"

# --- 6. kubeconform fails on broken manifests: each a valid rendering with
# one change, made with jq. ---
t0=$SECONDS
break_manifest() {  # NAME SOURCE JQ
  jq "$3" "$E2E_WORK/$2.json" >"$E2E_WORK/$1.json" &&
    to_yaml "$E2E_WORK/$1.json" "$E2E_WORK/$1.yaml"
}
break_manifest bad-field def '(.[] | select(.kind == "StatefulSet") | .spec) |= (.replica = .replicas | del(.replicas))'
e2e_check "kubeconform -strict rejects an unknown field (StatefulSet spec.replica)" \
  fails_with "additionalProperties 'replica' not allowed" kc "$E2E_WORK/bad-field.yaml"
break_manifest bad-type def '(.[] | select(.kind == "StatefulSet") | .spec.template.spec.containers[0].livenessProbe.grpc.port) |= tostring'
e2e_check "kubeconform rejects a wrong type (gRPC probe port \"9000\")" \
  fails_with "expected integer, but got string" kc "$E2E_WORK/bad-type.yaml"
break_manifest bad-crd full '(.[] | select(.kind == "ServiceMonitor") | .spec.endpoints[0]) |= (.portName = .port | del(.port))'
e2e_check "kubeconform rejects a ServiceMonitor field its CRD lacks (endpoints[0].portName)" \
  fails_with "additionalProperties 'portName' not allowed" kc "$E2E_WORK/bad-crd.yaml"
printf 'apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n' >"$E2E_WORK/unknown.yaml"
e2e_check "kubeconform fails on a kind it has no schema for (nothing is skipped silently)" \
  fails_with "could not find schema for Widget" kc "$E2E_WORK/unknown.yaml"
echo "helm_test: kubeconform failure checks took $((SECONDS - t0)) s"

# --- 7. The helm-test pod's script, run here against a stand-in server. ---
t0=$SECONDS
script=$(jq -r '.[] | select(.kind == "Pod") | .spec.containers[0].args[0]' "$E2E_WORK/def.json")
mkdir -p "$E2E_WORK/www/good/network" "$E2E_WORK/www/bad/network"
printf '{"total_peers":15,"healthy_peers":12,"data_sent":10485760,"data_received":5242880,"uptime":86400}' \
  >"$E2E_WORK/www/good/network/stats"
printf '{"total_peers":15,"healthy_peers":12,"data_sent":10485760,"data_received":5242880}' \
  >"$E2E_WORK/www/bad/network/stats"
e2e_free_port WWW_PORT
e2e_start www "$PYTHON" -m http.server --bind 127.0.0.1 --directory "$E2E_WORK/www" "$WWW_PORT"
e2e_poll 10 curl -sf --noproxy '*' -m 2 -o /dev/null "http://127.0.0.1:$WWW_PORT/good/network/stats"
run_test_pod() {  # DIR: runs the pod's script with STATS_URL on the stand-in
  STATS_URL="http://127.0.0.1:$WWW_PORT/$1/network/stats" NO_PROXY='*' no_proxy='*' \
    sh -c "$script" >"$E2E_WORK/test-pod-$1.log" 2>&1
}
run_test_pod good
rc=$?
e2e_expect_eq "helm test script passes on the seed's /network/stats (five keys)" \
  "$rc $(grep -c '^ok: ' "$E2E_WORK/test-pod-good.log")" "0 5"
run_test_pod bad
rc=$?
e2e_expect_eq "helm test script fails when a key (uptime) is missing" \
  "$rc $(grep -c 'FAIL: no numeric "uptime"' "$E2E_WORK/test-pod-bad.log")" "1 1"
e2e_stop www
echo "helm_test: helm test script checks took $((SECONDS - t0)) s"

# --- 8. NOTES.txt, rendered through a copy of the chart in which it is a
# template of a ConfigMap (helm template never prints NOTES). ---
notes_chart=$E2E_WORK/notes-chart
cp -r "$CHART" "$notes_chart"
{ echo '{{- define "notes-check" }}'; cat "$CHART/templates/NOTES.txt"; echo '{{- end }}'; } \
  >"$notes_chart/templates/_notes_check.tpl"
rm "$notes_chart/templates/NOTES.txt"
printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes}\ndata:\n  notes: {{ include "notes-check" . | quote }}\n' \
  >"$notes_chart/templates/notes-check.yaml"
notes=$("$HELM" template "$REL" "$notes_chart" -n "$NS" --show-only templates/notes-check.yaml 2>&1 |
  "$PYTHON" -c 'import sys, yaml; print(yaml.safe_load(sys.stdin)["data"]["notes"])' 2>&1)
# notes_has NEEDLE...: NOTES.txt contains every NEEDLE.
notes_has() {
  local needle
  for needle in "$@"; do
    e2e_has "$notes" "$needle" || { echo "  (NOTES.txt lacks: $needle)"; return 1; }
  done
}
e2e_check "NOTES.txt: port-forward to the REST Service; curl /network/stats, /network/peers, POST /data" \
  notes_has "kubectl -n $NS port-forward svc/$FULL 8081:8081" \
  "curl http://127.0.0.1:8081/network/stats" "curl http://127.0.0.1:8081/network/peers" \
  "-d '{\"data\": \"aGVsbG8=\"}' http://127.0.0.1:8081/data"
e2e_check "NOTES.txt: how to read the bearer token, and the POST carries it" \
  notes_has "TOKEN=\$(kubectl -n $NS get secret $FULL-gateway-token -o jsonpath='{.data.token}' | base64 -d)" \
  "curl -H \"Authorization: Bearer \$TOKEN\" -H 'Content-Type: application/json'"
e2e_check "NOTES.txt: port-forward to pod 0's API; grpcurl list and describe" \
  notes_has "kubectl -n $NS port-forward pod/$FULL-0 9000:9000" \
  "grpcurl -plaintext 127.0.0.1:9000 list" \
  "grpcurl -plaintext 127.0.0.1:9000 describe datamgmt.dht.v1.DhtService"
e2e_check "NOTES.txt: the bootstrap peers and helm test" \
  notes_has "bootstraps from: $FULL-0.$DOMAIN:8000,$FULL-1.$DOMAIN:8000" "helm test $REL -n $NS"

# --- 9. Pod 0 as rendered, run here: each container's binary from E2E_BIN
# with exactly the container's environment (downward-API values and
# $(VAR) references filled in as the kubelet does), except that the listen
# host is narrowed to 127.0.0.1 (this harness's rule), ports are free ones
# (set through the chart's values) and /data is a directory of the work dir.
# This shows the chart's variables are the ones the binaries read. ---
t0=$SECONDS
declare -A BIN=([dht-service]=services/dht/dht-service
  [peer-manager]=services/peer_manager/peer-manager
  [health-monitor]=services/health_monitor/health-monitor [gateway]=gateway/gateway)
if [[ "$E2E_BIN" == unused ]]; then
  echo "helm_test: E2E_BIN not set; not running the rendered pod (tools/test.sh sets it)"
else
  [[ "$GRPCURL" == unused ]] && GRPCURL=$(tools/go-tools.sh grpcurl)
  for var in LP2P LAPI LPM LHM LHTTP; do e2e_free_port "$var"; done
  render pod --set "ports.p2p=$LP2P,ports.dhtApi=$LAPI,ports.peerManager=$LPM,ports.healthMonitor=$LHM,ports.http=$LHTTP"
  mkdir -p "$E2E_WORK/data"
  # pod_env CONTAINER: the container's environment as NAME=VALUE, NUL-separated.
  pod_env() {
    "$PYTHON" - "$E2E_WORK/pod.json" "$1" "$NS" "$E2E_WORK/data" <<'EOF'
import base64, json, sys
docs, container, namespace, data_dir = json.load(open(sys.argv[1])), *sys.argv[2:]
sts = next(d for d in docs if d["kind"] == "StatefulSet")
fields = {"metadata.name": sts["metadata"]["name"] + "-0", "metadata.namespace": namespace}
env = {}
for c in sts["spec"]["template"]["spec"]["containers"]:
    if c["name"] != container:
        continue
    for e in c["env"]:
        if "secretKeyRef" in e.get("valueFrom", {}):
            ref = e["valueFrom"]["secretKeyRef"]
            secret = next(d for d in docs if d["kind"] == "Secret"
                          and d["metadata"]["name"] == ref["name"])
            value = base64.b64decode(secret["data"][ref["key"]]).decode()
        elif "valueFrom" in e:
            value = fields[e["valueFrom"]["fieldRef"]["fieldPath"]]
        else:
            value = e.get("value", "")
            for name, earlier in env.items():
                value = value.replace(f"$({name})", earlier)
        if e["name"].endswith("LISTEN_HOST") and value == "0.0.0.0":
            value = "127.0.0.1"
        if e["name"] == "DATA_DIR" and value == "/data":
            value = data_dir
        env[e["name"]] = value
sys.stdout.write("".join(f"{k}={v}\0" for k, v in env.items()))
EOF
  }
  started=1
  for c in dht-service peer-manager health-monitor gateway; do
    mapfile -d '' pairs < <(pod_env "$c")
    [[ -x "$E2E_BIN/${BIN[$c]}" && ${#pairs[@]} -gt 5 ]] || { started=0; continue; }
    e2e_start "$c" env -i "${pairs[@]}" "$E2E_BIN/${BIN[$c]}"
  done
  e2e_check "rendered pod: its four processes start with the container's environment" \
    test "$started" = 1
  e2e_check "rendered pod: dht-service, peer-manager, health-monitor report SERVING on their API ports (the gRPC probes)" \
    eval 'e2e_wait_serving 127.0.0.1:$LAPI 30 && e2e_wait_serving 127.0.0.1:$LPM 30 &&
          e2e_wait_serving 127.0.0.1:$LHM 30'
  http_ok() { [[ "$(curl -s --noproxy '*' -m 2 -o /dev/null -w '%{http_code}' "$1")" == 200 ]]; }
  e2e_check "rendered pod: gateway /healthz and /readyz answer 200 (the HTTP probes), with no peer reachable" \
    eval 'e2e_poll 30 http_ok http://127.0.0.1:$LHTTP/healthz && e2e_poll 30 http_ok http://127.0.0.1:$LHTTP/readyz'
  e2e_check "rendered pod: dht-service advertises the pod's stable name" \
    e2e_poll 10 grep -qF "advertising $FULL-0.$DOMAIN:$LP2P" "$E2E_WORK/logs/dht-service.log"
  e2e_check "rendered pod: peer-manager accepted INITIAL_PEERS (the two seed pods' names) and runs" \
    eval 'kill -0 "$(e2e_pid peer-manager)" 2>/dev/null &&
          grep -qF "2 bootstrap peers" "$E2E_WORK/logs/peer-manager.log"'
  STATS_URL="http://127.0.0.1:$LHTTP/network/stats" NO_PROXY='*' no_proxy='*' \
    sh -c "$script" >"$E2E_WORK/test-pod-real.log" 2>&1
  rc=$?
  e2e_expect_eq "rendered pod: the helm test script passes against its gateway" \
    "$rc $(grep -c '^ok: ' "$E2E_WORK/test-pod-real.log")" "0 5"
  pod_token=$(q pod '.[] | select(.kind == "Secret") | .data.token | @base64d')
  post_code() {
    curl -s --noproxy '*' -m 10 -o /dev/null -w '%{http_code}' \
      -H 'Content-Type: application/octet-stream' --data-binary hello "$@" \
      "http://127.0.0.1:$LHTTP/data"
  }
  e2e_expect_eq "rendered pod: POST /data is 401 without the Secret's token, 201 with it" \
    "$(post_code) $(post_code -H "Authorization: Bearer $pod_token")" "401 201"
  rcs=""
  for c in gateway health-monitor peer-manager dht-service; do
    e2e_stop "$c"
    rcs+="$c=$E2E_STOP_RC "
  done
  e2e_expect_eq "rendered pod: SIGTERM stops each process with status 0" \
    "$rcs" "gateway=0 health-monitor=0 peer-manager=0 dht-service=0 "
  echo "helm_test: the rendered pod's checks took $((SECONDS - t0)) s"
fi

e2e_finish

{{/*
Names. fullname is cut to 52 characters: a StatefulSet's pods carry the label
controller-revision-hash=<name>-<10 characters>, at most 63.
*/}}
{{- define "datamgmt-node.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "datamgmt-node.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* The headless Service: it names the pods. */}}
{{- define "datamgmt-node.headless" -}}
{{- printf "%s-headless" (include "datamgmt-node.fullname" .) }}
{{- end }}

{{/* <headless>.<namespace>.svc.<clusterDomain>: the pods' DNS domain. */}}
{{- define "datamgmt-node.podDomain" -}}
{{- printf "%s.%s.svc.%s" (include "datamgmt-node.headless" .) .Release.Namespace .Values.clusterDomain }}
{{- end }}

{{- define "datamgmt-node.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "datamgmt-node.selectorLabels" -}}
app.kubernetes.io/name: {{ include "datamgmt-node.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "datamgmt-node.labels" -}}
helm.sh/chart: {{ include "datamgmt-node.chart" . }}
{{ include "datamgmt-node.selectorLabels" . }}
app.kubernetes.io/version: {{ include "datamgmt-node.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: datamgmt-node
{{- end }}

{{- define "datamgmt-node.tag" -}}
{{- .Values.image.tag | default .Chart.AppVersion }}
{{- end }}

{{- define "datamgmt-node.image" -}}
{{- printf "%s:%s" .Values.image.repository (include "datamgmt-node.tag" .) }}
{{- end }}

{{- define "datamgmt-node.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "datamgmt-node.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
INITIAL_PEERS: bootstrap.peers if given, else the first
min(bootstrap.seedPods, replicaCount) pods by their stable names.
*/}}
{{- define "datamgmt-node.initialPeers" -}}
{{- if .Values.bootstrap.peers }}
{{- join "," .Values.bootstrap.peers }}
{{- else }}
{{- $fullname := include "datamgmt-node.fullname" . }}
{{- $domain := include "datamgmt-node.podDomain" . }}
{{- $peers := list }}
{{- range $i := until (min .Values.bootstrap.seedPods .Values.replicaCount | int) }}
{{- $peers = append $peers (printf "%s-%d.%s:%d" $fullname $i $domain (int $.Values.ports.p2p)) }}
{{- end }}
{{- join "," $peers }}
{{- end }}
{{- end }}

{{/* Loopback addresses of the pod's own gRPC APIs. */}}
{{- define "datamgmt-node.dhtApiAddress" -}}
127.0.0.1:{{ .Values.ports.dhtApi }}
{{- end }}
{{- define "datamgmt-node.peerManagerAddress" -}}
127.0.0.1:{{ .Values.ports.peerManager }}
{{- end }}
{{- define "datamgmt-node.healthMonitorAddress" -}}
127.0.0.1:{{ .Values.ports.healthMonitor }}
{{- end }}

{{/* Environment every container gets first. */}}
{{- define "datamgmt-node.commonEnv" -}}
- name: LOG_FORMAT
  value: {{ .Values.log.format | quote }}
- name: LOG_LEVEL
  value: {{ .Values.log.level | quote }}
- name: SHUTDOWN_GRACE
  value: {{ .Values.shutdownGrace | quote }}
{{- with .Values.extraEnv.all }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
Probes of a gRPC process: grpc.health.v1 on the pod IP. Argument: a dict
with "root" (the chart context) and "port".
*/}}
{{- define "datamgmt-node.grpcProbes" -}}
{{- $p := .root.Values.probes -}}
startupProbe:
  grpc: {port: {{ .port }}}
  {{- toYaml $p.startup | nindent 2 }}
livenessProbe:
  grpc: {port: {{ .port }}}
  {{- toYaml $p.liveness | nindent 2 }}
readinessProbe:
  grpc: {port: {{ .port }}}
  {{- toYaml $p.readiness | nindent 2 }}
{{- end }}

{{/* A number as a YAML integer, a percentage as a quoted string. */}}
{{- define "datamgmt-node.intOrString" -}}
{{- if kindIs "string" . }}{{ quote . }}{{ else }}{{ int64 . }}{{ end }}
{{- end }}

{{/* The Secret holding the gateway's bearer token, and its key. */}}
{{- define "datamgmt-node.gatewayTokenSecret" -}}
{{- .Values.gateway.auth.existingSecret | default (printf "%s-gateway-token" (include "datamgmt-node.fullname" .)) }}
{{- end }}
{{- define "datamgmt-node.gatewayTokenKey" -}}
{{- if .Values.gateway.auth.existingSecret }}{{ .Values.gateway.auth.existingSecretKey }}{{ else }}token{{ end }}
{{- end }}

{{/* http or https: the gateway's scheme. */}}
{{- define "datamgmt-node.gatewayScheme" -}}
{{- if .Values.gateway.tls.secretName }}https{{ else }}http{{ end }}
{{- end }}

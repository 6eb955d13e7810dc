#!/usr/bin/env bash
# Rotates a running dht-service's identity: a new key pair, so a new node ID,
# with the node's stored values handed to the nodes now closest to them
# (DhtService.RotateIdentity; README.md "Rotating a node's identity").
#
#   tools/rotate-identity.sh                   # the node whose API is 127.0.0.1:9000
#   tools/rotate-identity.sh 127.0.0.1:9010    # another node's dht API
#   tools/rotate-identity.sh --timeout 30m ADDRESS
#
# Prints the answer as JSON ({"old_node_id": ..., "new_node_id": ...,
# "values": ..., "values_handed_over": ..., "replicas_stored": ...}) and exits
# 0, or prints grpcurl's error and exits 1. GRPCURL names the grpcurl binary
# (default: tools/go-tools.sh grpcurl, the pinned one). The local API is
# plaintext on loopback: run this on the node's host.
set -euo pipefail

timeout=10m
address=127.0.0.1:9000
while (($#)); do
  case $1 in
    --timeout) timeout=${2:?--timeout needs a duration such as 10m}; shift 2 ;;
    --timeout=*) timeout=${1#--timeout=}; shift ;;
    -h | --help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "rotate-identity.sh: unknown option $1" >&2; exit 2 ;;
    *) address=$1; shift ;;
  esac
done

# grpcurl's -max-time is in seconds.
case $timeout in
  *h) seconds=$((${timeout%h} * 3600)) ;;
  *m) seconds=$((${timeout%m} * 60)) ;;
  *s) seconds=${timeout%s} ;;
  *) seconds=$timeout ;;
esac
[[ $seconds =~ ^[0-9]+$ && $seconds -gt 0 ]] || {
  echo "rotate-identity.sh: bad --timeout $timeout (e.g. 90s, 10m, 1h)" >&2
  exit 2
}

grpcurl=${GRPCURL:-$("$(dirname "$0")/go-tools.sh" grpcurl)}
if ! "$grpcurl" -plaintext -max-time "$seconds" -d '{}' "$address" \
  datamgmt.dht.v1.DhtService/RotateIdentity; then
  echo "rotate-identity.sh: rotation at $address failed" >&2
  exit 1
fi

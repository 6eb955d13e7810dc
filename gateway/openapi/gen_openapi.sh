#!/usr/bin/env bash
# Generates the gateway's OpenAPI (Swagger 2.0) document from the annotated
# protos, at build time (//gateway/openapi:openapi_json).
#
# Usage: gen_openapi.sh OUT.json PROTO...
#   PROTO paths are exec-root relative ("proto/datamgmt/dht/v1/dht.proto");
#   the import roots are proto/ and @googleapis, as for the C++ code.
#
# Debian's protoc-gen-swagger (golang-grpc-gateway 1.x) refuses to merge
# files of different packages, so it runs once per file and jq merges the
# documents: paths and definitions are unions (the only shared definitions,
# rpcStatus and protobufAny, are identical in every file).
set -euo pipefail
out=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for proto in "$@"; do
  /usr/bin/protoc -Iproto -Iexternal/googleapis \
    --plugin=protoc-gen-swagger=/usr/bin/protoc-gen-swagger \
    --swagger_out="$tmp" "${proto#proto/}"
done
find "$tmp" -name '*.swagger.json' | LC_ALL=C sort | xargs /usr/bin/jq -S -s '
  reduce .[] as $doc ({}; . * $doc)
  | .swagger = "2.0"
  | .info = {
      title: "DataMgmt Node REST API",
      version: "v1",
      description: "REST transcoding of the node'"'"'s gRPC services (datamgmt.*.v1) by the gateway, from their google.api.http annotations. Errors are google.rpc.Status as JSON."
    }
  | .schemes = ["http", "https"]
  | .consumes = ["application/json", "application/octet-stream"]
  | .produces = ["application/json", "application/octet-stream"]
' >"$out"

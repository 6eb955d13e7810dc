// The gateway's OpenAPI (Swagger 2.0) document, served at /openapi.json.
//
// protoc-gen-swagger generates it from the annotated protos at build time
// (gen_openapi.sh); it is embedded in the binary. OpenApiDocument() adjusts
// it at start to what the gateway really writes: 64-bit integer fields of
// messages marked (datamgmt.api.v1.json_int64_as_number) are JSON numbers
// ("type": "integer"), where protoc-gen-swagger documents proto3 JSON's
// strings.
#ifndef DATAMGMT_GATEWAY_OPENAPI_OPENAPI_H_
#define DATAMGMT_GATEWAY_OPENAPI_OPENAPI_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"

namespace datamgmt::gateway {

// The document as generated, before adjustment.
absl::string_view GeneratedOpenApiJson();

// The document for a gateway serving `services`: the generated one with the
// int64-as-number adjustment for every message of the services' files.
// INTERNAL if the embedded document is not valid JSON.
absl::StatusOr<std::string> OpenApiDocument(
    const std::vector<const google::protobuf::ServiceDescriptor*>& services);

}  // namespace datamgmt::gateway

#endif  // DATAMGMT_GATEWAY_OPENAPI_OPENAPI_H_

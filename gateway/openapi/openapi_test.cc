#include "gateway/openapi/openapi.h"

#include <string>
#include <vector>

#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/health/v1/health_monitor.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace datamgmt::gateway {
namespace {

const google::protobuf::ServiceDescriptor* Service(const char* name) {
  return google::protobuf::DescriptorPool::generated_pool()
      ->FindServiceByName(name);
}

std::vector<const google::protobuf::ServiceDescriptor*> RestServices() {
  return {Service("datamgmt.dht.v1.DhtService"),
          Service("datamgmt.peers.v1.PeerManager"),
          Service("datamgmt.health.v1.HealthMonitor")};
}

nlohmann::json Document() {
  absl::StatusOr<std::string> doc = OpenApiDocument(RestServices());
  EXPECT_TRUE(doc.ok()) << doc.status();
  return nlohmann::json::parse(doc.ok() ? *doc : "{}");
}

TEST(OpenApiTest, DocumentsEveryAnnotatedRouteOfEveryService) {
  const nlohmann::json doc = Document();
  EXPECT_EQ(doc["swagger"], "2.0");
  EXPECT_EQ(doc["info"]["title"], "DataMgmt Node REST API");
  const nlohmann::json& paths = doc["paths"];
  EXPECT_TRUE(paths["/data"].contains("post"));
  EXPECT_TRUE(paths["/data/{hash}"].contains("get"));
  EXPECT_TRUE(paths["/network/stats"].contains("get"));
  EXPECT_TRUE(paths["/network/peers"].contains("get"));
  EXPECT_TRUE(paths["/v1/peers/{address}"].contains("delete"));
  EXPECT_TRUE(paths["/v1/health-monitor/status"].contains("get"));
  EXPECT_EQ(paths["/network/stats"]["get"]["operationId"], "GetNetworkStats");
}

TEST(OpenApiTest, SeedShapedCountersAreIntegersOthersStayStrings) {
  const nlohmann::json doc = Document();
  const nlohmann::json& defs = doc["definitions"];
  for (const char* field : {"data_sent", "data_received", "uptime"}) {
    EXPECT_EQ(defs["v1NetworkStats"]["properties"][field]["type"], "integer")
        << field;
  }
  EXPECT_EQ(defs["v1Peer"]["properties"]["success_count"]["type"], "integer");
  EXPECT_EQ(defs["v1PutDataResponse"]["properties"]["size"]["type"],
            "integer");
  // DhtStats is plain proto3 JSON: 64-bit integers are strings.
  EXPECT_EQ(defs["v1DhtStats"]["properties"]["stored_bytes"]["type"],
            "string");
}

TEST(OpenApiTest, GeneratedDocumentIsUnchangedWithoutServices) {
  const nlohmann::json generated =
      nlohmann::json::parse(GeneratedOpenApiJson());
  absl::StatusOr<std::string> doc = OpenApiDocument({});
  ASSERT_TRUE(doc.ok());
  EXPECT_EQ(nlohmann::json::parse(*doc), generated);
  EXPECT_EQ(generated["definitions"]["v1NetworkStats"]["properties"]
                     ["data_sent"]["type"],
            "string");
}

}  // namespace
}  // namespace datamgmt::gateway

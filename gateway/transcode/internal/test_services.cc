#include "gateway/transcode/internal/test_services.h"

#include <cstdlib>

#include "datamgmt/dht/v1/dht.pb.h"
#include "datamgmt/health/v1/health_monitor.pb.h"
#include "datamgmt/peers/v1/peers.pb.h"
#include "gtest/gtest.h"
#include "testdata/transcode_testdata.pb.h"

namespace datamgmt::gateway::transcode::testing {

namespace {

using ::google::protobuf::DescriptorPool;
using ::google::protobuf::ServiceDescriptor;

const ServiceDescriptor* Find(const char* name) {
  const ServiceDescriptor* service =
      DescriptorPool::generated_pool()->FindServiceByName(name);
  if (service == nullptr) {
    ADD_FAILURE() << "no service " << name;
    std::abort();
  }
  return service;
}

const RouteTable& BuildOrDie(
    const std::vector<const ServiceDescriptor*>& services) {
  absl::StatusOr<RouteTable> table = RouteTable::Build(services);
  if (!table.ok()) {
    ADD_FAILURE() << table.status();
    std::abort();
  }
  return *new RouteTable(*std::move(table));
}

}  // namespace

std::vector<const ServiceDescriptor*> RealServices() {
  // Referencing the generated classes links their descriptors in.
  (void)dht::v1::PutDataRequest::descriptor();
  (void)peers::v1::Peer::descriptor();
  (void)health::v1::CheckRound::descriptor();
  return {Find("datamgmt.dht.v1.DhtService"),
          Find("datamgmt.peers.v1.PeerManager"),
          Find("datamgmt.health.v1.HealthMonitor")};
}

std::vector<const ServiceDescriptor*> TestdataServices() {
  (void)testdata::Book::descriptor();
  return {Find("datamgmt.gateway.transcode.testdata.Library"),
          Find("datamgmt.gateway.transcode.testdata.Overlap")};
}

const RouteTable& RealRoutes() {
  static const RouteTable& table = BuildOrDie(RealServices());
  return table;
}

const RouteTable& TestdataRoutes() {
  static const RouteTable& table = BuildOrDie(TestdataServices());
  return table;
}

const Route& RouteOf(const RouteTable& table,
                     absl::string_view method_full_name) {
  for (const Route& route : table.routes()) {
    if (route.method->full_name() == method_full_name) return route;
  }
  ADD_FAILURE() << "no route for " << method_full_name;
  std::abort();
}

}  // namespace datamgmt::gateway::transcode::testing

// Test support: the service descriptors the tests route with, and their
// route tables.
//
//   const RouteTable& table = RealRoutes();
//   const Route& put = RouteOf(table, "datamgmt.dht.v1.DhtService.PutData");
#ifndef DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_TEST_SERVICES_H_
#define DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_TEST_SERVICES_H_

#include <vector>

#include "absl/strings/string_view.h"
#include "gateway/transcode/route_table.h"
#include "google/protobuf/descriptor.h"

namespace datamgmt::gateway::transcode::testing {

// DhtService, PeerManager and HealthMonitor from the generated pool.
std::vector<const google::protobuf::ServiceDescriptor*> RealServices();

// testdata's Library and Overlap.
std::vector<const google::protobuf::ServiceDescriptor*> TestdataServices();

// RouteTable::Build of RealServices() / TestdataServices(); built once.
const RouteTable& RealRoutes();
const RouteTable& TestdataRoutes();

// The first route of the method named `method_full_name`
// ("pkg.Service.Method"). Fails the test (and aborts) if there is none.
const Route& RouteOf(const RouteTable& table,
                     absl::string_view method_full_name);

}  // namespace datamgmt::gateway::transcode::testing

#endif  // DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_TEST_SERVICES_H_

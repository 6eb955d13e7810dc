#include "services/dht/test_node.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "services/dht/node_identity.h"

namespace datamgmt::dht {

absl::StatusOr<std::unique_ptr<TestNode>> TestNode::Start(
    TestNodeOptions options) {
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) return absl::InternalError(error.message());
  const std::string id_file = options.dir + "/" + kNodeIdFileName;
  if (!std::filesystem::exists(id_file)) {
    std::ofstream(id_file) << options.id.ToHex() << "\n";
  }
  absl::StatusOr<std::unique_ptr<DhtNode>> node = DhtNode::Start({
      .data_dir = options.dir,
      .p2p_listen_address = "127.0.0.1:0",
      .advertise_address = "127.0.0.1:0",
      .api_listen_address = "127.0.0.1:0",
      .peer_manager_address = options.peer_manager_address,
      .peer_manager_timeout = options.peer_manager_timeout,
      .table = options.table,
      .lookup = options.lookup,
      .client = options.client,
      .p2p = options.service,
      .data = options.data,
      .reporter = options.reporter,
      .maintenance = options.maintenance,
      .guard = options.guard,
      .shutdown_grace = absl::Seconds(1),
      .run_maintenance_thread = options.run_maintenance_thread,
      .clock = options.clock,
      .observer = options.observer,
  });
  if (!node.ok()) return node.status();
  return std::unique_ptr<TestNode>(new TestNode(*std::move(node)));
}

std::string TestNode::api_address() const {
  return absl::StrCat("127.0.0.1:", node_->api_port());
}

}  // namespace datamgmt::dht

#include "services/dht/test_node.h"

#include <filesystem>
#include <system_error>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/grpc/peer_tls.h"
#include "common/io/atomic_file.h"
#include "services/dht/node_identity.h"

namespace datamgmt::dht {

crypto::NodeKey TestKey(absl::BitGenRef gen) {
  crypto::Sha256Digest seed;
  for (uint8_t& b : seed) b = absl::Uniform<uint8_t>(gen);
  absl::StatusOr<crypto::NodeKey> key = crypto::NodeKey::FromSeed(seed);
  if (!key.ok()) std::abort();  // OpenSSL broken: nothing can run
  return *std::move(key);
}

std::shared_ptr<grpc::Channel> PeerChannel(const std::string& address,
                                           const crypto::NodeKey* key) {
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  if (key == nullptr) {
    return grpc::CreateCustomChannel(address,
                                     grpc::InsecureChannelCredentials(), args);
  }
  absl::StatusOr<std::string> cert = key->SelfSignedCertificatePem(absl::Now());
  if (!cert.ok()) std::abort();
  args.SetSslTargetNameOverride(crypto::kCertificateDnsName);
  return grpc::CreateCustomChannel(
      address,
      PeerChannelCredentials(
          {.private_key_pem = key->PrivateKeyPem(), .certificate_pem = *cert}),
      args);
}

absl::StatusOr<std::unique_ptr<TestNode>> TestNode::Start(
    TestNodeOptions options) {
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error) return absl::InternalError(error.message());
  const std::string key_file = options.dir + "/" + kNodeKeyFileName;
  if (options.key.has_value() && !std::filesystem::exists(key_file)) {
    if (absl::Status s = io::WriteFileAtomically(
            key_file, options.key->PrivateKeyPem(), 0600);
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<std::unique_ptr<DhtNode>> node = DhtNode::Start({
      .data_dir = options.dir,
      .p2p_insecure = options.p2p_insecure,
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
  return std::unique_ptr<TestNode>(
      new TestNode(*std::move(node), std::move(options.dir)));
}

crypto::NodeKey TestNode::key() const {
  absl::StatusOr<LoadedNodeKey> loaded = LoadOrCreateNodeKey(dir_);
  if (!loaded.ok()) std::abort();
  return loaded->key;
}

std::string TestNode::api_address() const {
  return absl::StrCat("127.0.0.1:", node_->api_port());
}

}  // namespace datamgmt::dht

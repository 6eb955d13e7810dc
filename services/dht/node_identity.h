// The node's persistent identity: a key pair created on first start and
// kept in the data directory, so a restarted node keeps its ID (and its
// place in the DHT). The node ID is SHA-256 of the key's DER
// SubjectPublicKeyInfo (common/crypto/node_key.h), which peers check against
// the certificate the node presents in TLS.
//
//   absl::StatusOr<crypto::NodeKey> key = LoadOrCreateNodeKey("/var/lib/dm");
//   kademlia::NodeId id = NodeIdOf(*key);
//   ...
//   absl::StatusOr<crypto::NodeKey> next = crypto::NodeKey::Generate();
//   ReplaceNodeKey("/var/lib/dm", *key, *next);   // identity rotation
//
// Files in the data directory, each PEM, owner-only (0600), written
// atomically:
//   node_key.pem            the key (PKCS#8 PEM private key)
//   node_key.pem.previous   the key before the last rotation
// A `node_id` file from before keys (a random ID) is renamed to
// `node_id.replaced` when the key is created: the node's ID becomes its
// key's.
//
// Not thread-safe across calls on one directory (the node calls these from
// its start and from its one rotation at a time).
#ifndef DATAMGMT_SERVICES_DHT_NODE_IDENTITY_H_
#define DATAMGMT_SERVICES_DHT_NODE_IDENTITY_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "common/crypto/node_key.h"
#include "common/kademlia/node_id.h"

namespace datamgmt::dht {

inline constexpr char kNodeKeyFileName[] = "node_key.pem";
inline constexpr char kPreviousNodeKeyFileName[] = "node_key.pem.previous";
// The random-ID file of nodes from before key-bound identity.
inline constexpr char kLegacyNodeIdFileName[] = "node_id";
inline constexpr char kReplacedNodeIdFileName[] = "node_id.replaced";

// The ID bound to `key`.
kademlia::NodeId NodeIdOf(const crypto::NodeKey& key);

struct LoadedNodeKey {
  crypto::NodeKey key;
  // The ID of a legacy `node_id` file this call retired (renamed to
  // node_id.replaced), if there was one: the node's ID changed from it.
  std::optional<std::string> replaced_legacy_id{};
  // True if the key file was created by this call.
  bool created = false;
  // True if the key file was readable by others and was made 0600.
  bool permissions_fixed = false;
};

// Returns the key in `data_dir`, or creates (0600, atomically), stores and
// returns a new one if there is none, creating the directory if needed.
// Returns FailedPrecondition naming the file if it exists but does not hold
// a P-256 private key (it is never overwritten: a node must not change
// identity by accident), or the I/O error naming the path.
absl::StatusOr<LoadedNodeKey> LoadOrCreateNodeKey(const std::string& data_dir);

// Makes `next` the key in `data_dir`, keeping `current` as
// node_key.pem.previous (replacing an older one). Each file is written
// atomically, the previous key first: after a crash the directory holds the
// current key or the next one, never neither. Returns the I/O error naming
// the path.
absl::Status ReplaceNodeKey(const std::string& data_dir,
                            const crypto::NodeKey& current,
                            const crypto::NodeKey& next);

}  // namespace datamgmt::dht

#endif  // DATAMGMT_SERVICES_DHT_NODE_IDENTITY_H_

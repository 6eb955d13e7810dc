#include "services/dht/node_identity.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"

namespace datamgmt::dht {
namespace {

std::string PathIn(const std::string& dir, const char* name) {
  return absl::StrCat(dir, "/", name);
}

}  // namespace

kademlia::NodeId NodeIdOf(const crypto::NodeKey& key) {
  return kademlia::NodeId(key.Id());
}

absl::StatusOr<LoadedNodeKey> LoadOrCreateNodeKey(const std::string& data_dir) {
  const std::string path = PathIn(data_dir, kNodeKeyFileName);
  absl::StatusOr<std::string> pem = io::ReadFile(path);
  if (pem.ok()) {
    absl::StatusOr<crypto::NodeKey> key = crypto::NodeKey::FromPem(*pem);
    if (!key.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "node key file ", path, " is corrupt: ", key.status().message(),
          "; restore it (or node_key.pem.previous), or remove it to start as "
          "a new node"));
    }
    LoadedNodeKey out{.key = *std::move(key)};
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
      if (::chmod(path.c_str(), 0600) != 0) {
        return absl::ErrnoToStatus(errno, absl::StrCat("cannot chmod ", path));
      }
      out.permissions_fixed = true;
    }
    return out;
  }
  if (!absl::IsNotFound(pem.status())) return pem.status();
  if (absl::Status s = io::MakeDirectories(data_dir); !s.ok()) return s;
  absl::StatusOr<crypto::NodeKey> key = crypto::NodeKey::Generate();
  if (!key.ok()) return key.status();
  if (absl::Status s = io::WriteFileAtomically(path, key->PrivateKeyPem(), 0600);
      !s.ok()) {
    return s;
  }
  LoadedNodeKey out{.key = *std::move(key), .created = true};
  const std::string legacy = PathIn(data_dir, kLegacyNodeIdFileName);
  absl::StatusOr<std::string> old_id = io::ReadFile(legacy);
  if (old_id.ok()) {
    const std::string replaced = PathIn(data_dir, kReplacedNodeIdFileName);
    if (std::rename(legacy.c_str(), replaced.c_str()) != 0) {
      return absl::ErrnoToStatus(
          errno, absl::StrCat("cannot rename ", legacy, " to ", replaced));
    }
    out.replaced_legacy_id =
        std::string(absl::StripAsciiWhitespace(*old_id));
  }
  return out;
}

absl::Status ReplaceNodeKey(const std::string& data_dir,
                            const crypto::NodeKey& current,
                            const crypto::NodeKey& next) {
  if (absl::Status s = io::WriteFileAtomically(
          PathIn(data_dir, kPreviousNodeKeyFileName), current.PrivateKeyPem(),
          0600);
      !s.ok()) {
    return s;
  }
  return io::WriteFileAtomically(PathIn(data_dir, kNodeKeyFileName),
                                 next.PrivateKeyPem(), 0600);
}

}  // namespace datamgmt::dht

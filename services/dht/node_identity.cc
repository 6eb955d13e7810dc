#include "services/dht/node_identity.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"

namespace datamgmt::dht {

absl::StatusOr<kademlia::NodeId> LoadOrCreateNodeId(const std::string& data_dir,
                                                    absl::BitGenRef gen) {
  const std::string path = absl::StrCat(data_dir, "/", kNodeIdFileName);
  absl::StatusOr<std::string> text = io::ReadFile(path);
  if (text.ok()) {
    absl::StatusOr<kademlia::NodeId> id =
        kademlia::NodeId::FromHex(absl::StripAsciiWhitespace(*text));
    if (!id.ok()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "node identity file ", path, " is corrupt: ", id.status().message(),
          "; restore it, or remove it to start as a new node"));
    }
    return id;
  }
  if (!absl::IsNotFound(text.status())) return text.status();
  if (absl::Status s = io::MakeDirectories(data_dir); !s.ok()) return s;
  const kademlia::NodeId id = kademlia::NodeId::Random(gen);
  if (absl::Status s =
          io::WriteFileAtomically(path, absl::StrCat(id.ToHex(), "\n"), 0600);
      !s.ok()) {
    return s;
  }
  return id;
}

}  // namespace datamgmt::dht

#include "services/peer_manager/known_peers_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/io/atomic_file.h"
#include "common/kademlia/node_id.h"
#include "common/net/peer_address.h"
#include "nlohmann/json.hpp"

namespace datamgmt::peer_manager {
namespace {

using Json = nlohmann::ordered_json;

// The largest last_seen accepted: 9999-12-31T23:59:59Z.
constexpr double kMaxUnixSeconds = 253402300799.0;

constexpr const char* kKnownFields[] = {
    "host", "port", "last_seen", "success_count", "failure_count", "node_id"};

bool IsKnownField(const std::string& name) {
  for (const char* known : kKnownFields) {
    if (name == known) return true;
  }
  return false;
}

absl::Status Corrupt(absl::string_view source, absl::string_view problem) {
  return absl::DataLossError(
      absl::StrCat("known_peers file \"", source, "\" is corrupt: ", problem));
}

// Reads a JSON integer field into [0, max]; says what is wrong otherwise.
absl::Status ReadCount(const Json& entry, const char* name, uint64_t max,
                       uint64_t& out) {
  auto it = entry.find(name);
  if (it == entry.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is missing"));
  }
  if (!it->is_number_integer()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", name, "\" must be an integer, not ", it->type_name()));
  }
  if (it->is_number_unsigned()) {
    out = it->get<uint64_t>();
  } else {
    const int64_t v = it->get<int64_t>();
    if (v < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", name, "\" is negative (", v, ")"));
    }
    out = static_cast<uint64_t>(v);
  }
  if (out > max) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", name, "\" is out of range (", out, " > ", max, ")"));
  }
  return absl::OkStatus();
}

// Parses one entry; errors are InvalidArgument saying what is wrong.
absl::StatusOr<KnownPeerEntry> ParseEntry(const std::string& key,
                                          const Json& value) {
  if (!value.is_object()) {
    return absl::InvalidArgumentError(
        absl::StrCat("the value is ", value.type_name(), ", not an object"));
  }
  KnownPeerEntry entry;
  auto host = value.find("host");
  if (host == value.end()) {
    return absl::InvalidArgumentError("\"host\" is missing");
  }
  if (!host->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"host\" must be a string, not ", host->type_name()));
  }
  uint64_t port = 0;
  if (absl::Status s = ReadCount(value, "port", 65535, port); !s.ok()) return s;
  absl::StatusOr<net::PeerAddress> from_fields = net::MakePeerAddress(
      host->get<std::string>(), static_cast<int64_t>(port));
  if (!from_fields.ok()) return from_fields.status();
  absl::StatusOr<net::PeerAddress> from_key = net::ParsePeerAddress(key);
  if (!from_key.ok()) return from_key.status();
  if (*from_key != *from_fields) {
    return absl::InvalidArgumentError(
        absl::StrCat("the key does not match its host and port (",
                     from_fields->ToString(), ")"));
  }
  entry.host = from_fields->host;
  entry.port = from_fields->port;

  auto last_seen = value.find("last_seen");
  if (last_seen == value.end()) {
    return absl::InvalidArgumentError("\"last_seen\" is missing");
  }
  if (!last_seen->is_number()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"last_seen\" must be a number, not ", last_seen->type_name()));
  }
  entry.last_seen = last_seen->get<double>();
  if (!(entry.last_seen >= 0.0 && entry.last_seen <= kMaxUnixSeconds)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"last_seen\" is out of range (", last_seen->dump(), ")"));
  }
  constexpr uint64_t kMaxCount = std::numeric_limits<int64_t>::max();
  uint64_t count = 0;
  if (absl::Status s = ReadCount(value, "success_count", kMaxCount, count);
      !s.ok()) {
    return s;
  }
  entry.success_count = static_cast<int64_t>(count);
  if (absl::Status s = ReadCount(value, "failure_count", kMaxCount, count);
      !s.ok()) {
    return s;
  }
  entry.failure_count = static_cast<int64_t>(count);

  if (auto id = value.find("node_id"); id != value.end() && !id->is_null()) {
    if (!id->is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"node_id\" must be a string, not ", id->type_name()));
    }
    const std::string hex = id->get<std::string>();
    if (!hex.empty()) {
      absl::StatusOr<kademlia::NodeId> parsed = kademlia::NodeId::FromHex(hex);
      if (!parsed.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("\"node_id\": ", parsed.status().message()));
      }
      entry.node_id = parsed->ToHex();
    }
  }
  for (const auto& [name, field] : value.items()) {
    if (!IsKnownField(name)) entry.extra_fields[name] = field.dump();
  }
  return entry;
}

}  // namespace

absl::StatusOr<KnownPeers> ParseKnownPeers(absl::string_view text,
                                           absl::string_view source) {
  if (absl::StripAsciiWhitespace(text).empty()) {
    return Corrupt(source, "the file is empty");
  }
  Json root;
  try {
    root = Json::parse(text);
  } catch (const Json::exception& e) {
    return Corrupt(source,
                   absl::StrCat("not valid JSON (truncated?): ", e.what()));
  }
  if (!root.is_object()) {
    return Corrupt(source, absl::StrCat("the top level is ", root.type_name(),
                                        ", not an object"));
  }
  KnownPeers peers;
  for (const auto& [key, value] : root.items()) {
    absl::StatusOr<KnownPeerEntry> entry = ParseEntry(key, value);
    if (!entry.ok()) {
      return Corrupt(source, absl::StrCat("entry \"", absl::CEscape(key),
                                          "\": ", entry.status().message()));
    }
    net::PeerAddress address;
    address.host = entry->host;
    address.port = entry->port;
    std::string canonical = address.ToString();
    if (peers.contains(canonical)) {
      return Corrupt(source,
                     absl::StrCat("entry \"", absl::CEscape(key),
                                  "\": a second entry for ", canonical));
    }
    peers.emplace(std::move(canonical), *std::move(entry));
  }
  return peers;
}

std::string SerializeKnownPeers(const KnownPeers& peers) {
  Json root = Json::object();
  for (const auto& [key, entry] : peers) {
    Json value = Json::object();
    value["host"] = entry.host;
    value["port"] = entry.port;
    value["last_seen"] = entry.last_seen;
    value["success_count"] = entry.success_count;
    value["failure_count"] = entry.failure_count;
    if (!entry.node_id.empty()) value["node_id"] = entry.node_id;
    for (const auto& [name, text] : entry.extra_fields) {
      if (IsKnownField(name)) continue;
      Json field = Json::parse(text, nullptr, /*allow_exceptions=*/false);
      if (field.is_discarded()) continue;
      value[name] = std::move(field);
    }
    root[key] = std::move(value);
  }
  return root.dump(2, ' ', /*ensure_ascii=*/false,
                   Json::error_handler_t::replace) +
         "\n";
}

absl::StatusOr<KnownPeers> LoadKnownPeersFile(const std::string& path) {
  absl::StatusOr<std::string> text = io::ReadFile(path);
  if (absl::IsNotFound(text.status())) return KnownPeers();
  if (!text.ok()) return text.status();
  return ParseKnownPeers(*text, path);
}

absl::Status SaveKnownPeersFile(const std::string& path,
                                const KnownPeers& peers) {
  return io::WriteFileAtomically(path, SerializeKnownPeers(peers));
}

bool IsCorruptKnownPeersFile(const absl::Status& status) {
  return absl::IsDataLoss(status);
}

namespace {

// Renames `from` to `to` unless `to` exists. Returns 0 or an errno value
// (EEXIST if `to` exists).
int RenameNoReplace(const std::string& from, const std::string& to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
                  RENAME_NOREPLACE) == 0) {
    return 0;
  }
  if (errno != EINVAL && errno != ENOSYS) return errno;
  // A file system without RENAME_NOREPLACE: link() refuses to overwrite.
  if (::link(from.c_str(), to.c_str()) != 0) return errno;
  if (::unlink(from.c_str()) != 0) return errno;
  return 0;
}

}  // namespace

absl::StatusOr<std::string> MoveCorruptFileAside(const std::string& path,
                                                 absl::Time now) {
  if (::access(path.c_str(), F_OK) != 0) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot move aside ", path));
  }
  const std::string base =
      absl::StrCat(path, ".corrupt-", absl::ToUnixSeconds(now));
  constexpr int kMaxAttempts = 1000;
  for (int i = 0; i < kMaxAttempts; ++i) {
    std::string backup = i == 0 ? base : absl::StrCat(base, ".", i);
    const int err = RenameNoReplace(path, backup);
    if (err == 0) return backup;
    if (err != EEXIST) {
      return absl::ErrnoToStatus(
          err, absl::StrCat("cannot rename ", path, " to ", backup));
    }
  }
  return absl::AlreadyExistsError(absl::StrCat("cannot move aside ", path, ": ",
                                               kMaxAttempts, " backups named ",
                                               base, "* exist"));
}

}  // namespace datamgmt::peer_manager

// Crash-safe file replacement and whole-file reads.
//
// WriteFileAtomically writes to a temporary file in the same directory,
// fsyncs it, renames it over the target and fsyncs the directory, so after a
// crash at any moment the target holds either its old or its new contents,
// never a mix:
//
//   absl::Status s = WriteFileAtomically("/data/known_peers.json", json);
//   absl::StatusOr<std::string> back = ReadFile("/data/known_peers.json");
//
// Thread-safe as long as two threads do not write the same path at once.
#ifndef DATAMGMT_COMMON_IO_ATOMIC_FILE_H_
#define DATAMGMT_COMMON_IO_ATOMIC_FILE_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace datamgmt::io {

// Replaces `path` with `contents` atomically and durably, creating it with
// `mode` permissions if new. Returns an error naming the failing step and
// path (Unavailable/PermissionDenied/NotFound... from errno); on error the
// old file is untouched and no temporary file is left behind.
absl::Status WriteFileAtomically(const std::string& path,
                                 absl::string_view contents, int mode = 0644);

// Reads a whole file. Returns NotFound if it does not exist, another error
// naming the path otherwise.
absl::StatusOr<std::string> ReadFile(const std::string& path);

// Creates `path` and any missing parents as directories (mode 0755).
absl::Status MakeDirectories(const std::string& path);

}  // namespace datamgmt::io

#endif  // DATAMGMT_COMMON_IO_ATOMIC_FILE_H_

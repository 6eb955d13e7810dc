// Percent-decoding (RFC 3986) of URL path segments and query components, as
// the transcoder needs it. Pure functions; thread-safe.
//
//   std::string out;
//   PercentDecode("a%20b", Decoding::kSegment, &out);        // "a b"
//   PercentDecode("a%2Fb", Decoding::kMultiSegment, &out);   // "a%2Fb"
//   PercentDecode("a+b%21", Decoding::kQuery, &out);         // "a b!"
#ifndef DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_PERCENT_H_
#define DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_PERCENT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace datamgmt::gateway::transcode::internal {

enum class Decoding {
  // One path segment (a "{var}" or "{var=*}" variable): every %XX decoded,
  // including %2F.
  kSegment,
  // Several path segments (a "{var=**}" or "{var=a/*}" variable): every %XX
  // decoded except %2F and %2f, which stay as written (google.api.http).
  kMultiSegment,
  // A query-string name or value (application/x-www-form-urlencoded): '+' is
  // a space, every %XX decoded.
  kQuery,
};

// Returns the value of a hex digit (0..15), or -1 if `c` is not one.
int HexDigitValue(char c);

// Replaces *out with the decoding of `in`. Returns false if `in` has a '%'
// not followed by two hex digits; *out is then unspecified.
bool PercentDecode(absl::string_view in, Decoding mode, std::string* out);

// Whether `raw` percent-decodes (as kSegment) to exactly `decoded`, without
// allocating. A malformed escape never equals anything.
bool DecodedEquals(absl::string_view raw, absl::string_view decoded);

}  // namespace datamgmt::gateway::transcode::internal

#endif  // DATAMGMT_GATEWAY_TRANSCODE_INTERNAL_PERCENT_H_

#include "gateway/transcode/internal/percent.h"

namespace datamgmt::gateway::transcode::internal {

int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

namespace {

// The byte escaped at in[i] ('%' there), or -1 if the escape is malformed.
int EscapedByte(absl::string_view in, size_t i) {
  if (in.size() - i < 3) return -1;
  const int hi = HexDigitValue(in[i + 1]);
  const int lo = HexDigitValue(in[i + 2]);
  if (hi < 0 || lo < 0) return -1;
  return hi * 16 + lo;
}

}  // namespace

bool PercentDecode(absl::string_view in, Decoding mode, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+' && mode == Decoding::kQuery) {
      out->push_back(' ');
    } else if (c != '%') {
      out->push_back(c);
    } else {
      const int byte = EscapedByte(in, i);
      if (byte < 0) return false;
      if (byte == '/' && mode == Decoding::kMultiSegment) {
        out->append(in.data() + i, 3);
      } else {
        out->push_back(static_cast<char>(byte));
      }
      i += 2;
    }
  }
  return true;
}

bool DecodedEquals(absl::string_view raw, absl::string_view decoded) {
  if (raw.find('%') == absl::string_view::npos) return raw == decoded;
  size_t j = 0;
  for (size_t i = 0; i < raw.size(); ++i, ++j) {
    char c = raw[i];
    if (c == '%') {
      const int byte = EscapedByte(raw, i);
      if (byte < 0) return false;
      c = static_cast<char>(byte);
      i += 2;
    }
    if (j >= decoded.size() || decoded[j] != c) return false;
  }
  return j == decoded.size();
}

}  // namespace datamgmt::gateway::transcode::internal

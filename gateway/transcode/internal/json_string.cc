// AppendJsonString: JSON string escaping identical to protobuf's JSON
// printer (google/protobuf/util/internal/json_escaping.cc), so that strings
// written here and strings written by MessageToJsonString agree; except
// that bytes which are not UTF-8 are always dropped, overlong forms too.
#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "gateway/transcode/internal/json_writer.h"

namespace datamgmt::gateway::transcode::internal {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void AppendUnicodeEscape(uint32_t unit, std::string* out) {
  const char escape[] = {'\\',
                         'u',
                         kHex[(unit >> 12) & 0xf],
                         kHex[(unit >> 8) & 0xf],
                         kHex[(unit >> 4) & 0xf],
                         kHex[unit & 0xf]};
  out->append(escape, sizeof(escape));
}

// Appends the escape for code point `cp` and returns true, or returns false
// if `cp` is written as is.
bool AppendEscape(uint32_t cp, std::string* out) {
  switch (cp) {
    case '"':
      out->append("\\\"");
      return true;
    case '\\':
      out->append("\\\\");
      return true;
    case '\b':
      out->append("\\b");
      return true;
    case '\t':
      out->append("\\t");
      return true;
    case '\n':
      out->append("\\n");
      return true;
    case '\f':
      out->append("\\f");
      return true;
    case '\r':
      out->append("\\r");
      return true;
    case '<':
    case '>':
    case 0x7f:
    // Not required by JSON; protobuf escapes them against misuse in HTML
    // and JavaScript.
    case 0x00ad:  // Soft hyphen.
    case 0x06dd:  // Arabic end of ayah.
    case 0x070f:  // Syriac abbreviation mark.
    case 0x17b4:  // Khmer vowel inherent Aq.
    case 0x17b5:  // Khmer vowel inherent Aa.
    case 0xfeff:  // Zero width no-break space.
    case 0xfff9:  // Interlinear annotation anchor.
    case 0xfffa:  // Interlinear annotation separator.
    case 0xfffb:  // Interlinear annotation terminator.
      AppendUnicodeEscape(cp, out);
      return true;
    default:
      break;
  }
  if (cp < 0x20 || (cp >= 0x80 && cp < 0xa0) ||  // C0 and C1 controls.
      (cp >= 0x0600 && cp <= 0x0603) ||            // Arabic signs.
      (cp >= 0x200b && cp <= 0x200f) ||            // Zero width etc.
      (cp >= 0x2028 && cp <= 0x202e) ||            // Separators etc.
      (cp >= 0x2060 && cp <= 0x2064) ||            // Invisible etc.
      (cp >= 0x206a && cp <= 0x206f)) {            // Shaping etc.
    AppendUnicodeEscape(cp, out);
    return true;
  }
  if (cp == 0xe0001 ||                   // Language tag.
      (cp >= 0x1d173 && cp <= 0x1d17a) ||  // Music formatting.
      (cp >= 0xe0020 && cp <= 0xe007f)) {  // Tag symbols.
    AppendUnicodeEscape(0xd800 + ((cp - 0x10000) >> 10), out);
    AppendUnicodeEscape(0xdc00 + (cp & 0x3ff), out);
    return true;
  }
  return false;
}

// Whether `in` can be copied without escaping (protobuf's fast path).
bool IsPlain(absl::string_view in) {
  for (char ch : in) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '<' || c == '>' ||
        c == '\\') {
      return false;
    }
  }
  return true;
}

void AppendEscaped(absl::string_view in, std::string* out) {
  size_t i = 0;
  while (i < in.size()) {
    const auto lead = static_cast<uint8_t>(in[i]);
    uint32_t cp;
    int continuation;
    if (lead < 0x80) {
      cp = lead;
      continuation = 0;
    } else if (lead < 0xc0 || lead >= 0xf8) {
      ++i;  // Not a lead byte: dropped.
      continue;
    } else if (lead < 0xe0) {
      cp = lead & 0x1f;
      continuation = 1;
    } else if (lead < 0xf0) {
      cp = lead & 0x0f;
      continuation = 2;
    } else {
      cp = lead & 0x07;
      continuation = 3;
    }
    size_t end = i + 1;
    bool valid = true;
    for (; continuation > 0 && end < in.size(); --continuation) {
      const auto c = static_cast<uint8_t>(in[end++]);
      cp = (cp << 6) | (c & 0x3f);
      if (c < 0x80 || c > 0xbf) {
        valid = false;  // The sequence read so far is dropped.
        break;
      }
    }
    if (continuation > 0 && valid) return;  // Truncated at the end: dropped.
    // Surrogates and code points beyond U+10FFFF are dropped, and so are
    // overlong forms ("\xc1\x81" for 'A'): protobuf 3.21 copies those, but
    // they are not UTF-8, and JSON text must be (found by
    // fuzz/gateway_http_fuzz in an error message quoting a query parameter).
    constexpr uint32_t kSmallest[] = {0, 0x80, 0x800, 0x10000};
    valid = valid && (cp & 0xfffff800) != 0xd800 && cp <= 0x10ffff &&
            cp >= kSmallest[end - i - 1];
    if (valid && !AppendEscape(cp, out)) out->append(in.data() + i, end - i);
    i = end;
  }
}

}  // namespace

void AppendJsonString(absl::string_view value, std::string* out) {
  out->push_back('"');
  if (IsPlain(value)) {
    out->append(value.data(), value.size());
  } else {
    AppendEscaped(value, out);
  }
  out->push_back('"');
}

}  // namespace datamgmt::gateway::transcode::internal

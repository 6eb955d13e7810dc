#include "gateway/http/error_response.h"

#include <boost/beast/http/field.hpp>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace datamgmt::gateway::http {
namespace {

void AppendJsonEscaped(absl::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppendFormat(out, "\\u%04x", static_cast<unsigned char>(c));
        } else {
          out->push_back(c);
        }
    }
  }
}

}  // namespace

std::string ErrorJson(absl::StatusCode code, absl::string_view message) {
  std::string json = absl::StrCat("{\"code\":", static_cast<int>(code),
                                  ",\"message\":\"");
  AppendJsonEscaped(message, &json);
  json.append("\",\"details\":[]}");
  return json;
}

Response ErrorResponse(boost::beast::http::status status,
                       absl::StatusCode code, absl::string_view message) {
  Response response{status, 11};
  response.set(boost::beast::http::field::content_type, "application/json");
  response.body() = ErrorJson(code, message);
  return response;
}

}  // namespace datamgmt::gateway::http

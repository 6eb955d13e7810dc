#include "gateway/http/response_finish.h"

#include <boost/beast/http/field.hpp>

namespace datamgmt::gateway::http::internal {
namespace {

namespace bhttp = boost::beast::http;

constexpr char kServerName[] = "datamgmt-gateway";

}  // namespace

bool FinishResponse(const ResponseContext& context, Response& response) {
  bool keep_alive = context.keep_alive && !context.shutting_down;
  if (response.find(bhttp::field::connection) != response.end()) {
    keep_alive = keep_alive && response.keep_alive();  // before version()
  }
  response.version(context.version);
  response.keep_alive(keep_alive);
  response.set(bhttp::field::server, kServerName);
  const unsigned status = response.result_int();
  if (status / 100 == 1 || status == 204 || status == 304) {
    response.body().clear();
    response.erase(bhttp::field::transfer_encoding);
    // A 304 may carry the Content-Length of the resource; the others not.
    if (status != 304) response.erase(bhttp::field::content_length);
    return false;
  }
  if (context.head) {
    if (!response.body().empty() || !response.has_content_length()) {
      response.content_length(response.body().size());
    }
    response.erase(bhttp::field::transfer_encoding);
    return false;
  }
  response.prepare_payload();  // Content-Length from the body
  return true;
}

}  // namespace datamgmt::gateway::http::internal

// Internal to //gateway/http:server. Builds the Reply handed to the Handler.
#ifndef DATAMGMT_GATEWAY_HTTP_REPLY_H_
#define DATAMGMT_GATEWAY_HTTP_REPLY_H_

#include <memory>

#include "gateway/http/handler.h"

namespace datamgmt::gateway::http::internal {

class Connection;
class ServerCore;

// A Reply whose copies share one completion: the first call posts the
// response to `connection`, later calls are ignored (with a warning), and if
// every copy is destroyed without a call the client gets a 500. Holds `core`
// so that the io_context outlives the connection's socket even when the
// reply outlives the Server.
Reply MakeReply(std::shared_ptr<ServerCore> core,
                std::shared_ptr<Connection> connection);

}  // namespace datamgmt::gateway::http::internal

#endif  // DATAMGMT_GATEWAY_HTTP_REPLY_H_

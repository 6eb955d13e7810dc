// Keeps gRPC's shared callback completion queue alive for the whole process.
//
// Debian's gRPC 1.51 runs callback-API completions (client `stub->async()`
// calls and callback services) on one process-wide "callback alternative"
// completion queue, reference-counted by the channels and servers that use
// it. When the last of them goes away the queue is shut down and deleted;
// the next channel creates a new one. If that happens while a completion is
// still being torn down on the old queue's thread (a call finished just as
// its owner destroyed the channel), gRPC aborts with
// `ref_counted.h:183 assertion failed: prior > 0`. A process whose channels
// and servers come and go (every unit test; a dht-service whose peer
// channels are dropped and redialled) hits this now and then.
//
// PinCallbackQueue() takes one reference for the life of the process, so
// the queue is created once and never torn down:
//
//   PinCallbackQueue();  // before the first channel or server
//
// GrpcServer::Start and ChannelCache call it; so should any other code that
// creates channels or servers for the callback API. Idempotent and
// thread-safe. The cost is one portless, never-destroyed gRPC server object.
#ifndef DATAMGMT_COMMON_GRPC_CALLBACK_QUEUE_H_
#define DATAMGMT_COMMON_GRPC_CALLBACK_QUEUE_H_

namespace datamgmt {

void PinCallbackQueue();

}  // namespace datamgmt

#endif  // DATAMGMT_COMMON_GRPC_CALLBACK_QUEUE_H_

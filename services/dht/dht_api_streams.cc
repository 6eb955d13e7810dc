// DhtService's streaming RPCs (PutDataStream, GetDataStream), as reactors.
#include <algorithm>
#include <optional>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/dht/dht_api_service.h"
#include "services/dht/owned_reactor.h"

namespace datamgmt::dht {
namespace {

using kademlia::NodeId;

// Reads the chunks, checks every limit as early as possible, and puts the
// object once the client has sent it all.
class PutStreamReactor final
    : public OwnedReactor<
          grpc::ServerReadReactor<dht::v1::PutDataStreamRequest>> {
 public:
  PutStreamReactor(DataOps& data, dht::v1::PutDataResponse* response)
      : data_(data), response_(response) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (finished()) return;  // cancelled
    if (!ok) {
      Complete();
      return;
    }
    if (absl::Status s = Accept(); !s.ok()) {
      FinishWith(s);  // without reading further
      return;
    }
    ++messages_;
    RunIfActive([&] { StartRead(&request_); });
  }

 private:
  absl::Status Accept() {
    const std::string& chunk = request_.chunk();
    if (chunk.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("chunk ", messages_, " is empty"));
    }
    if (chunk.size() > kMaxStreamChunkBytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("chunk ", messages_, " is ", chunk.size(),
                       " bytes; the limit is ", kMaxStreamChunkBytes));
    }
    if (messages_ == 0) {
      total_size_ = request_.total_size();
      if (total_size_ > data_.options().max_value_bytes) {
        return data_.CheckSize(total_size_);
      }
      if (!request_.expected_hash().empty()) {
        absl::StatusOr<NodeId> expected = ParseHash(request_.expected_hash());
        if (!expected.ok()) return expected.status();
        expected_ = *expected;
      }
    } else if (request_.total_size() != 0 ||
               !request_.expected_hash().empty()) {
      return absl::InvalidArgumentError(
          "total_size and expected_hash may be set on the first message only");
    }
    if (object_.size() + chunk.size() > data_.options().max_value_bytes) {
      return data_.CheckSize(object_.size() + chunk.size());
    }
    object_ += chunk;
    return absl::OkStatus();
  }

  void Complete() {
    if (messages_ == 0) {
      FinishWith(absl::InvalidArgumentError("no chunk was sent"));
      return;
    }
    if (total_size_ != 0 && total_size_ != object_.size()) {
      FinishWith(absl::InvalidArgumentError(
          absl::StrCat("received ", object_.size(), " bytes, total_size said ",
                       total_size_)));
      return;
    }
    if (expected_.has_value() && ContentKey(object_) != *expected_) {
      FinishWith(absl::InvalidArgumentError(
          absl::StrCat("the object's SHA-256 is ", ContentKey(object_).ToHex(),
                       ", expected_hash is ", expected_->ToHex())));
      return;
    }
    Ref();
    data_.Put(std::move(object_), [this](absl::StatusOr<PutResult> result) {
      FinishWith(result.status(), [&] { FillPutResponse(*result, response_); });
      Unref();
    });
  }

  DataOps& data_;
  dht::v1::PutDataResponse* const response_;
  dht::v1::PutDataStreamRequest request_;
  int messages_ = 0;
  uint64_t total_size_ = 0;
  std::optional<NodeId> expected_;
  std::string object_;
};

// Gets the object, then writes it in 64 KiB chunks, one write at a time.
class GetStreamReactor final
    : public OwnedReactor<
          grpc::ServerWriteReactor<dht::v1::GetDataStreamResponse>> {
 public:
  GetStreamReactor(DataOps& data, const std::string& hash) {
    absl::StatusOr<NodeId> key = ParseHash(hash);
    if (!key.ok()) {
      FinishWith(key.status());
      return;
    }
    Ref();
    data.Get(*key, [this, key = *key](absl::StatusOr<std::string> value) {
      if (!value.ok()) {
        FinishWith(value.status());
      } else if (!finished()) {
        object_ = *std::move(value);
        hash_ = key.ToHex();
        WriteNext();
      }
      Unref();
    });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      FinishWith(absl::CancelledError("write failed"));
      return;
    }
    WriteNext();
  }

 private:
  // Writes the chunk at offset_, or finishes after the last one. Runs on
  // one thread at a time: the Get completion, then each OnWriteDone.
  void WriteNext() {
    if (offset_ >= object_.size()) {
      FinishWith(absl::OkStatus());
      return;
    }
    const size_t n = std::min(kMaxStreamChunkBytes, object_.size() - offset_);
    response_.Clear();
    response_.set_chunk(object_.substr(offset_, n));
    response_.set_offset(offset_);
    if (offset_ == 0) {
      response_.set_total_size(object_.size());
      response_.set_hash(hash_);
    }
    offset_ += n;
    RunIfActive([&] { StartWrite(&response_); });
  }

  std::string object_;
  std::string hash_;
  size_t offset_ = 0;
  dht::v1::GetDataStreamResponse response_;
};

}  // namespace

grpc::ServerReadReactor<dht::v1::PutDataStreamRequest>*
DhtApiService::PutDataStream(grpc::CallbackServerContext* ctx,
                             dht::v1::PutDataResponse* response) {
  return new PutStreamReactor(*deps_.data, response);
}

grpc::ServerWriteReactor<dht::v1::GetDataStreamResponse>*
DhtApiService::GetDataStream(grpc::CallbackServerContext* ctx,
                             const dht::v1::GetDataStreamRequest* request) {
  return new GetStreamReactor(*deps_.data, request->hash());
}

}  // namespace datamgmt::dht

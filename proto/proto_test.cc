// Checks the API contracts through descriptors: the REST routes the gateway
// will serve, the identity fields of the P2P protocol, the seed's field names,
// and that every element of every .proto is documented.
//
// Routes and field shapes are read from the linked C++ code (the generated
// descriptor pool); comments are read from //proto:descriptor_set, which
// protoc built from the same sources with --include_source_info.
#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "datamgmt/api/v1/json.pb.h"
#include "datamgmt/dht/v1/dht.grpc.pb.h"
#include "datamgmt/dht/v1/peer_dialer.grpc.pb.h"
#include "datamgmt/health/v1/health_monitor.grpc.pb.h"
#include "datamgmt/p2p/v1/p2p.grpc.pb.h"
#include "datamgmt/peers/v1/peers.grpc.pb.h"
#include "datamgmt/types/v1/types.pb.h"
#include "google/api/annotations.pb.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "gtest/gtest.h"

namespace datamgmt {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::DescriptorPool;
using ::google::protobuf::EnumDescriptor;
using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::FileDescriptor;
using ::google::protobuf::FileDescriptorSet;
using ::google::protobuf::MethodDescriptor;
using ::google::protobuf::ServiceDescriptor;
using ::google::protobuf::SourceLocation;

// Services the gateway exposes: every unary RPC has a route, streaming RPCs
// have none.
std::vector<const ServiceDescriptor*> RestServices() {
  return {
      dht::v1::PutDataRequest::descriptor()->file()->FindServiceByName(
          "DhtService"),
      peers::v1::Peer::descriptor()->file()->FindServiceByName("PeerManager"),
      health::v1::CheckRound::descriptor()->file()->FindServiceByName(
          "HealthMonitor"),
  };
}

// gRPC-only services: no routes at all.
std::vector<const ServiceDescriptor*> GrpcOnlyServices() {
  return {
      p2p::v1::Contact::descriptor()->file()->FindServiceByName("PeerProtocol"),
      dht::v1::PingPeerRequest::descriptor()->file()->FindServiceByName(
          "PeerDialer"),
  };
}

struct Route {
  std::string verb;
  std::string path;
  std::string body;

  friend bool operator==(const Route&, const Route&) = default;
  friend std::ostream& operator<<(std::ostream& os, const Route& r) {
    return os << r.verb << " " << r.path << " body=\"" << r.body << "\"";
  }
};

bool HasRoute(const MethodDescriptor* method) {
  return method->options().HasExtension(google::api::http);
}

Route RouteOf(const MethodDescriptor* method) {
  const google::api::HttpRule& rule =
      method->options().GetExtension(google::api::http);
  Route route;
  switch (rule.pattern_case()) {
    case google::api::HttpRule::kGet:
      route = {"GET", rule.get(), rule.body()};
      break;
    case google::api::HttpRule::kPost:
      route = {"POST", rule.post(), rule.body()};
      break;
    case google::api::HttpRule::kPut:
      route = {"PUT", rule.put(), rule.body()};
      break;
    case google::api::HttpRule::kDelete:
      route = {"DELETE", rule.delete_(), rule.body()};
      break;
    case google::api::HttpRule::kPatch:
      route = {"PATCH", rule.patch(), rule.body()};
      break;
    default:
      ADD_FAILURE() << method->full_name() << " has an unsupported pattern";
  }
  EXPECT_EQ(rule.additional_bindings_size(), 0) << method->full_name();
  return route;
}

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream in(path.substr(1));
  for (std::string s; std::getline(in, s, '/');) out.push_back(s);
  return out;
}

bool IsVariable(const std::string& segment) {
  return !segment.empty() && segment.front() == '{';
}

TEST(RestRoutesTest, EveryUnaryRpcHasARouteAndStreamingRpcsHaveNone) {
  for (const ServiceDescriptor* service : RestServices()) {
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* m = service->method(i);
      const bool streaming = m->client_streaming() || m->server_streaming();
      EXPECT_EQ(HasRoute(m), !streaming) << m->full_name();
    }
  }
}

TEST(RestRoutesTest, GrpcOnlyServicesHaveNoRoutes) {
  for (const ServiceDescriptor* service : GrpcOnlyServices()) {
    ASSERT_NE(service, nullptr);
    for (int i = 0; i < service->method_count(); ++i) {
      EXPECT_FALSE(HasRoute(service->method(i)))
          << service->method(i)->full_name();
    }
  }
}

// The complete route table: a new or changed route is a contract change and
// must be made here too.
TEST(RestRoutesTest, RouteTableIsExactlyTheContract) {
  const std::map<std::string, Route> expected = {
      {"datamgmt.dht.v1.DhtService.PutData", {"POST", "/data", "*"}},
      {"datamgmt.dht.v1.DhtService.GetData", {"GET", "/data/{hash}", ""}},
      {"datamgmt.dht.v1.DhtService.GetNetworkStats",
       {"GET", "/network/stats", ""}},
      {"datamgmt.dht.v1.DhtService.GetDhtStats", {"GET", "/v1/dht/stats", ""}},
      {"datamgmt.dht.v1.DhtService.RotateIdentity",
       {"POST", "/admin/rotate-identity", "*"}},
      {"datamgmt.peers.v1.PeerManager.ListPeers",
       {"GET", "/network/peers", ""}},
      {"datamgmt.peers.v1.PeerManager.GetPeer",
       {"GET", "/v1/peers/{address}", ""}},
      {"datamgmt.peers.v1.PeerManager.AddPeer", {"POST", "/v1/peers", "*"}},
      {"datamgmt.peers.v1.PeerManager.RemovePeer",
       {"DELETE", "/v1/peers/{address}", ""}},
      {"datamgmt.peers.v1.PeerManager.RecordContacts",
       {"POST", "/v1/peers:recordContacts", "*"}},
      {"datamgmt.peers.v1.PeerManager.MergePeers",
       {"POST", "/v1/peers:merge", "*"}},
      {"datamgmt.peers.v1.PeerManager.ReportPeerStandings",
       {"POST", "/v1/peers:reportStandings", "*"}},
      {"datamgmt.peers.v1.PeerManager.GetPeerStats",
       {"GET", "/v1/peers/stats", ""}},
      {"datamgmt.health.v1.HealthMonitor.GetStatus",
       {"GET", "/v1/health-monitor/status", ""}},
      {"datamgmt.health.v1.HealthMonitor.RunCheck",
       {"POST", "/v1/health-monitor:runCheck", "*"}},
  };
  std::map<std::string, Route> actual;
  for (const ServiceDescriptor* service : RestServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* m = service->method(i);
      if (HasRoute(m)) actual[m->full_name()] = RouteOf(m);
    }
  }
  EXPECT_EQ(actual, expected);
}

TEST(RestRoutesTest, RoutesAreUniqueAndBodiesFitTheirVerbs) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const ServiceDescriptor* service : RestServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* m = service->method(i);
      if (!HasRoute(m)) continue;
      const Route r = RouteOf(m);
      EXPECT_TRUE(seen.insert({r.verb, r.path}).second)
          << "duplicate route " << r;
      if (r.verb == "GET" || r.verb == "DELETE") {
        EXPECT_EQ(r.body, "") << m->full_name();
      } else {
        EXPECT_EQ(r.body, "*") << m->full_name();
      }
    }
  }
}

TEST(RestRoutesTest, PathVariablesAreStringFieldsOfTheRequest) {
  for (const ServiceDescriptor* service : RestServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      const MethodDescriptor* m = service->method(i);
      if (!HasRoute(m)) continue;
      for (const std::string& segment : Segments(RouteOf(m).path)) {
        if (!IsVariable(segment)) continue;
        const std::string name = segment.substr(1, segment.size() - 2);
        const FieldDescriptor* f = m->input_type()->FindFieldByName(name);
        ASSERT_NE(f, nullptr) << m->full_name() << " {" << name << "}";
        EXPECT_EQ(f->type(), FieldDescriptor::TYPE_STRING) << f->full_name();
        EXPECT_FALSE(f->is_repeated()) << f->full_name();
      }
    }
  }
}

// Where two routes of one verb overlap (GET /v1/peers/stats and
// GET /v1/peers/{address}), the more literal one must be declared later:
// grpc-gateway gives precedence to the later registration.
TEST(RestRoutesTest, OverlappingRoutesDeclareTheLiteralOneLater) {
  struct Entry {
    const MethodDescriptor* method;
    Route route;
  };
  std::vector<Entry> entries;
  for (const ServiceDescriptor* service : RestServices()) {
    for (int i = 0; i < service->method_count(); ++i) {
      if (HasRoute(service->method(i))) {
        entries.push_back({service->method(i), RouteOf(service->method(i))});
      }
    }
  }
  int overlaps = 0;
  for (const Entry& a : entries) {
    for (const Entry& b : entries) {
      if (a.method == b.method || a.route.verb != b.route.verb) continue;
      const auto sa = Segments(a.route.path);
      const auto sb = Segments(b.route.path);
      if (sa.size() != sb.size()) continue;
      bool compatible = true;
      bool a_more_literal = false;
      bool b_more_literal = false;
      for (size_t i = 0; i < sa.size() && compatible; ++i) {
        const bool va = IsVariable(sa[i]);
        const bool vb = IsVariable(sb[i]);
        if (!va && !vb) compatible = sa[i] == sb[i];
        if (!va && vb) a_more_literal = true;
        if (va && !vb) b_more_literal = true;
      }
      if (!compatible || !a_more_literal) continue;
      ++overlaps;
      EXPECT_FALSE(b_more_literal)
          << "ambiguous: " << a.route << " / " << b.route;
      ASSERT_EQ(a.method->service(), b.method->service())
          << a.route << " overlaps a route of another service";
      EXPECT_GT(a.method->index(), b.method->index())
          << a.method->full_name() << " must be declared after "
          << b.method->full_name();
    }
  }
  EXPECT_EQ(overlaps, 1);  // GetPeerStats over GetPeer
}

TEST(RestRoutesTest, HealthyIsAQueryParameterOfListPeers) {
  const FieldDescriptor* f =
      peers::v1::ListPeersRequest::descriptor()->FindFieldByName("healthy");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->type(), FieldDescriptor::TYPE_BOOL);
}

TEST(P2pProtocolTest, ContactIsA32ByteIdAndAnAddress) {
  const Descriptor* contact = p2p::v1::Contact::descriptor();
  ASSERT_EQ(contact->field_count(), 2);
  EXPECT_EQ(contact->field(0)->name(), "node_id");
  EXPECT_EQ(contact->field(0)->number(), 1);
  EXPECT_EQ(contact->field(0)->type(), FieldDescriptor::TYPE_BYTES);
  EXPECT_EQ(contact->field(1)->name(), "address");
  EXPECT_EQ(contact->field(1)->number(), 2);
  EXPECT_EQ(contact->field(1)->type(), FieldDescriptor::TYPE_STRING);
}

void ExpectIdentityField(const Descriptor* message, const std::string& name) {
  const FieldDescriptor* f = message->FindFieldByNumber(1);
  ASSERT_NE(f, nullptr) << message->full_name();
  EXPECT_EQ(f->name(), name) << message->full_name();
  EXPECT_FALSE(f->is_repeated()) << message->full_name();
  ASSERT_EQ(f->type(), FieldDescriptor::TYPE_MESSAGE) << message->full_name();
  EXPECT_EQ(f->message_type(), p2p::v1::Contact::descriptor())
      << message->full_name();
}

TEST(P2pProtocolTest, EveryRequestNamesItsSenderAndEveryResponseItsResponder) {
  const ServiceDescriptor* service = GrpcOnlyServices()[0];
  ASSERT_EQ(service->full_name(), "datamgmt.p2p.v1.PeerProtocol");
  std::set<std::string> methods;
  for (int i = 0; i < service->method_count(); ++i) {
    const MethodDescriptor* m = service->method(i);
    methods.insert(m->name());
    EXPECT_FALSE(m->client_streaming() || m->server_streaming())
        << m->full_name();
    ExpectIdentityField(m->input_type(), "sender");
    ExpectIdentityField(m->output_type(), "responder");
  }
  EXPECT_EQ(methods,
            (std::set<std::string>{"Ping", "FindNode", "FindValue", "Store",
                                   "GetPeers", "SharePeers"}));
}

TEST(P2pProtocolTest, FindValueReturnsEitherTheValueOrCloserContacts) {
  const Descriptor* d = p2p::v1::FindValueResponse::descriptor();
  const FieldDescriptor* value = d->FindFieldByName("value");
  const FieldDescriptor* closer = d->FindFieldByName("closer");
  ASSERT_NE(value, nullptr);
  ASSERT_NE(closer, nullptr);
  ASSERT_NE(value->containing_oneof(), nullptr);
  EXPECT_EQ(value->containing_oneof(), closer->containing_oneof());
  EXPECT_EQ(value->type(), FieldDescriptor::TYPE_BYTES);
  EXPECT_EQ(closer->message_type(), p2p::v1::ContactList::descriptor());
}

// IDs, keys and hashes: 32 raw bytes on the wire, hex strings locally.
TEST(IdentifierTest, BytesOnTheWireAndHexStringsInLocalApis) {
  const std::set<std::string> id_names = {"node_id", "key", "target", "hash",
                                          "expected_hash"};
  const std::vector<const FileDescriptor*> files = {
      p2p::v1::Contact::descriptor()->file(),
      types::v1::PeerHint::descriptor()->file(),
      dht::v1::PutDataRequest::descriptor()->file(),
      dht::v1::PingPeerRequest::descriptor()->file(),
      peers::v1::Peer::descriptor()->file(),
      health::v1::CheckRound::descriptor()->file(),
  };
  int checked = 0;
  for (const FileDescriptor* file : files) {
    const bool wire = file->package() == "datamgmt.p2p.v1";
    for (int i = 0; i < file->message_type_count(); ++i) {
      const Descriptor* message = file->message_type(i);
      for (int j = 0; j < message->field_count(); ++j) {
        const FieldDescriptor* f = message->field(j);
        if (id_names.count(f->name()) == 0) continue;
        ++checked;
        EXPECT_EQ(f->type(), wire ? FieldDescriptor::TYPE_BYTES
                                  : FieldDescriptor::TYPE_STRING)
            << f->full_name();
      }
    }
  }
  EXPECT_GT(checked, 10);
}

TEST(SeedCompatibilityTest, NetworkStatsHasExactlyTheSeedFields) {
  const Descriptor* d = dht::v1::NetworkStats::descriptor();
  std::set<std::string> names;
  for (int i = 0; i < d->field_count(); ++i) {
    names.insert(d->field(i)->name());
    const FieldDescriptor::CppType type = d->field(i)->cpp_type();
    EXPECT_TRUE(type == FieldDescriptor::CPPTYPE_UINT32 ||
                type == FieldDescriptor::CPPTYPE_UINT64)
        << d->field(i)->full_name() << " must be an unsigned integer";
  }
  EXPECT_EQ(names,
            (std::set<std::string>{"total_peers", "healthy_peers", "data_sent",
                                   "data_received", "uptime"}));
}

TEST(SeedCompatibilityTest, PeerCarriesTheKnownPeersJsonFields) {
  const Descriptor* d = peers::v1::Peer::descriptor();
  const std::map<std::string, FieldDescriptor::Type> expected = {
      // known_peers.json, with the seed's names.
      {"host", FieldDescriptor::TYPE_STRING},
      {"port", FieldDescriptor::TYPE_UINT32},
      {"last_seen", FieldDescriptor::TYPE_DOUBLE},
      {"success_count", FieldDescriptor::TYPE_UINT64},
      {"failure_count", FieldDescriptor::TYPE_UINT64},
      // Added by this API.
      {"address", FieldDescriptor::TYPE_STRING},
      {"node_id", FieldDescriptor::TYPE_STRING},
      {"healthy", FieldDescriptor::TYPE_BOOL},
      {"success_rate", FieldDescriptor::TYPE_DOUBLE},
      {"last_rtt", FieldDescriptor::TYPE_MESSAGE},
      // The peer's standing as dht-service reports it.
      {"banned", FieldDescriptor::TYPE_BOOL},
      {"banned_until", FieldDescriptor::TYPE_DOUBLE},
      {"ban_reason", FieldDescriptor::TYPE_STRING},
      {"score", FieldDescriptor::TYPE_DOUBLE},
  };
  EXPECT_EQ(d->field_count(), static_cast<int>(expected.size()));
  for (const auto& [name, type] : expected) {
    const FieldDescriptor* f = d->FindFieldByName(name);
    ASSERT_NE(f, nullptr) << name;
    EXPECT_EQ(f->type(), type) << name;
  }
}

// The seed's JSON shapes have 64-bit counters as JSON numbers; these messages
// tell the gateway so, and no other message does by accident.
TEST(SeedCompatibilityTest, SeedShapedMessagesWriteInt64AsJsonNumbers) {
  for (const Descriptor* d :
       {dht::v1::NetworkStats::descriptor(), peers::v1::Peer::descriptor(),
        dht::v1::PutDataResponse::descriptor()}) {
    EXPECT_TRUE(d->options().GetExtension(api::v1::json_int64_as_number))
        << d->full_name();
  }
  EXPECT_FALSE(dht::v1::DhtStats::descriptor()->options().GetExtension(
      api::v1::json_int64_as_number));
}

// GET /data/{hash} answers with the object's raw bytes.
TEST(SeedCompatibilityTest, GetDataRespondsWithTheRawDataField) {
  const MethodDescriptor* get =
      dht::v1::PutDataRequest::descriptor()->file()->FindServiceByName(
          "DhtService")->FindMethodByName("GetData");
  ASSERT_NE(get, nullptr);
  const google::api::HttpRule& rule =
      get->options().GetExtension(google::api::http);
  EXPECT_EQ(rule.response_body(), "data");
  const FieldDescriptor* data =
      dht::v1::GetDataResponse::descriptor()->FindFieldByName("data");
  ASSERT_NE(data, nullptr);
  EXPECT_EQ(data->type(), FieldDescriptor::TYPE_BYTES);
}

// --- Documentation, from the descriptor set with source info. ---

class DocumentationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in("proto/datamgmt_api.protoset", std::ios::binary);
    ASSERT_TRUE(in) << "cannot open the descriptor set";
    FileDescriptorSet set;
    ASSERT_TRUE(set.ParseFromIstream(&in));
    // --include_imports lists dependencies before their dependents.
    for (const auto& proto : set.file()) {
      const FileDescriptor* file = pool_.BuildFile(proto);
      ASSERT_NE(file, nullptr) << proto.name();
      if (proto.name().rfind("datamgmt/", 0) == 0) files_.push_back(file);
    }
  }

  static std::string Comment(const SourceLocation& loc) {
    std::string c = loc.leading_comments;
    c.erase(std::remove_if(c.begin(), c.end(),
                           [](unsigned char ch) { return std::isspace(ch); }),
            c.end());
    return c;
  }

  template <typename D>
  void ExpectDocumented(const D* d) {
    SourceLocation loc;
    EXPECT_TRUE(d->GetSourceLocation(&loc) && !Comment(loc).empty())
        << d->full_name() << " has no leading comment";
  }

  void ExpectEnumDocumented(const EnumDescriptor* e) {
    ExpectDocumented(e);
    for (int i = 0; i < e->value_count(); ++i) ExpectDocumented(e->value(i));
  }

  void ExpectMessageDocumented(const Descriptor* m) {
    ExpectDocumented(m);
    for (int i = 0; i < m->field_count(); ++i) ExpectDocumented(m->field(i));
    for (int i = 0; i < m->real_oneof_decl_count(); ++i) {
      ExpectDocumented(m->oneof_decl(i));  // Real oneofs come first.
    }
    for (int i = 0; i < m->nested_type_count(); ++i) {
      if (!m->nested_type(i)->options().map_entry()) {
        ExpectMessageDocumented(m->nested_type(i));
      }
    }
    for (int i = 0; i < m->enum_type_count(); ++i) {
      ExpectEnumDocumented(m->enum_type(i));
    }
  }

  DescriptorPool pool_;
  std::vector<const FileDescriptor*> files_;
};

TEST_F(DocumentationTest, CoversAllSevenFiles) {
  std::set<std::string> names;
  for (const FileDescriptor* f : files_) names.insert(f->name());
  EXPECT_EQ(names, (std::set<std::string>{
                       "datamgmt/api/v1/json.proto",
                       "datamgmt/types/v1/types.proto",
                       "datamgmt/p2p/v1/p2p.proto",
                       "datamgmt/dht/v1/dht.proto",
                       "datamgmt/dht/v1/peer_dialer.proto",
                       "datamgmt/peers/v1/peers.proto",
                       "datamgmt/health/v1/health_monitor.proto",
                   }));
}

TEST_F(DocumentationTest, EveryFileOpensWithAHeaderComment) {
  for (const FileDescriptor* file : files_) {
    SourceLocation loc;
    // The comment above `syntax = "proto3";` (field 12 of
    // FileDescriptorProto).
    ASSERT_TRUE(file->GetSourceLocation({12}, &loc)) << file->name();
    EXPECT_GT(loc.leading_comments.size(), 200u) << file->name();
  }
}

TEST_F(DocumentationTest, EveryServiceRpcMessageFieldAndEnumIsDocumented) {
  for (const FileDescriptor* file : files_) {
    for (int i = 0; i < file->service_count(); ++i) {
      const ServiceDescriptor* s = file->service(i);
      ExpectDocumented(s);
      for (int j = 0; j < s->method_count(); ++j) {
        const MethodDescriptor* m = s->method(j);
        ExpectDocumented(m);
        SourceLocation loc;
        if (m->GetSourceLocation(&loc)) {
          std::string lower = loc.leading_comments;
          std::transform(lower.begin(), lower.end(), lower.begin(),
                         [](unsigned char c) { return std::tolower(c); });
          EXPECT_NE(lower.find("error"), std::string::npos)
              << m->full_name() << " does not state its errors";
        }
      }
    }
    for (int i = 0; i < file->extension_count(); ++i) {
      ExpectDocumented(file->extension(i));
    }
    for (int i = 0; i < file->message_type_count(); ++i) {
      ExpectMessageDocumented(file->message_type(i));
    }
    for (int i = 0; i < file->enum_type_count(); ++i) {
      ExpectEnumDocumented(file->enum_type(i));
    }
  }
}

}  // namespace
}  // namespace datamgmt

#include "gateway/auth/auth.h"

#include <string>
#include <vector>

#include "datamgmt/dht/v1/dht.pb.h"
#include "datamgmt/health/v1/health_monitor.pb.h"
#include "datamgmt/peers/v1/peers.pb.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::auth {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kToken[] = "0123456789abcdef-token";
constexpr char kPut[] = "datamgmt.dht.v1.DhtService.PutData";
constexpr char kGet[] = "datamgmt.dht.v1.DhtService.GetData";

AuthOptions TokenOptions(bool reads = false) {
  AuthOptions options;
  options.mode = AuthMode::kToken;
  options.token = kToken;
  options.reads = reads;
  return options;
}

TEST(AuthOptionsTest, TokenModeIsTheDefaultAndNeedsAToken) {
  AuthOptions options;
  EXPECT_EQ(options.mode, AuthMode::kToken);
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(options.Validate().message(), HasSubstr("needs a token"));
  EXPECT_TRUE(TokenOptions().Validate().ok());
  AuthOptions off;
  off.mode = AuthMode::kOff;
  EXPECT_TRUE(off.Validate().ok());
}

TEST(AuthOptionsTest, TokenMustBeVisibleAsciiWithinTheLimit) {
  AuthOptions options = TokenOptions();
  for (const char* bad : {"has space", "tab\there", "caf\xc3\xa9", "nl\n"}) {
    options.token = bad;
    absl::Status s = options.Validate();
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(s.message(), Not(HasSubstr(bad)));  // never echo the token
  }
  options.token = std::string(kMaxTokenLength, 'x');
  EXPECT_TRUE(options.Validate().ok());
  options.token.push_back('x');
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ParseAuthModeTest, TokenOrOff) {
  EXPECT_EQ(ParseAuthMode("token").value(), AuthMode::kToken);
  EXPECT_EQ(ParseAuthMode("off").value(), AuthMode::kOff);
  for (const char* bad : {"", "on", "Token", "none", "false"}) {
    EXPECT_EQ(ParseAuthMode(bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
}

TEST(ClassifyRequestTest, ReadsAreGetAndHeadOfOrdinaryRoutes) {
  EXPECT_EQ(ClassifyRequest("GET", kGet), Access::kRead);
  EXPECT_EQ(ClassifyRequest("HEAD", kGet), Access::kRead);
  EXPECT_EQ(ClassifyRequest("GET", ""), Access::kRead);  // no route
}

TEST(ClassifyRequestTest, EveryOtherMethodIsAWrite) {
  for (const char* method :
       {"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT",
        "PROPFIND", "get"}) {
    EXPECT_EQ(ClassifyRequest(method, kPut), Access::kWrite) << method;
    EXPECT_EQ(ClassifyRequest(method, ""), Access::kWrite) << method;
  }
}

TEST(ClassifyRequestTest, AdministrativeRpcsAreWritesEvenOverGet) {
  for (const char* rpc : {"datamgmt.peers.v1.PeerManager.AddPeer",
                          "datamgmt.peers.v1.PeerManager.RemovePeer",
                          "datamgmt.peers.v1.PeerManager.RecordContacts",
                          "datamgmt.peers.v1.PeerManager.MergePeers",
                          "datamgmt.peers.v1.PeerManager.ReportPeerStandings",
                          "datamgmt.health.v1.HealthMonitor.RunCheck",
                          "datamgmt.dht.v1.DhtService.RotateIdentity"}) {
    EXPECT_TRUE(IsAdministrativeRpc(rpc)) << rpc;
    EXPECT_EQ(ClassifyRequest("GET", rpc), Access::kWrite) << rpc;
  }
  for (const char* rpc : {kGet, kPut, "datamgmt.peers.v1.PeerManager.ListPeers",
                          "datamgmt.health.v1.HealthMonitor.GetStatus", ""}) {
    EXPECT_FALSE(IsAdministrativeRpc(rpc)) << rpc;
  }
}

TEST(AdministrativeRpcsTest, EveryNameIsAMethodOfTheProtos) {
  // Links the generated code so that the pool knows the files.
  ASSERT_NE(peers::v1::Peer::descriptor(), nullptr);
  ASSERT_NE(health::v1::CheckRound::descriptor(), nullptr);
  ASSERT_NE(dht::v1::RotateIdentityRequest::descriptor(), nullptr);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (absl::string_view rpc : AdministrativeRpcs()) {
    EXPECT_NE(pool->FindMethodByName(std::string(rpc)), nullptr) << rpc;
  }
}

std::vector<absl::string_view> Headers(std::vector<absl::string_view> v) {
  return v;
}

TEST(AuthenticatorTest, OffAllowsEverything) {
  AuthOptions options;
  options.mode = AuthMode::kOff;
  Authenticator auth(options);
  EXPECT_FALSE(auth.enabled());
  for (Access access : {Access::kProbe, Access::kRead, Access::kWrite}) {
    EXPECT_FALSE(auth.Required(access));
    EXPECT_EQ(auth.Check(access, {}), AuthResult::kAllowed);
    EXPECT_EQ(auth.Check(access, Headers({"Bearer wrong"})),
              AuthResult::kAllowed);
  }
}

TEST(AuthenticatorTest, WritesNeedTheRightToken) {
  Authenticator auth(TokenOptions());
  EXPECT_TRUE(auth.enabled());
  EXPECT_TRUE(auth.Required(Access::kWrite));
  EXPECT_EQ(auth.Check(Access::kWrite, {}), AuthResult::kMissing);
  EXPECT_EQ(auth.Check(Access::kWrite, Headers({"Bearer"})),
            AuthResult::kMissing);
  EXPECT_EQ(auth.Check(Access::kWrite,
                       Headers({"Basic MDEyMzQ1Njc4OWFiY2RlZi10b2tlbg=="})),
            AuthResult::kMissing);
  EXPECT_EQ(auth.Check(Access::kWrite, Headers({"Bearer wrong"})),
            AuthResult::kInvalid);
  EXPECT_EQ(auth.Check(Access::kWrite,
                       Headers({"Bearer 0123456789abcdef-toke"})),  // shorter
            AuthResult::kInvalid);
  EXPECT_EQ(auth.Check(Access::kWrite,
                       Headers({"Bearer 0123456789abcdef-tokenn"})),  // longer
            AuthResult::kInvalid);
  EXPECT_EQ(auth.Check(Access::kWrite,
                       Headers({"Bearer 0123456789ABCDEF-token"})),
            AuthResult::kInvalid);
  EXPECT_EQ(auth.Check(Access::kWrite,
                       Headers({"Bearer 0123456789abcdef-token"})),
            AuthResult::kAllowed);
  EXPECT_EQ(auth.Check(Access::kWrite,
                       Headers({"  bearer   0123456789abcdef-token "})),
            AuthResult::kAllowed);
}

TEST(AuthenticatorTest, SeveralAuthorizationHeadersAreRefused) {
  Authenticator auth(TokenOptions());
  EXPECT_EQ(auth.Check(Access::kWrite,
                       Headers({"Bearer 0123456789abcdef-token",
                                "Bearer 0123456789abcdef-token"})),
            AuthResult::kInvalid);
}

TEST(AuthenticatorTest, ReadsAreOpenUnlessAsked) {
  Authenticator open_reads(TokenOptions(/*reads=*/false));
  EXPECT_FALSE(open_reads.Required(Access::kRead));
  EXPECT_EQ(open_reads.Check(Access::kRead, {}), AuthResult::kAllowed);
  // A wrong token on an open read does not matter.
  EXPECT_EQ(open_reads.Check(Access::kRead, Headers({"Bearer wrong"})),
            AuthResult::kAllowed);

  Authenticator closed_reads(TokenOptions(/*reads=*/true));
  EXPECT_TRUE(closed_reads.Required(Access::kRead));
  EXPECT_EQ(closed_reads.Check(Access::kRead, {}), AuthResult::kMissing);
  EXPECT_EQ(closed_reads.Check(Access::kRead,
                               Headers({"Bearer 0123456789abcdef-token"})),
            AuthResult::kAllowed);
}

TEST(AuthenticatorTest, ProbesAreAlwaysOpen) {
  Authenticator auth(TokenOptions(/*reads=*/true));
  EXPECT_FALSE(auth.Required(Access::kProbe));
  EXPECT_EQ(auth.Check(Access::kProbe, {}), AuthResult::kAllowed);
}

}  // namespace
}  // namespace datamgmt::gateway::auth

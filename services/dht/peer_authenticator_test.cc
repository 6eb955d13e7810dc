#include "services/dht/peer_authenticator.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "common/crypto/node_key.h"
#include "gtest/gtest.h"

namespace datamgmt::dht {
namespace {

using kademlia::NodeId;

struct Peer {
  NodeId id;
  std::string cert;
};

Peer NewPeer() {
  absl::StatusOr<crypto::NodeKey> key = crypto::NodeKey::Generate();
  EXPECT_TRUE(key.ok());
  absl::StatusOr<std::string> cert =
      key->SelfSignedCertificatePem(absl::FromUnixSeconds(1'700'000'000));
  EXPECT_TRUE(cert.ok());
  return {NodeId(key->Id()), *cert};
}

TEST(PeerAuthenticatorTest, AcceptsTheIdBoundToTheCertificate) {
  PeerAuthenticator auth({});
  const Peer a = NewPeer();
  EXPECT_TRUE(auth.Check(a.cert, a.id, "sender").ok());
  EXPECT_EQ(*auth.IdOfCertificate(a.cert), a.id);
}

TEST(PeerAuthenticatorTest, RefusesAnotherIdNoCertificateAndGarbage) {
  PeerAuthenticator auth({});
  const Peer a = NewPeer();
  const Peer b = NewPeer();
  absl::Status claims_b = auth.Check(a.cert, b.id, "sender");
  EXPECT_EQ(claims_b.code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(absl::StrContains(claims_b.message(), b.id.ShortHex()));
  EXPECT_TRUE(absl::StrContains(claims_b.message(), a.id.ShortHex()));
  EXPECT_EQ(auth.Check(std::nullopt, a.id, "responder").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.Check("not a certificate", a.id, "sender").code(),
            absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(auth.IdOfCertificate("not a certificate").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(PeerAuthenticatorTest, CacheIsBounded) {
  PeerAuthenticator auth({.cache_size = 2});
  const Peer a = NewPeer(), b = NewPeer(), c = NewPeer();
  ASSERT_TRUE(auth.Check(a.cert, a.id, "sender").ok());
  ASSERT_TRUE(auth.Check(a.cert, a.id, "sender").ok());
  EXPECT_EQ(auth.cached(), 1u);
  ASSERT_TRUE(auth.Check(b.cert, b.id, "sender").ok());
  EXPECT_EQ(auth.cached(), 2u);
  ASSERT_TRUE(auth.Check(c.cert, c.id, "sender").ok());
  EXPECT_LE(auth.cached(), 2u);
  // Entries dropped from the cache are parsed again, with the same answer.
  EXPECT_TRUE(auth.Check(a.cert, a.id, "sender").ok());
  EXPECT_EQ(auth.Check(a.cert, b.id, "sender").code(),
            absl::StatusCode::kUnauthenticated);
}

}  // namespace
}  // namespace datamgmt::dht

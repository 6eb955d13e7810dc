// TlsOptions validation and NewServerTlsContext against real PEM files made
// at test time: what an operator who mixes up the files is told.
#include "gateway/http/tls.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "gateway/http/test_certs.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace datamgmt::gateway::http {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

TEST(TlsOptionsTest, BothFilesOrNeither) {
  EXPECT_TRUE(TlsOptions{}.Validate().ok());
  EXPECT_FALSE(TlsOptions{}.enabled());
  TlsOptions both{.cert_file = "a.crt", .key_file = "a.key"};
  EXPECT_TRUE(both.Validate().ok());
  EXPECT_TRUE(both.enabled());

  TlsOptions cert_only;
  cert_only.cert_file = "a.crt";
  EXPECT_TRUE(cert_only.enabled());
  EXPECT_EQ(cert_only.Validate().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(cert_only.Validate().message(),
              HasSubstr("only the certificate file is set"));
  TlsOptions key_only;
  key_only.key_file = "a.key";
  EXPECT_THAT(key_only.Validate().message(),
              HasSubstr("only the key file is set"));
}

TEST(TlsOptionsTest, HandshakeTimeoutMustBePositive) {
  TlsOptions options{.cert_file = "a.crt",
                     .key_file = "a.key",
                     .handshake_timeout = absl::ZeroDuration()};
  EXPECT_EQ(options.Validate().code(), absl::StatusCode::kInvalidArgument);
}

class TlsContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<TestCert> a = WriteSelfSignedCert(dir_, "a");
    ASSERT_TRUE(a.ok()) << a.status();
    a_ = *a;
    absl::StatusOr<TestCert> b = WriteSelfSignedCert(dir_, "b");
    ASSERT_TRUE(b.ok()) << b.status();
    b_ = *b;
  }

  const std::string dir_ = ::testing::TempDir();
  TestCert a_, b_;
};

TEST_F(TlsContextTest, MatchingCertificateAndKeyLoad) {
  auto context = NewServerTlsContext(
      {.cert_file = a_.cert_file, .key_file = a_.key_file});
  ASSERT_TRUE(context.ok()) << context.status();
  EXPECT_NE(*context, nullptr);
}

TEST_F(TlsContextTest, KeyOfAnotherCertificateIsRefused) {
  auto context = NewServerTlsContext(
      {.cert_file = a_.cert_file, .key_file = b_.key_file});
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(context.status().message(),
              AllOf(HasSubstr(b_.key_file), HasSubstr("does not match"),
                    HasSubstr(a_.cert_file)));
}

TEST_F(TlsContextTest, MissingFileIsNamedWithTheReason) {
  const std::string missing = absl::StrCat(dir_, "/missing.crt");
  auto context =
      NewServerTlsContext({.cert_file = missing, .key_file = a_.key_file});
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(context.status().message(),
              AllOf(HasSubstr("TLS certificate file"), HasSubstr(missing),
                    HasSubstr("No such file")));

  auto no_key = NewServerTlsContext(
      {.cert_file = a_.cert_file, .key_file = absl::StrCat(dir_, "/nokey")});
  EXPECT_THAT(no_key.status().message(),
              AllOf(HasSubstr("TLS key file"), HasSubstr("cannot read")));
}

TEST_F(TlsContextTest, SwappedOrGarbageFilesAreRefused) {
  auto swapped = NewServerTlsContext(
      {.cert_file = a_.key_file, .key_file = a_.cert_file});
  EXPECT_EQ(swapped.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(swapped.status().message(),
              AllOf(HasSubstr("TLS certificate file"),
                    HasSubstr("no usable PEM certificate")));

  const std::string garbage = WriteTestFile(dir_, "garbage.pem", "not PEM\n");
  ASSERT_FALSE(garbage.empty());
  auto bad_key =
      NewServerTlsContext({.cert_file = a_.cert_file, .key_file = garbage});
  EXPECT_THAT(bad_key.status().message(),
              AllOf(HasSubstr("TLS key file"),
                    HasSubstr("no unencrypted PEM private key")));
  // The certificate file holds no key either.
  auto cert_as_key = NewServerTlsContext(
      {.cert_file = a_.cert_file, .key_file = a_.cert_file});
  EXPECT_THAT(cert_as_key.status().message(),
              HasSubstr("no unencrypted PEM private key"));
}

TEST_F(TlsContextTest, EncryptedKeyIsRefusedWithoutPrompting) {
  absl::StatusOr<TestCert> locked =
      WriteSelfSignedCert(dir_, "locked", "passphrase");
  ASSERT_TRUE(locked.ok()) << locked.status();
  auto context = NewServerTlsContext(
      {.cert_file = locked->cert_file, .key_file = locked->key_file});
  EXPECT_EQ(context.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(context.status().message(),
              HasSubstr("no unencrypted PEM private key"));
}

TEST_F(TlsContextTest, OneFileOnlyIsRefusedBeforeReading) {
  TlsOptions cert_only;
  cert_only.cert_file = a_.cert_file;
  auto context = NewServerTlsContext(cert_only);
  EXPECT_THAT(context.status().message(),
              HasSubstr("only the certificate file is set"));
  EXPECT_EQ(NewServerTlsContext({}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace datamgmt::gateway::http

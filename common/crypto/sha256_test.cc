#include "common/crypto/sha256.h"

#include "gtest/gtest.h"

namespace datamgmt::crypto {
namespace {

// Test vectors from FIPS 180-2.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(Sha256Hex(""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(Sha256Hex("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Sha256Hex(std::string(1000000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, BinaryInputWithNulBytes) {
  // Reference digest from coreutils: printf 'a\0b' | sha256sum
  EXPECT_EQ(Sha256Hex(std::string("a\0b", 3)),
            "59b271ae1bbcb1d31d41929817f4b16fb439eb4f31520b5ad1d5ce98920a7138");
  EXPECT_NE(Sha256(std::string("a\0b", 3)), Sha256("a"));
}

}  // namespace
}  // namespace datamgmt::crypto

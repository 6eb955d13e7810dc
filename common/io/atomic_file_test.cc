#include "common/io/atomic_file.h"

#include <sys/stat.h>

#include <filesystem>

#include "gtest/gtest.h"

namespace datamgmt::io {
namespace {

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(MakeDirectories(dir_).ok());
  }
  // Files in dir_ other than `keep`.
  int OtherFiles(const std::string& keep) {
    int n = 0;
    for (const auto& e : std::filesystem::directory_iterator(dir_)) {
      if (e.path().filename() != keep) ++n;
    }
    return n;
  }
  std::string dir_;
};

TEST_F(AtomicFileTest, WritesAndReplacesBinaryContents) {
  const std::string path = dir_ + "/f";
  const std::string first("one\0two", 7);
  ASSERT_TRUE(WriteFileAtomically(path, first).ok());
  EXPECT_EQ(*ReadFile(path), first);
  ASSERT_TRUE(WriteFileAtomically(path, "replaced").ok());
  EXPECT_EQ(*ReadFile(path), "replaced");
  EXPECT_EQ(OtherFiles("f"), 0) << "temporary files left behind";
}

TEST_F(AtomicFileTest, AppliesMode) {
  const std::string path = dir_ + "/secret";
  ASSERT_TRUE(WriteFileAtomically(path, "k", 0600).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(AtomicFileTest, FailureLeavesOldFileAndNoTemporary) {
  const std::string path = dir_ + "/f";
  ASSERT_TRUE(WriteFileAtomically(path, "old").ok());
  // Renaming a file onto a non-empty directory fails: simulate by writing to
  // a path that is a directory.
  const std::string as_dir = dir_ + "/d";
  ASSERT_TRUE(MakeDirectories(as_dir + "/child").ok());
  absl::Status s = WriteFileAtomically(as_dir, "new");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(as_dir), std::string::npos) << s;
  EXPECT_EQ(*ReadFile(path), "old");
  for (const auto& e : std::filesystem::directory_iterator(dir_)) {
    EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos)
        << e.path();
  }
}

TEST_F(AtomicFileTest, MissingDirectoryIsAnError) {
  absl::Status s = WriteFileAtomically(dir_ + "/no/such/dir/f", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
}

TEST_F(AtomicFileTest, ReadMissingFileIsNotFound) {
  EXPECT_EQ(ReadFile(dir_ + "/missing").status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace datamgmt::io

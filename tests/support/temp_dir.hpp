#pragma once
// A uniquely named directory under /tmp for one test, removed when the object goes away
// (kept when GG_KEEP_TEST_DIRS is set, for post-mortems). Mode 0755 so that the postgres
// system user can traverse it when tests run as root.

#include <filesystem>
#include <string>

namespace gg::test {

class temp_dir {
 public:
  explicit temp_dir(const std::string& prefix = "gg-test");
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(const std::string& leaf) const { return path_ / leaf; }

 private:
  std::filesystem::path path_;
};

/// Reads a whole file; empty when it does not exist.
std::string read_file(const std::filesystem::path& p);

}  // namespace gg::test

#pragma once
// file_system on the real POSIX calls (open/writev/fdatasync/rename/fsync of the directory).

#include <gadgetgrove/eventlog/file_system.hpp>

#include <memory>

namespace gg::eventlog {

/// The real file system. Stateless and thread-safe; EINTR is retried inside every call.
class posix_file_system final : public file_system {
 public:
  result<std::unique_ptr<writable_file>> open_append(const std::string& path) override;
  result<std::string> read_file(const std::string& path) override;
  result<std::vector<std::string>> list_dir(const std::string& dir) override;
  status create_dirs(const std::string& dir) override;
  status sync_dir(const std::string& dir) override;
  status rename(const std::string& from, const std::string& to) override;
  status truncate(const std::string& path, std::uint64_t size) override;
  status unlink(const std::string& path) override;
  result<std::uint64_t> available_bytes(const std::string& dir) override;

  /// A shared instance for callers that do not inject one.
  static std::shared_ptr<file_system> shared();
};

}  // namespace gg::eventlog

#include "serve_process.hpp"

#include "temp_dir.hpp"

#include <simdjson.h>

#include <thread>

namespace gg::test {
namespace {

unsigned short port_of(std::string_view address) {
  auto colon = address.rfind(':');
  if (colon == std::string_view::npos) return 0;
  return static_cast<unsigned short>(std::stoul(std::string(address.substr(colon + 1))));
}

}  // namespace

std::optional<serve_endpoints> read_serve_json(const std::filesystem::path& data_dir) {
  auto text = read_file(data_dir / "serve.json");
  if (text.empty()) return std::nullopt;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(text).get(doc)) return std::nullopt;
  std::string_view pub, adm, db;
  int64_t pid = 0;
  if (doc["public"].get(pub) || doc["admin"].get(adm) || doc["database"].get(db) ||
      doc["pid"].get(pid)) {
    return std::nullopt;
  }
  return serve_endpoints{port_of(pub), port_of(adm), std::string(db), static_cast<int>(pid)};
}

serve_process::serve_process(const std::filesystem::path& data_dir, std::vector<std::string> extra,
                             const std::map<std::string, std::string>& env)
    : data_dir_(data_dir) {
  std::vector<std::string> args{"serve",       "--data-dir",   data_dir.string(),
                                "--listen",    "127.0.0.1:0",  "--admin-listen",
                                "127.0.0.1:0", "--log-format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  std::filesystem::create_directories(data_dir.parent_path());
  child_ = std::make_unique<child_process>(binary_path(), args, data_dir.parent_path(), env);
}

bool serve_process::wait_ready(std::chrono::milliseconds timeout, std::string* why) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (auto ep = read_serve_json(data_dir_); ep && ep->pid == child_->pid()) {
      endpoints_ = *ep;
      return true;
    }
    if (!child_->running()) {
      if (why) *why = "serve exited early:\n" + log();
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (why) *why = "serve not ready in time:\n" + log();
  return false;
}

}  // namespace gg::test

#include <gadgetgrove/core/serve_info.hpp>

#include <boost/json.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

namespace gg {
namespace {

namespace json = boost::json;

result<std::string> string_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return fail(errc::invalid_input,
                "serve.json: \"" + std::string(key) + "\" is missing or not a string");
  }
  return std::string(v->get_string());
}

}  // namespace

std::string format_serve_info(const serve_info& info) {
  const json::object o{{"public", info.public_address},
                       {"admin", info.admin_address},
                       {"database", info.database},
                       {"pid", static_cast<std::int64_t>(info.pid)},
                       {"node", info.node}};
  std::string text = json::serialize(o);
  text.push_back('\n');
  return text;
}

result<serve_info> parse_serve_info(std::string_view text) {
  boost::system::error_code ec;
  const json::value doc = json::parse(json::string_view(text.data(), text.size()), ec);
  if (ec) return fail(errc::invalid_input, "serve.json: " + ec.message());
  const json::object* o = doc.if_object();
  if (o == nullptr) return fail(errc::invalid_input, "serve.json: not a JSON object");
  serve_info info;
  auto pub = string_member(*o, "public");
  if (!pub) return pub.error();
  info.public_address = std::move(*pub);
  auto admin = string_member(*o, "admin");
  if (!admin) return admin.error();
  info.admin_address = std::move(*admin);
  auto database = string_member(*o, "database");
  if (!database) return database.error();
  info.database = std::move(*database);
  const json::value* pid = o->if_contains("pid");
  if (pid == nullptr || !pid->is_int64() || pid->get_int64() <= 0) {
    return fail(errc::invalid_input, "serve.json: \"pid\" is missing or not a positive integer");
  }
  info.pid = static_cast<pid_t>(pid->get_int64());
  // Optional: a serve of an older version wrote no node.
  if (o->contains("node")) {
    auto node = string_member(*o, "node");
    if (!node) return node.error();
    info.node = std::move(*node);
  }
  return info;
}

status write_serve_info(const std::filesystem::path& data_dir, const serve_info& info) {
  const std::string body = format_serve_info(info);
  const auto final_path = data_dir / serve_info_file;
  auto tmp_path = final_path;
  tmp_path += ".tmp";
  const int fd = ::open(tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return from_errno("open " + tmp_path.string(), errno);
  const bool ok = ::write(fd, body.data(), body.size()) == static_cast<ssize_t>(body.size()) &&
                  ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!ok) return from_errno("write " + tmp_path.string(), err);
  if (::rename(tmp_path.c_str(), final_path.c_str()) != 0) {
    return from_errno("rename " + final_path.string(), errno);
  }
  return {};
}

result<serve_info> read_serve_info(const std::filesystem::path& data_dir) {
  const auto path = data_dir / serve_info_file;
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(errc::not_found, "no " + path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return parse_serve_info(text.str());
}

void remove_serve_info(const std::filesystem::path& data_dir) {
  std::error_code ec;
  std::filesystem::remove(data_dir / serve_info_file, ec);
}

}  // namespace gg

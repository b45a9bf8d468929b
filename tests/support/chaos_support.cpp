#include "chaos_support.hpp"

#include "eventually.hpp"
#include "pg_query.hpp"
#include "temp_dir.hpp"

#include <gadgetgrove/pg/embedded_cluster.hpp>

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <thread>

namespace gg::test::chaos {

namespace fs = std::filesystem;

bool long_form() {
  const char* v = std::getenv("GG_CHAOS_LONG");
  const bool on = v != nullptr && std::string(v) == "1";
  std::cerr << "chaos: " << (on ? "long" : "short") << " form (GG_CHAOS_LONG=1 for the long one)"
            << std::endl;
  return on;
}

unsigned short free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) FAIL("socket() failed");
  ::sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::socklen_t len = sizeof a;
  if (::bind(fd, reinterpret_cast<::sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd, reinterpret_cast<::sockaddr*>(&a), &len) != 0) {
    ::close(fd);
    FAIL("cannot find a free port");
  }
  ::close(fd);
  return ntohs(a.sin_port);
}

namespace {

std::vector<std::string> serve_argv(const fs::path& data_dir, unsigned short public_port,
                                    std::vector<std::string> extra) {
  std::vector<std::string> args{"serve",
                                "--data-dir",
                                data_dir.string(),
                                "--listen",
                                "127.0.0.1:" + std::to_string(public_port),
                                "--admin-listen",
                                "127.0.0.1:0",
                                "--log-format",
                                "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

chaos_serve::chaos_serve(const fs::path& data_dir, const fs::path& log_dir,
                         unsigned short public_port, std::vector<std::string> extra,
                         const std::map<std::string, std::string>& env)
    : chaos_serve({}, data_dir, log_dir, public_port, std::move(extra), env) {}

chaos_serve::chaos_serve(const std::vector<std::string>& launcher, const fs::path& data_dir,
                         const fs::path& log_dir, unsigned short public_port,
                         std::vector<std::string> extra,
                         const std::map<std::string, std::string>& env)
    : data_dir_(data_dir) {
  fs::create_directories(log_dir);
  auto args = serve_argv(data_dir, public_port, std::move(extra));
  if (launcher.empty()) {
    child_ = std::make_unique<child_process>(binary_path(), args, log_dir, env);
  } else {
    std::vector<std::string> full(launcher.begin() + 1, launcher.end());
    full.push_back(binary_path());
    full.insert(full.end(), args.begin(), args.end());
    child_ = std::make_unique<child_process>(launcher.front(), full, log_dir, env);
  }
}

void chaos_serve::wait_ready(std::chrono::milliseconds timeout) {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (auto ep = read_serve_json(data_dir_); ep && ep->pid == child_->pid()) {
      endpoints_ = *ep;
      return;
    }
    if (!child_->running()) FAIL("serve exited early:\n" << log());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("serve not ready in time:\n" << log());
}

std::string chaos_serve::public_url() const {
  return "http://127.0.0.1:" + std::to_string(endpoints_.public_port);
}

std::string chaos_serve::admin_url() const {
  return "http://127.0.0.1:" + std::to_string(endpoints_.admin_port);
}

small_fs::small_fs(const fs::path& mount_point, std::uint64_t bytes) : mount_point_(mount_point) {
  fs::create_directories(mount_point_);
  // 0755: the embedded PostgreSQL runs as another user when the tests run as root.
  const std::string opts = "size=" + std::to_string(bytes) + ",mode=0755";
  if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, opts.c_str()) == 0) {
    return;
  }
  const int tmpfs_errno = errno;
  image_ = mount_point_.string() + ".img";
  const fs::path log_dir = mount_point_.parent_path();
  auto mk =
      run_to_end("/sbin/mkfs.ext4",
                 {"-q", "-F", "-m", "0", image_.string(), std::to_string(bytes / 1024)}, log_dir);
  if (mk.status == 0) {
    auto mnt =
        run_to_end("/bin/mount", {"-o", "loop", image_.string(), mount_point_.string()}, log_dir);
    if (mnt.status == 0) {
      loop_ = true;
      fs::permissions(mount_point_, fs::perms(0755));
      return;
    }
    FAIL("cannot mount a small file system: tmpfs: " << std::strerror(tmpfs_errno)
                                                     << "; loop image: " << mnt.err);
  }
  FAIL("cannot mount a small file system: tmpfs: " << std::strerror(tmpfs_errno)
                                                   << "; mkfs.ext4: " << mk.err);
}

small_fs::~small_fs() {
  ::umount2(mount_point_.c_str(), MNT_DETACH);
  if (loop_) {
    std::error_code ec;
    fs::remove(image_, ec);
  }
}

std::uint64_t small_fs::free_bytes() const {
  struct ::statvfs st {};
  if (::statvfs(mount_point_.c_str(), &st) != 0) FAIL("statvfs " << mount_point_);
  return static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize;
}

void small_fs::fill(std::uint64_t leave) {
  const fs::path f = mount_point_ / ("filler-" + std::to_string(filler_++));
  const int fd = ::open(f.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) FAIL("cannot create " << f << ": " << std::strerror(errno));
  const std::string chunk(1 << 16, 'x');
  while (true) {
    const std::uint64_t free = free_bytes();
    if (free <= leave) break;
    const std::size_t n =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk.size(), free - leave));
    const ssize_t w = ::write(fd, chunk.data(), n);
    if (w < 0 && errno == ENOSPC) break;
    if (w <= 0) {
      ::close(fd);
      FAIL("writing " << f << ": " << std::strerror(errno));
    }
  }
  ::fsync(fd);
  ::close(fd);
}

void small_fs::release() {
  for (int i = 0; i < filler_; ++i) {
    std::error_code ec;
    fs::remove(mount_point_ / ("filler-" + std::to_string(i)), ec);
  }
  filler_ = 0;
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::vector<std::string> out;
  std::ifstream in(p);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::size_t segments_left(const fs::path& data) {
  std::size_t n = 0;
  std::error_code ec;
  if (!fs::exists(data / "log", ec)) return 0;
  for (const auto& entry : fs::recursive_directory_iterator(data / "log", ec)) {
    if (entry.path().filename().string().find(".jsonl") != std::string::npos) ++n;
  }
  return n;
}

pg::connection connect_embedded(const fs::path& data_dir) {
  auto info = pg::embedded_cluster::running_conninfo(data_dir);
  if (!info) FAIL("no embedded PostgreSQL runs for " << data_dir << ": " << info.error().message);
  auto conn = pg::connection::open(*info);
  if (!conn) FAIL("cannot connect to the embedded PostgreSQL: " << conn.error().message);
  return std::move(*conn);
}

std::map<std::string, int> ids_in_raw_tables(pg::connection& conn) {
  std::map<std::string, int> seen;
  auto r = conn.exec(
      "SELECT event_id::text, count(*) FROM ("
      " SELECT event_id FROM raw_data.page_views UNION ALL"
      " SELECT event_id FROM raw_data.user_events UNION ALL"
      " SELECT event_id FROM raw_data.ecommerce_events UNION ALL"
      " SELECT event_id FROM raw_data.analytics_events UNION ALL"
      " SELECT event_id FROM raw_data.event_queue) e GROUP BY 1");
  if (!r) FAIL("reading raw_data: " << r.error().message);
  for (int i = 0; i < r->rows(); ++i) {
    seen[std::string(r->get(i, 0))] = std::stoi(std::string(r->get(i, 1)));
  }
  return seen;
}

delivery compare_delivery(pg::connection& conn, const std::vector<std::string>& acked) {
  const auto in_db = ids_in_raw_tables(conn);
  std::set<std::string> rejected;
  {
    // A rejected line may not be JSON at all: the id is read with a pattern, not a parser.
    auto r = conn.exec(
        "SELECT substring(raw from '\"event_id\":\"([^\"]+)\"') FROM raw_data.rejected_events");
    if (!r) FAIL("reading raw_data.rejected_events: " << r.error().message);
    for (int i = 0; i < r->rows(); ++i) {
      if (!r->is_null(i, 0)) rejected.insert(std::string(r->get(i, 0)));
    }
  }
  delivery d;
  const std::set<std::string> distinct(acked.begin(), acked.end());
  d.acknowledged = distinct.size();
  for (const auto& id : distinct) {
    auto it = in_db.find(id);
    if (it == in_db.end())
      ++d.lost;
    else if (it->second > 1)
      ++d.doubled;
    if (rejected.count(id) != 0) ++d.rejected;
  }
  return d;
}

std::map<std::string, std::string> analytics_digest(pg::connection& conn) {
  std::map<std::string, std::string> out;
  auto tables = conn.exec(
      "SELECT quote_ident(table_name) FROM information_schema.tables WHERE table_schema = "
      "'analytics' AND table_type = 'BASE TABLE' ORDER BY 1");
  if (!tables) FAIL("listing analytics tables: " << tables.error().message);
  for (int i = 0; i < tables->rows(); ++i) {
    const std::string t(tables->get(i, 0));
    // The catalog gave the quoted name; the digest orders rows by their text form, so two
    // tables with the same rows give the same digest whatever their physical order.
    const std::string sql =
        "SELECT count(*)::text || ' rows, md5 ' || coalesce(md5(string_agg("
        "r::text, E'\\n' ORDER BY r::text)), '-') FROM analytics." +
        t + " r";
    out[t] = text(conn, sql);
  }
  return out;
}

run_result cli(const std::vector<std::string>& args, const fs::path& log_dir,
               std::chrono::milliseconds timeout) {
  fs::create_directories(log_dir);
  auto r = run_to_end(binary_path(), args, log_dir, timeout);
  std::string cmd = "gadgetgrove";
  for (const auto& a : args) cmd += " " + a;
  UNSCOPED_INFO(cmd << " -> " << r.status << "\nstdout:\n" << r.out << "\nstderr:\n" << r.err);
  return r;
}

namespace {

std::uint64_t status_field_kib(int pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field + ":", 0) == 0) {
      std::istringstream s(line.substr(field.size() + 1));
      std::uint64_t kib = 0;
      s >> kib;
      return kib;
    }
  }
  return 0;
}

}  // namespace

std::uint64_t peak_rss_kib(int pid) { return status_field_kib(pid, "VmHWM"); }
std::uint64_t rss_kib(int pid) { return status_field_kib(pid, "VmRSS"); }

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace gg::test::chaos

#include <gadgetgrove/pg/embedded_cluster.hpp>

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/pg/connection.hpp>
#include <gadgetgrove/pg/conninfo.hpp>

#include "process.hpp"

#include <fcntl.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

namespace gg::pg {

namespace fs = std::filesystem;

namespace {

constexpr logger log{"pg"};
constexpr std::string_view superuser = "gadgetgrove";
constexpr std::uint16_t default_port = 5432;
// sun_path holds 108 bytes including the terminating NUL.
constexpr std::size_t max_socket_path = 107;
constexpr std::string_view debian_package = "postgresql-15";
constexpr const char* default_bin_dir = "/usr/lib/postgresql/15/bin";

std::string octal(mode_t m) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(m & 07777));
  return buf;
}

std::uint64_t fnv1a(std::string_view s) noexcept {
  std::uint64_t h = 14695981039346656037ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return h;
}

fs::path socket_dir_for(const fs::path& data_dir, std::uint16_t port) {
  fs::path dir = data_dir / "run";
  const std::string socket = (dir / (".s.PGSQL." + std::to_string(port))).string();
  if (socket.size() <= max_socket_path) return dir;
  char name[32];
  std::snprintf(name, sizeof name, "gg-pg-%016llx",
                static_cast<unsigned long long>(fnv1a(data_dir.string())));
  return fs::path("/tmp") / name;
}

bool has_server_binaries(const fs::path& dir) {
  return ::access((dir / "postgres").c_str(), X_OK) == 0 &&
         ::access((dir / "initdb").c_str(), X_OK) == 0;
}

std::optional<fs::path> find_in_path(std::string_view program) {
  const char* path = ::getenv("PATH");
  std::string_view rest = path != nullptr ? path : "/usr/bin:/bin";
  while (!rest.empty()) {
    const std::size_t colon = rest.find(':');
    const fs::path candidate = fs::path(rest.substr(0, colon)) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    rest = colon == std::string_view::npos ? std::string_view{} : rest.substr(colon + 1);
  }
  return std::nullopt;
}

result<fs::path> resolve_bin_dir(const fs::path& configured) {
  fs::path dir = configured;
  if (dir.empty()) {
    dir = default_bin_dir;
    if (auto pg_config = find_in_path("pg_config")) {
      detail::spawn_request req;
      req.argv = {pg_config->string(), "--bindir"};
      if (auto out = detail::run(req, std::chrono::seconds(10))) {
        std::string text = *out;
        while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
        if (has_server_binaries(text)) dir = text;
      }
    }
  }
  if (!has_server_binaries(dir)) {
    return error{errc::config, "PostgreSQL 15 server binaries not found in " + dir.string() +
                                   ": install the Debian package " + std::string(debian_package)};
  }
  return dir;
}

// Every directory from / down to `dir` must be searchable by the server's user. With
// `existing_only`, the walk ends quietly at the first component that does not exist yet.
status check_traversable(const detail::identity& who, const fs::path& dir, bool existing_only) {
  fs::path walked;
  for (const auto& part : dir) {
    walked /= part;
    struct stat st {};
    if (::stat(walked.c_str(), &st) != 0) {
      if (existing_only && errno == ENOENT) return {};
      return from_errno("stat " + walked.string(), errno);
    }
    if (!S_ISDIR(st.st_mode)) {
      return error{errc::config, walked.string() + " is not a directory"};
    }
    if (!detail::may_traverse(who, st.st_mode, st.st_uid, st.st_gid)) {
      return error{errc::config, "directory " + walked.string() + " (mode " + octal(st.st_mode) +
                                     ", owner uid " + std::to_string(st.st_uid) +
                                     ") is not traversable by user '" + who.name +
                                     "', who runs PostgreSQL: allow it (e.g. chmod o+x " +
                                     walked.string() + ") or use a data directory elsewhere"};
    }
  }
  return {};
}

// A 0700 directory owned by the server's user; created when missing.
status ensure_private_dir(const detail::identity& who, const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return from_errno("create directory " + dir.string(), errno);
  }
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0) return from_errno("stat " + dir.string(), errno);
  if (!S_ISDIR(st.st_mode)) return error{errc::config, dir.string() + " is not a directory"};
  if (st.st_uid != who.uid) {
    if (!who.switch_user || st.st_uid != ::geteuid()) {
      return error{errc::config, dir.string() + " is owned by uid " + std::to_string(st.st_uid) +
                                     ", not by user '" + who.name +
                                     "' who runs PostgreSQL: chown -R " + who.name + " " +
                                     dir.string()};
    }
    if (::chown(dir.c_str(), who.uid, who.gid) != 0) {
      return from_errno("chown " + dir.string() + " to " + who.name, errno);
    }
  }
  if ((st.st_mode & 07777) != 0700 && ::chmod(dir.c_str(), 0700) != 0) {
    return from_errno("chmod 0700 " + dir.string(), errno);
  }
  return {};
}

bool is_off(std::string_view v) { return v == "off" || v == "false" || v == "0" || v == "no"; }

std::string read_tail(const fs::path& file, std::size_t bytes) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg()));
  in.seekg(static_cast<std::streamoff>(size > bytes ? size - bytes : 0));
  std::string out((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return out;
}

std::string quote_ident(std::string_view name) {
  std::string out = "\"";
  for (const char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

struct pid_file {
  pid_t pid = -1;
  std::string data_dir;
  std::uint16_t port = 0;
  std::string socket_dir;
};

std::optional<pid_file> read_pid_file(const fs::path& cluster_dir) {
  std::ifstream in(cluster_dir / "postmaster.pid");
  if (!in) return std::nullopt;
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line) && lines.size() < 6;) lines.push_back(line);
  if (lines.empty()) return std::nullopt;
  pid_file f;
  try {
    f.pid = static_cast<pid_t>(std::stol(lines[0]));
    if (lines.size() > 3) f.port = static_cast<std::uint16_t>(std::stoul(lines[3]));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  if (lines.size() > 1) f.data_dir = lines[1];
  if (lines.size() > 4) f.socket_dir = lines[4];
  return f;
}

std::string make_conninfo(const std::string& socket_dir, std::uint16_t port,
                          std::string_view database) {
  return "host=" + quote_conninfo_value(socket_dir) + " port=" + std::to_string(port) +
         " dbname=" + quote_conninfo_value(database) + " user=" + std::string(superuser);
}

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

}  // namespace

embedded_cluster::embedded_cluster(cluster_options options) : options_(std::move(options)) {
  std::error_code ec;
  data_dir_ = fs::weakly_canonical(fs::absolute(options_.data_dir, ec), ec);
  if (data_dir_.empty()) data_dir_ = fs::absolute(options_.data_dir, ec);
  cluster_dir_ = data_dir_ / "pg";
  socket_dir_ = socket_dir_for(data_dir_, port());
}

embedded_cluster::~embedded_cluster() {
  if (pid_ > 0) {
    if (auto s = stop(); !s)
      log.error("stopping PostgreSQL failed", {{"error", s.error().message}});
  }
}

std::uint16_t embedded_cluster::port() const noexcept {
  return options_.listen_port != 0 ? options_.listen_port : default_port;
}

std::string embedded_cluster::conninfo() const { return conninfo(options_.database); }

std::string embedded_cluster::conninfo(std::string_view database) const {
  return make_conninfo(socket_dir_.string(), port(), database);
}

bool embedded_cluster::running() const { return pid_ > 0 && !detail::has_exited(pid_, child_); }

status embedded_cluster::prepare() {
  auto bin = resolve_bin_dir(options_.bin_dir);
  if (!bin) return bin.error();
  bin_dir_ = *bin;
  auto who = detail::resolve_identity(options_.run_as_user);
  if (!who) return who.error();
  who_ = std::make_unique<detail::identity>(std::move(*who));
  // Checked before creating anything: mkdir under an untraversable parent fails less clearly.
  if (auto s = check_traversable(*who_, data_dir_, true); !s) return s;
  std::error_code ec;
  if (!fs::exists(data_dir_, ec)) {
    fs::create_directories(data_dir_, ec);
    if (ec) return error{errc::io, "create " + data_dir_.string() + ": " + ec.message()};
    // Other users may pass through (the server's user must), but not list it.
    ::chmod(data_dir_.c_str(), 0711);
  }
  if (auto s = check_traversable(*who_, data_dir_, false); !s) return s;
  if (auto s = ensure_private_dir(*who_, socket_dir_); !s) return s;
  if (socket_dir_.parent_path() != data_dir_) {
    log.info("the socket directory would exceed the unix socket path limit; using a short one",
             {{"socket_dir", socket_dir_.string()}});
  }
  return {};
}

status embedded_cluster::init_cluster() {
  std::error_code ec;
  if (fs::exists(cluster_dir_ / "PG_VERSION", ec)) return ensure_private_dir(*who_, cluster_dir_);
  if (fs::exists(cluster_dir_, ec)) {
    if (!fs::is_empty(cluster_dir_, ec)) {
      return error{errc::config, cluster_dir_.string() +
                                     " exists but holds no PostgreSQL cluster (no PG_VERSION): "
                                     "move it away so a new cluster can be created"};
    }
    fs::remove(cluster_dir_, ec);
  }
  // initdb works in a scratch directory renamed into place at the end, so a crash mid-way
  // never leaves a half-initialised cluster behind.
  const fs::path scratch = data_dir_ / "pg.initdb";
  fs::remove_all(scratch, ec);
  if (auto s = ensure_private_dir(*who_, scratch); !s) return s;
  const auto started = std::chrono::steady_clock::now();
  detail::spawn_request req;
  req.argv = {(bin_dir_ / "initdb").string(),
              "-D",
              scratch.string(),
              "--no-sync",
              "--no-instructions",
              "--auth-local=trust",
              "--auth-host=scram-sha-256",
              "--encoding=UTF8",
              "--locale=C",
              "--username=" + std::string(superuser)};
  req.as = who_.get();
  req.death_signal = SIGKILL;
  auto out = detail::run(req, std::chrono::seconds(120));
  if (!out) {
    fs::remove_all(scratch, ec);
    return error{errc::config, "initdb failed: " + out.error().message};
  }
  const bool durable =
      std::none_of(options_.settings.begin(), options_.settings.end(),
                   [](const auto& kv) { return kv.first == "fsync" && is_off(kv.second); });
  if (durable) {
    // --no-sync skipped initdb's per-file fsyncs; one syncfs covers them all.
    const int fd = ::open(scratch.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::syncfs(fd);
      ::close(fd);
    }
  }
  if (::rename(scratch.c_str(), cluster_dir_.c_str()) != 0) {
    return from_errno("rename " + scratch.string() + " to " + cluster_dir_.string(), errno);
  }
  if (durable) {
    const int fd = ::open(data_dir_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
      ::fsync(fd);
      ::close(fd);
    }
  }
  log.info("initialised PostgreSQL cluster",
           {{"dir", cluster_dir_.string()},
            {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                       std::chrono::steady_clock::now() - started)
                       .count()}});
  return {};
}

status embedded_cluster::stop_leftover() {
  const auto found = read_pid_file(cluster_dir_);
  if (!found || !detail::process_alive(found->pid)) return {};
  const auto cmdline = detail::process_cmdline(found->pid);
  const bool ours =
      cmdline && !cmdline->empty() &&
      (fs::path((*cmdline)[0]).filename() == "postgres" ||
       fs::path((*cmdline)[0]).filename() == "postmaster") &&
      std::find(cmdline->begin(), cmdline->end(), cluster_dir_.string()) != cmdline->end();
  if (!ours) {
    // The pid was reused by an unrelated process that PostgreSQL would mistake for a running
    // postmaster.
    log.warn("removing a stale postmaster.pid whose pid belongs to another process",
             {{"pid", found->pid}});
    std::error_code ec;
    fs::remove(cluster_dir_ / "postmaster.pid", ec);
    return {};
  }
  log.warn("a PostgreSQL server left running by an earlier process is being stopped",
           {{"pid", found->pid}, {"dir", cluster_dir_.string()}});
  pid_ = found->pid;
  child_ = false;
  if (signal_and_wait(SIGINT, options_.fast_stop_timeout) ||
      signal_and_wait(SIGQUIT, options_.immediate_stop_timeout) ||
      signal_and_wait(SIGKILL, std::chrono::seconds(5))) {
    pid_ = -1;
    return {};
  }
  const pid_t stuck = std::exchange(pid_, -1);
  return error{errc::unavailable, "a PostgreSQL server (pid " + std::to_string(stuck) + ") for " +
                                      cluster_dir_.string() +
                                      " is still running and does not stop"};
}

status embedded_cluster::launch() {
  if (auto s = ensure_private_dir(*who_, cluster_dir_ / "log"); !s) return s;
  const fs::path startup_log = cluster_dir_ / "log" / "startup.log";
  const int log_fd =
      ::open(startup_log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (log_fd < 0) return from_errno("open " + startup_log.string(), errno);
  if (who_->switch_user) (void)!::fchown(log_fd, who_->uid, who_->gid);

  std::vector<std::pair<std::string, std::string>> settings{
      {"listen_addresses", options_.listen_port != 0 ? "127.0.0.1" : ""},
      {"shared_buffers", "128MB"},
      // The default (1/32 of shared_buffers: 4 MB) fills several times a second under COPY,
      // and each backend that finds it full writes WAL itself under one lock: two loader
      // workers then took turns. Measured, 500k events on 2 workers: 88-92k -> 112k rows/s.
      {"wal_buffers", "16MB"},
      {"wal_level", "minimal"},
      {"max_wal_senders", "0"},
      {"max_wal_size", "2GB"},
      {"min_wal_size", "256MB"},
      {"checkpoint_timeout", "15min"},
      {"checkpoint_completion_target", "0.9"},
      {"fsync", "on"},
      {"synchronous_commit", "on"},
      {"full_page_writes", "on"},
      {"logging_collector", "on"},
      {"log_directory", "log"},
      {"log_filename", "postgresql-%a.log"},
      {"log_truncate_on_rotation", "on"},
      {"log_rotation_age", "1d"},
      {"log_rotation_size", "0"},
      {"log_line_prefix", "%m [%p] %q%u@%d "},
      {"lc_messages", "C"},
  };
  settings.insert(settings.end(), options_.settings.begin(), options_.settings.end());
  detail::spawn_request req;
  req.argv = {(bin_dir_ / "postgres").string(),
              "-D",
              cluster_dir_.string(),
              "-k",
              socket_dir_.string(),
              "-p",
              std::to_string(port())};
  for (const auto& [k, v] : settings) {
    req.argv.emplace_back("-c");
    req.argv.emplace_back(k + "=" + v);
  }
  req.as = who_.get();
  req.output_fd = log_fd;
  // Fast shutdown if we die without stopping it, so no server outlives its owner.
  req.death_signal = SIGINT;
  if (!spawner_) spawner_ = std::make_unique<detail::spawner>();
  auto pid = spawner_->spawn(req);
  ::close(log_fd);
  if (!pid) return pid.error();
  pid_ = *pid;
  child_ = true;
  return {};
}

status embedded_cluster::wait_ready() {
  const std::string ping = conninfo("postgres");
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  int pause = 2;
  for (;;) {
    int ws = 0;
    if (detail::has_exited(pid_, child_, &ws)) {
      pid_ = -1;
      return error{errc::unavailable, "PostgreSQL exited during start-up (" +
                                          detail::describe_wait_status(ws) + "); server log:\n" +
                                          log_tail()};
    }
    if (PQping(ping.c_str()) == PQPING_OK) return {};
    if (std::chrono::steady_clock::now() >= deadline) {
      if (!signal_and_wait(SIGQUIT, options_.immediate_stop_timeout)) {
        (void)signal_and_wait(SIGKILL, std::chrono::seconds(5));
      }
      pid_ = -1;
      return error{errc::unavailable, "PostgreSQL did not accept connections within " +
                                          std::to_string(options_.start_timeout.count()) +
                                          " ms; server log:\n" + log_tail()};
    }
    sleep_ms(pause);
    pause = std::min(pause * 2, 50);
  }
}

status embedded_cluster::create_database() {
  auto conn = connection::open(conninfo("postgres"));
  if (!conn) return conn.error();
  auto found = conn->exec("SELECT 1 FROM pg_database WHERE datname = $1", options_.database);
  if (!found) return found.error();
  if (found->rows() > 0) return {};
  auto created = conn->exec_script("CREATE DATABASE " + quote_ident(options_.database));
  // Someone else may have created it in the meantime (42P04 duplicate_database).
  if (!created && created.error().message.find("42P04") == std::string::npos) {
    return created.error();
  }
  log.info("created database", {{"database", options_.database}});
  return {};
}

status embedded_cluster::start() {
  if (running()) return {};
  const auto started = std::chrono::steady_clock::now();
  if (auto s = prepare(); !s) return s;
  if (auto s = init_cluster(); !s) return s;
  if (auto s = stop_leftover(); !s) return s;
  // Backends of a server killed outright keep its shared memory until they notice; the new
  // server refuses to start until then, so retry briefly.
  const auto deadline = started + options_.start_timeout;
  for (;;) {
    if (auto s = launch(); !s) return s;
    auto ready = wait_ready();
    if (ready) break;
    const bool shm_busy =
        ready.error().message.find("pre-existing shared memory block") != std::string::npos;
    if (!shm_busy || std::chrono::steady_clock::now() >= deadline) return ready;
    sleep_ms(100);
  }
  if (auto s = create_database(); !s) {
    (void)stop();
    return s;
  }
  log.info("PostgreSQL is ready", {{"pid", pid_},
                                   {"socket_dir", socket_dir_.string()},
                                   {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::steady_clock::now() - started)
                                              .count()}});
  return {};
}

bool embedded_cluster::signal_and_wait(int sig, std::chrono::milliseconds timeout) {
  if (detail::has_exited(pid_, child_)) return true;
  if (::kill(pid_, sig) != 0 && errno == ESRCH) return true;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  int pause = 1;
  while (std::chrono::steady_clock::now() < deadline) {
    if (detail::has_exited(pid_, child_)) return true;
    sleep_ms(pause);
    pause = std::min(pause * 2, 20);
  }
  return detail::has_exited(pid_, child_);
}

status embedded_cluster::stop() {
  return stop_in_phases(options_.smart_stop_timeout, options_.fast_stop_timeout,
                        options_.immediate_stop_timeout);
}

status embedded_cluster::stop(gg::deadline until) {
  using std::chrono::milliseconds;
  const auto left =
      std::max(milliseconds{0},
               std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now()));
  const milliseconds smart = std::min(options_.smart_stop_timeout, left / 4);
  const milliseconds fast = std::min(options_.fast_stop_timeout, left - smart);
  return stop_in_phases(smart, fast, options_.immediate_stop_timeout);
}

status embedded_cluster::stop_in_phases(std::chrono::milliseconds smart,
                                        std::chrono::milliseconds fast,
                                        std::chrono::milliseconds immediate) {
  if (pid_ <= 0) return {};
  const auto started = std::chrono::steady_clock::now();
  struct phase {
    int sig;
    std::chrono::milliseconds timeout;
    const char* name;
  };
  const phase phases[] = {
      {SIGTERM, smart, "smart"}, {SIGINT, fast, "fast"}, {SIGQUIT, immediate, "immediate"}};
  for (const auto& p : phases) {
    if (p.timeout.count() <= 0) continue;
    if (signal_and_wait(p.sig, p.timeout)) {
      log.info("PostgreSQL stopped", {{"shutdown", p.name},
                                      {"ms", std::chrono::duration_cast<std::chrono::milliseconds>(
                                                 std::chrono::steady_clock::now() - started)
                                                 .count()}});
      pid_ = -1;
      return {};
    }
  }
  const pid_t stuck = pid_;
  if (signal_and_wait(SIGKILL, std::chrono::seconds(5))) {
    pid_ = -1;
    return error{errc::timeout, "PostgreSQL ignored shutdown requests and was killed"};
  }
  return error{errc::timeout, "PostgreSQL (pid " + std::to_string(stuck) + ") does not stop"};
}

std::string embedded_cluster::log_tail() const {
  std::string out = read_tail(cluster_dir_ / "log" / "startup.log", 2048);
  std::error_code ec;
  fs::path newest;
  fs::file_time_type newest_time{};
  for (const auto& e : fs::directory_iterator(cluster_dir_ / "log", ec)) {
    if (e.path().filename().string().starts_with("postgresql-") &&
        e.last_write_time(ec) > newest_time) {
      newest = e.path();
      newest_time = e.last_write_time(ec);
    }
  }
  if (!newest.empty()) out += read_tail(newest, 2048);
  return out;
}

bool embedded_cluster::is_running(const fs::path& data_dir) {
  return running_conninfo(data_dir, "postgres").has_value();
}

result<std::string> embedded_cluster::running_conninfo(const fs::path& data_dir,
                                                       std::string_view database) {
  const auto found = read_pid_file(data_dir / "pg");
  if (!found || found->socket_dir.empty() || !detail::process_alive(found->pid)) {
    return error{errc::not_found, "no PostgreSQL server is running for " + data_dir.string()};
  }
  const std::string ping = make_conninfo(found->socket_dir, found->port, "postgres");
  if (PQping(ping.c_str()) != PQPING_OK) {
    return error{errc::not_found,
                 "the PostgreSQL server for " + data_dir.string() + " does not accept connections"};
  }
  return make_conninfo(found->socket_dir, found->port, database);
}

}  // namespace gg::pg

#include "pg_fixture.hpp"

#include <gadgetgrove/core/log.hpp>
#include <gadgetgrove/pg/conninfo.hpp>
#include <gadgetgrove/pg/embedded_cluster.hpp>
#include <gadgetgrove/pg/migrator.hpp>

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <optional>

namespace gg::test {

namespace {

gg::pg::connection open(const std::string& conninfo) {
  auto c = gg::pg::connection::open(conninfo);
  if (!c) FAIL("cannot connect to test PostgreSQL: " << c.error().message);
  return std::move(*c);
}

template <class R>
auto must(R r, const char* what) {
  if (!r) FAIL(what << ": " << r.error().message);
  if constexpr (!std::is_void_v<typename R::value_type>) return std::move(*r);
}

gg::pg::cluster_options test_cluster_options(const std::filesystem::path& data_dir) {
  gg::pg::cluster_options o;
  o.data_dir = data_dir;
  // Throwaway data: durability buys nothing here, speed does.
  o.settings = {{"fsync", "off"},
                {"synchronous_commit", "off"},
                {"full_page_writes", "off"},
                {"logging_collector", "off"},
                {"shared_buffers", "32MB"}};
  o.smart_stop_timeout = std::chrono::milliseconds(0);
  return o;
}

// Creates the shared template cluster unless another process already did; returns it, or an
// empty path and `failure`.
std::filesystem::path make_template(std::string& failure) {
  namespace fs = std::filesystem;
  struct stat bin {};
  if (::stat("/usr/lib/postgresql/15/bin/postgres", &bin) != 0) bin = {};
  char name[96];
  std::snprintf(name, sizeof name, "/tmp/gg-pg-template-%u-%llx",
                static_cast<unsigned>(::geteuid()),
                static_cast<unsigned long long>(bin.st_mtime) ^
                    (static_cast<unsigned long long>(bin.st_size) << 32));
  const fs::path base = name;
  const std::string lock_path = base.string() + ".lock";
  const int lock = ::open(lock_path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0 || ::flock(lock, LOCK_EX) != 0) {
    failure = "cannot lock " + lock_path;
    if (lock >= 0) ::close(lock);
    return {};
  }
  struct stat st {};
  std::error_code ec;
  if (::lstat(base.c_str(), &st) == 0 && st.st_uid != ::geteuid()) {
    failure = base.string() + " belongs to another user";
  } else if (!fs::exists(base / "pg" / "PG_VERSION", ec)) {
    fs::remove_all(base, ec);
    fs::create_directory(base, ec);
    ::chmod(base.c_str(), 0755);
    gg::pg::embedded_cluster cluster(test_cluster_options(base));
    if (auto s = cluster.start(); !s) {
      failure = s.error().message;
    } else if (auto stopped = cluster.stop(); !stopped) {
      failure = stopped.error().message;
    }
    if (!failure.empty()) fs::remove_all(base, ec);
  }
  ::close(lock);
  return failure.empty() ? base / "pg" : fs::path{};
}

// Copies the shared template cluster into data_dir/pg; an empty string, or what failed.
std::string seed(const std::filesystem::path& data_dir) {
  static std::mutex mutex;
  static std::filesystem::path template_dir;
  static std::string template_failure;
  {
    std::lock_guard lock(mutex);
    if (template_dir.empty() && template_failure.empty()) {
      template_dir = make_template(template_failure);
    }
    if (!template_failure.empty()) return template_failure;
  }
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  ::chmod(data_dir.c_str(), 0711);
  // cp -a keeps the owner (the postgres user when we are root) and the 0700 modes.
  const std::string from = template_dir.string();
  const std::string to = (data_dir / "pg").string();
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/cp", "cp", "-a", from.c_str(), to.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  int ws = 0;
  if (pid < 0 || ::waitpid(pid, &ws, 0) != pid || !WIFEXITED(ws) || WEXITSTATUS(ws) != 0) {
    return "cp -a " + from + " " + to + " failed";
  }
  return {};
}

class pg_server {
 public:
  pg_server() : owner_(::getpid()) {
    if (const char* url = std::getenv("GG_TEST_DATABASE_URL"); url != nullptr && *url != '\0') {
      conninfo_ = url;
      return;
    }
    char dir_template[] = "/tmp/gg-pg-test-XXXXXX";
    if (::mkdtemp(dir_template) == nullptr) {
      failure_ = "mkdtemp failed";
      return;
    }
    dir_ = dir_template;
    // The postgres user must traverse it when the tests run as root.
    ::chmod(dir_.c_str(), 0755);
    failure_ = seed(dir_);
    if (!failure_.empty()) return;
    cluster_.emplace(test_cluster_options(dir_));
    if (auto s = cluster_->start(); !s) {
      failure_ = s.error().message;
      return;
    }
    conninfo_ = cluster_->conninfo("postgres");
  }

  ~pg_server() {
    // A forked test child that exits normally must not stop its parent's server.
    if (::getpid() != owner_) return;
    // The logger's per-thread buffers are gone by the time static objects are destroyed.
    gg::log::set_level(gg::log::level::off);
    if (!cluster_) {
      drop_leftovers();
      return;
    }
    (void)cluster_->stop();
    cluster_.reset();
    std::error_code ec;
    if (std::getenv("GG_KEEP_TEST_DIRS") == nullptr) std::filesystem::remove_all(dir_, ec);
  }

  const std::string& conninfo() const {
    if (!failure_.empty()) FAIL("test PostgreSQL server unavailable: " << failure_);
    return conninfo_;
  }

  std::string next_name() {
    return "t_" + std::to_string(owner_) + "_" + std::to_string(counter_.fetch_add(1));
  }

  // The migrated template is built once per process; CREATE DATABASE ... TEMPLATE copies it.
  const std::string& migrated_template() {
    std::lock_guard lock(mutex_);
    if (!template_name_.empty()) return template_name_;
    const std::string name = next_name() + "_template";
    auto admin = open(conninfo());
    must(admin.exec_script("CREATE DATABASE " + name), "create template database");
    {
      auto conn = open(must(gg::pg::with_conninfo_option(conninfo(), "dbname", name), "conninfo"));
      must(gg::pg::migrate(conn, pg_migrations_dir()), "migrate template database");
    }
    template_name_ = name;
    return template_name_;
  }

 private:
  // On an external server nothing else cleans up after us.
  void drop_leftovers() {
    if (template_name_.empty() || !failure_.empty()) return;
    if (auto c = gg::pg::connection::open(conninfo_)) {
      (void)c->exec_script("DROP DATABASE IF EXISTS " + template_name_ + " WITH (FORCE)");
    }
  }

  pid_t owner_;
  std::string conninfo_;
  std::string failure_;
  std::filesystem::path dir_;
  std::optional<gg::pg::embedded_cluster> cluster_;
  std::atomic<int> counter_{0};
  std::mutex mutex_;
  std::string template_name_;
};

pg_server& server() {
  static pg_server instance;
  return instance;
}

}  // namespace

const std::string& pg_server_conninfo() { return server().conninfo(); }

void pg_seed_cluster(const std::filesystem::path& data_dir) {
  const std::string failure = seed(data_dir);
  if (!failure.empty()) FAIL("cannot seed a PostgreSQL cluster: " << failure);
}

std::filesystem::path pg_migrations_dir() {
  if (const char* src = std::getenv("GG_SOURCE_DIR"); src != nullptr && *src != '\0') {
    return std::filesystem::path(src) / "sql" / "migrations";
  }
  return std::filesystem::path(__FILE__).parent_path().parent_path().parent_path() / "sql" /
         "migrations";
}

pg_database::pg_database(schema s) {
  auto& srv = server();
  const std::string& admin_info = srv.conninfo();
  name_ = srv.next_name();
  std::string sql = "CREATE DATABASE " + name_;
  if (s == schema::migrated) sql += " TEMPLATE " + srv.migrated_template();
  auto admin = open(admin_info);
  must(admin.exec_script(sql), "create test database");
  conninfo_ = must(gg::pg::with_conninfo_option(admin_info, "dbname", name_), "conninfo");
}

pg_database::~pg_database() {
  auto admin = gg::pg::connection::open(server().conninfo());
  if (admin) (void)admin->exec_script("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
}

gg::pg::connection pg_database::connect() const { return open(conninfo_); }

}  // namespace gg::test

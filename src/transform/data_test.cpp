#include "data_test.hpp"

#include "materializer.hpp"

#include <gadgetgrove/pg/transaction.hpp>

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>

namespace gg::transform {

result<std::string> parse_test_condition(std::string_view text) {
  auto trim = [](std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
  };
  std::string_view s = trim(text);
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> ops{{{"!=", "!="},
                                                                                     {"<>", "<>"},
                                                                                     {">=", ">="},
                                                                                     {"<=", "<="},
                                                                                     {"==", "="},
                                                                                     {"=", "="},
                                                                                     {">", ">"},
                                                                                     {"<", "<"}}};
  for (const auto& [spelled, op] : ops) {
    if (!s.starts_with(spelled)) continue;
    std::string_view rest = trim(s.substr(spelled.size()));
    std::int64_t n = 0;
    auto r = std::from_chars(rest.data(), rest.data() + rest.size(), n);
    if (rest.empty() || r.ec != std::errc{} || r.ptr != rest.data() + rest.size()) break;
    return fmt::format("{} {}", op, n);
  }
  return error{errc::config,
               fmt::format("test condition '{}' is not a comparison with an integer (such as "
                           "'!= 0' or '> 10')",
                           text)};
}

result<test_outcome> run_data_test(statement_runner& stmt, const test_spec& spec) {
  auto warn_if = parse_test_condition(spec.warn_if);
  if (!warn_if) return error{errc::config, spec.path + ": warn_if: " + warn_if.error().message};
  auto error_if = parse_test_condition(spec.error_if);
  if (!error_if) return error{errc::config, spec.path + ": error_if: " + error_if.error().message};
  if (spec.severity != "error" && spec.severity != "warn") {
    return error{errc::config,
                 fmt::format("{}: severity '{}' is not error or warn", spec.path, spec.severity)};
  }
  const std::string limit = spec.limit ? fmt::format("\nlimit {}", *spec.limit) : std::string{};
  std::string source = spec.sql;
  if (spec.store_failures) {
    // The failing rows are kept as a table (replaced on every run, as dbt does) and counted
    // from there, so the stored rows and the reported count agree.
    auto tx = pg::transaction::begin(stmt.connection());
    if (!tx) return tx.error();
    if (auto st = ensure_schema(stmt, spec.audit_relation.schema); !st) return st.error();
    if (auto r = stmt.exec("drop table if exists " + spec.audit_relation.render()); !r) {
      return r.error();
    }
    const std::string prefix = fmt::format("create table {} as (\n", spec.audit_relation.render());
    const std::string sql = prefix + spec.sql + limit + "\n)";
    if (auto r = stmt.exec(sql); !r)
      return locate_error(r.error(), sql, prefix.size(), spec.sql, spec.path);
    if (auto st = tx->commit(); !st) return st.error();
    source = "select * from " + spec.audit_relation.render();
  }
  const std::string prefix =
      "select count(*)::bigint, count(*) " + *warn_if + ", count(*) " + *error_if + " from (\n";
  const std::string sql =
      prefix + source + (spec.store_failures ? std::string{} : limit) + "\n) dbt_internal_test";
  auto r = stmt.exec(sql);
  if (!r) {
    return locate_error(r.error(), sql, prefix.size(),
                        spec.store_failures ? std::string_view{} : spec.sql, spec.path);
  }
  auto failures = r->get_int64(0, 0);
  auto should_warn = r->get_bool(0, 1);
  auto should_error = r->get_bool(0, 2);
  if (!failures || !should_warn || !should_error)
    return error{errc::internal, "unexpected test result"};
  test_outcome out;
  out.failures = static_cast<std::uint64_t>(*failures);
  if (spec.severity == "error" && *should_error) {
    out.status = node_status::fail;
    out.message = fmt::format("Got {} result{}, configured to fail if {}", out.failures,
                              out.failures == 1 ? "" : "s", *error_if);
  } else if (*should_warn) {
    out.status = node_status::warn;
    out.message = fmt::format("Got {} result{}, configured to warn if {}", out.failures,
                              out.failures == 1 ? "" : "s", *warn_if);
  }
  return out;
}

}  // namespace gg::transform

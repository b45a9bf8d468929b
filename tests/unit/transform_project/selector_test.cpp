#include "project/selector.hpp"

#include "project_files.hpp"

#include <catch2/catch.hpp>

#include <set>

using gg::transform::load_options;
using gg::transform::project;
using gg::transform::selection;

namespace {

const project& jaffle() {
  static const project p = [] {
    load_options o;
    o.env = [](std::string_view) -> std::optional<std::string> { return std::nullopt; };
    auto r = project::load(gg::test::fixture_projects() / "jaffle", o);
    if (!r) FAIL(r.error().message);
    return std::move(*r);
  }();
  return p;
}

/// Names (the part after the last dot of each unique id) that `select`/`exclude` give, as a set.
std::set<std::string> names(std::vector<std::string> select, std::vector<std::string> exclude = {},
                            bool tests = false) {
  selection sel{std::move(select), std::move(exclude), tests};
  auto ids = gg::transform::select(jaffle(), sel);
  if (!ids) FAIL(ids.error().message);
  std::set<std::string> out;
  for (const std::string& id : *ids) {
    out.insert(id.starts_with("source.") ? "source:" + id.substr(id.rfind('.') + 1)
                                         : id.substr(id.rfind('.') + 1));
  }
  return out;
}

using set = std::set<std::string>;

}  // namespace

TEST_CASE("a model name selects that model", "[unit][transform]") {
  CHECK(names({"stg_orders"}) == set{"stg_orders"});
  CHECK(names({"jaffle_shop.staging.stg_orders"}) == set{"stg_orders"});
  CHECK(names({"fqn:stg_orders"}) == set{"stg_orders"});
}

TEST_CASE("wildcards, unions by space and separate arguments", "[unit][transform]") {
  CHECK(names({"stg_*"}) == set{"stg_customers", "stg_orders", "stg_payments"});
  CHECK(names({"stg_orders customers"}) == set{"stg_orders", "customers"});
  CHECK(names({"stg_orders", "customers"}) == set{"stg_orders", "customers"});
  CHECK(names({"marts.core,resource_type:model"}) == set{"customers", "orders", "order_events"});
}

TEST_CASE("graph operators: m+, +m, n+m, m+n and @m", "[unit][transform]") {
  CHECK(names({"stg_orders+,resource_type:model"}) ==
        set{"stg_orders", "orders", "order_events", "customers"});
  CHECK(names({"+orders"}) == set{"orders", "stg_orders", "int_order_payments", "stg_payments",
                                  "source:orders", "source:payments"});
  CHECK(names({"1+orders"}) == set{"orders", "stg_orders", "int_order_payments"});
  CHECK(names({"2+orders"}) ==
        set{"orders", "stg_orders", "int_order_payments", "stg_payments", "source:orders"});
  CHECK(names({"stg_payments+1,resource_type:model"}) ==
        set{"stg_payments", "int_order_payments", "customers"});
  // @: the model, its descendants and every ancestor of those descendants.
  CHECK(names({"@int_order_payments,resource_type:model"}) == set{"int_order_payments", "orders",
                                                                  "stg_payments", "stg_orders",
                                                                  "customers", "stg_customers"});
}

TEST_CASE("path selects folders and files", "[unit][transform]") {
  CHECK(names({"path:models/staging,resource_type:model"}) ==
        set{"stg_customers", "stg_orders", "stg_payments"});
  CHECK(names({"path:models/staging/stg_orders.sql"}) == set{"stg_orders"});
  CHECK(names({"models/marts/core/orders.sql"}) == set{"orders"});
  CHECK(names({"path:models/staging/sources.yml,resource_type:source"}) ==
        set{"source:customers", "source:orders", "source:payments"});
}

TEST_CASE("tag and config selectors", "[unit][transform]") {
  CHECK(names({"tag:core"}) == set{"customers", "orders", "order_events"});
  CHECK(names({"tag:pii"}) == set{"customers"});
  CHECK(names({"config.materialized:incremental"}) == set{"order_events"});
  CHECK(names({"config.materialized:ephemeral"}) == set{"int_order_payments"});
  CHECK(names({"config.schema:events"}) == set{"order_events"});
  CHECK(names({"config.tags:staging"}) == set{"stg_customers", "stg_orders", "stg_payments"});
  CHECK(names({"tag:core,config.materialized:table"}) == set{"customers", "orders"});
}

TEST_CASE("source selectors with graph operators", "[unit][transform]") {
  CHECK(names({"source:jaffle_raw"}) ==
        set{"source:customers", "source:orders", "source:payments"});
  CHECK(names({"source:jaffle_raw.orders"}) == set{"source:orders"});
  CHECK(names({"source:jaffle_raw.orders+,resource_type:model"}) ==
        set{"stg_orders", "orders", "order_events", "customers"});
  CHECK(names({"source:jaffle_shop.jaffle_raw.pay*"}) == set{"source:payments"});
}

TEST_CASE("resource_type and test_type selectors", "[unit][transform]") {
  CHECK(names({"resource_type:source"}).size() == 3);
  CHECK(names({"resource_type:model"}).size() == 7);
  CHECK(names({"test_type:singular"}) == set{"assert_total_payment_amount_is_positive"});
  const set generic = names({"test_type:generic"});
  CHECK(generic.count("not_null_stg_orders_order_id") == 1);
  CHECK(generic.count("assert_total_payment_amount_is_positive") == 0);
  CHECK(names({"test_name:relationships"}) ==
        set{"relationships_orders_customer_id__customer_id__ref_customers_"});
}

TEST_CASE("exclude removes nodes after selection", "[unit][transform]") {
  CHECK(names({"tag:core"}, {"orders"}) == set{"customers", "order_events"});
  CHECK(names({"tag:core"}, {"tag:incremental customers"}) == set{"orders"});
  CHECK(names({}, {"resource_type:test", "resource_type:source", "tag:core", "stg_*"}) ==
        set{"int_order_payments"});
}

TEST_CASE("tests are selected with the models they test (eager indirect selection)",
          "[unit][transform]") {
  CHECK(names({"stg_orders"}, {}, true) ==
        set{"stg_orders", "not_null_stg_orders_order_id", "unique_stg_orders_order_id",
            "accepted_values_stg_orders_status__placed__shipped__completed__return_pending__"
            "returned"});
  // A relationships test is selected when either of its models is.
  CHECK(names({"customers"}, {}, true)
            .count("relationships_orders_customer_id__customer_id__ref_customers_") == 1);
  // An excluded test stays out.
  CHECK(names({"stg_orders"}, {"test_name:accepted_values"}, true).size() == 3);
}

TEST_CASE("selection comes back in graph order", "[unit][transform]") {
  auto ids = gg::transform::select(jaffle(), selection{{"+orders"}, {}, false});
  REQUIRE(ids.has_value());
  const auto& order = jaffle().graph();
  for (std::size_t i = 1; i < ids->size(); ++i) {
    CHECK(order.position((*ids)[i - 1]) < order.position((*ids)[i]));
  }
  CHECK(ids->back() == "model.jaffle_shop.orders");
}

TEST_CASE("malformed selectors and unknown methods are errors naming them", "[unit][transform]") {
  auto bad = gg::transform::select(jaffle(), selection{{"colour:red"}, {}, false});
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error().message.find("colour") != std::string::npos);
  bad = gg::transform::select(jaffle(), selection{{"@+orders"}, {}, false});
  REQUIRE_FALSE(bad.has_value());
  bad = gg::transform::select(jaffle(), selection{{"resource_type:seed"}, {}, false});
  REQUIRE_FALSE(bad.has_value());
  bad = gg::transform::select(jaffle(), selection{{"a,,b"}, {}, false});
  REQUIRE_FALSE(bad.has_value());
}

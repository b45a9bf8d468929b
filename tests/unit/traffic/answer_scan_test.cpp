#include "answer_scan.hpp"

#include <catch2/catch.hpp>

#include <string>

using gg::traffic::detail::read_answer;

TEST_CASE("an ingest answer gives its status and event id", "[unit][traffic]") {
  const auto& a =
      read_answer(R"({"status":"success","queue":"page_views","event_id":"0190f5a2-7c1b"})");
  CHECK(a.status == "success");
  CHECK(a.event_id == "0190f5a2-7c1b");
  CHECK_FALSE(a.has_results);
  CHECK_FALSE(a.error);
}

TEST_CASE("a batch answer gives one result per element, in order", "[unit][traffic]") {
  const std::string body =
      R"({"status":"success","results":[{"status":"error","error":"too_deep"},)"
      R"({"queue":"q","event_id":"E2","status":"success"},{"status":"success"},7]})";
  const auto& a = read_answer(body);
  REQUIRE(a.has_results);
  REQUIRE(a.results.size() == 4);
  CHECK_FALSE(a.results[0].success);
  CHECK(a.results[1].success);  // members in any order
  CHECK(a.results[1].event_id == "E2");
  CHECK(a.results[2].success);
  CHECK(a.results[2].event_id.empty());
  CHECK_FALSE(a.results[3].success);  // not an object: a refused event
}

TEST_CASE("members are read at their own level and unescaped", "[unit][traffic]") {
  const auto& a =
      read_answer(R"({"user":{"status":"nested","name":"Zo\u00eb \"Z\"","email":"z@example.com"},)"
                  R"( "session_id" : "s-1", "reason":"Payment\nDeclined", "total": 1409.98})");
  CHECK_FALSE(a.status);  // the nested "status" is not the answer's
  CHECK(a.user_name == "Zo\xc3\xab \"Z\"");
  CHECK(a.user_email == "z@example.com");
  CHECK(a.session_id == "s-1");
  CHECK(a.reason == "Payment\nDeclined");
  REQUIRE(a.total);
  CHECK(*a.total == 1409.98);
}

TEST_CASE("a body that is not a JSON object gives an empty answer", "[unit][traffic]") {
  for (const char* body :
       {"", "<html>502</html>", R"({"status":"success")", R"({"status":"success"} trailing)",
        R"(["status","success"])", R"({"status":"success","event_id":"E1",})"}) {
    INFO(body);
    const auto& a = read_answer(body);
    CHECK_FALSE(a.status);
    CHECK_FALSE(a.event_id);
    CHECK_FALSE(a.has_results);
    CHECK(a.results.empty());
  }
}

TEST_CASE("a member of an unexpected type is absent", "[unit][traffic]") {
  const auto& a = read_answer(R"({"status":1,"event_id":null,"total":"12.50","results":{}})");
  CHECK_FALSE(a.status);
  CHECK_FALSE(a.event_id);
  CHECK_FALSE(a.total);
  CHECK_FALSE(a.has_results);
}

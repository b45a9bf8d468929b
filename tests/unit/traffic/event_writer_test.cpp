#include "event_writer.hpp"

#include <gadgetgrove/core/time.hpp>

#include <catch2/catch.hpp>

#include <simdjson.h>

using namespace gg::traffic;

namespace {

const gg::sys_us when = *gg::parse_iso8601("2026-11-26T15:19:11.123456Z");
constexpr std::string_view mid = "0f8e2a1c-3b4d-4e5f-8a9b-0c1d2e3f4a5b";

}  // namespace

TEST_CASE("a page view has the tracker's members in the tracker's order", "[unit][traffic]") {
  std::string out;
  append_page_view(out, "http://127.0.0.1:8000/category/laptops", "/category/laptops",
                   "Laptops \xc2\xb7 GadgetGrove", "http://127.0.0.1:8000/",
                   event_stamp{mid, when, "sess-1", "user-1"});
  CHECK(out == R"({"type":"page_view","url":"http://127.0.0.1:8000/category/laptops",)"
               R"("path":"/category/laptops","title":"Laptops )"
               "\xc2\xb7"
               R"( GadgetGrove","referrer":"http://127.0.0.1:8000/",)"
               R"("messageId":"0f8e2a1c-3b4d-4e5f-8a9b-0c1d2e3f4a5b",)"
               R"("timestamp":"2026-11-26T15:19:11.123Z","sessionId":"sess-1","userId":"user-1"})");
}

TEST_CASE("empty session and user ids are left out", "[unit][traffic]") {
  std::string out;
  append_custom_event(out, "logout", "", event_stamp{mid, when, "", ""});
  CHECK(out == R"({"type":"custom_event","event":"logout","properties":{},)"
               R"("messageId":"0f8e2a1c-3b4d-4e5f-8a9b-0c1d2e3f4a5b",)"
               R"("timestamp":"2026-11-26T15:19:11.123Z"})");
}

TEST_CASE("an identify carries traits and no second userId", "[unit][traffic]") {
  std::string out;
  append_identify(out, "u-7", "Ava \"A\" Smith", "ava.smith@example.com",
                  event_stamp{mid, when, "s-7", "u-7"});
  CHECK(out == R"({"type":"identify","userId":"u-7","traits":{"name":"Ava \"A\" Smith",)"
               R"("email":"ava.smith@example.com"},)"
               R"("messageId":"0f8e2a1c-3b4d-4e5f-8a9b-0c1d2e3f4a5b",)"
               R"("timestamp":"2026-11-26T15:19:11.123Z","sessionId":"s-7"})");
  simdjson::dom::parser parser;
  CHECK(parser.parse(out).error() == simdjson::SUCCESS);
}

TEST_CASE("a synthetic event carries _synthetic true in its properties or traits",
          "[unit][traffic]") {
  event_stamp stamp{mid, when, "s-1", "u-1"};
  stamp.synthetic = true;
  std::string page;
  append_page_view(page, "http://h/", "/", "Home", "", stamp);
  CHECK(page.find(R"("referrer":"","properties":{"_synthetic":true},"messageId")") !=
        std::string::npos);
  std::string custom;
  append_custom_event(custom, "add_to_cart", R"({"product_id":"p1"})", stamp);
  CHECK(custom.find(R"("properties":{"_synthetic":true,"product_id":"p1"},)") != std::string::npos);
  std::string empty;
  append_custom_event(empty, "logout", "", stamp);
  CHECK(empty.find(R"("properties":{"_synthetic":true},)") != std::string::npos);
  std::string blank;
  append_custom_event(blank, "logout", "{ }", stamp);
  CHECK(blank.find(R"("properties":{"_synthetic":true },)") != std::string::npos);
  std::string identify;
  append_identify(identify, "u-1", "Ava", "ava@example.com", stamp);
  CHECK(identify.find(R"("traits":{"_synthetic":true,"name":"Ava","email")") != std::string::npos);
  simdjson::dom::parser parser;
  for (const std::string* body : {&page, &custom, &empty, &blank, &identify}) {
    simdjson::dom::element root;
    INFO(*body);
    REQUIRE(parser.parse(*body).get(root) == simdjson::SUCCESS);
    const char* where = body == &identify ? "/traits/_synthetic" : "/properties/_synthetic";
    CHECK(root.at_pointer(where).get_bool().value() == true);
  }
}

TEST_CASE("product properties use the SPEC names and the API's price", "[unit][traffic]") {
  product_entry p;
  p.id = "SM-1a2b3c4d";
  p.name = "Galaxy \\ Nova";
  p.brand = "Samsung";
  p.category = "Smartphones";
  p.price_text = "1299.99";
  std::string out;
  append_product_properties(out, p, 2);
  CHECK(out == R"({"product_id":"SM-1a2b3c4d","name":"Galaxy \\ Nova","brand":"Samsung",)"
               R"("category":"Smartphones","price":1299.99,"quantity":2})");
  out.clear();
  append_product_properties(out, p, 0);
  CHECK(out.find("quantity") == std::string::npos);
}

TEST_CASE("money is written as JavaScript prints cents / 100", "[unit][traffic]") {
  auto money = [](std::int64_t cents) {
    std::string s;
    append_money(s, cents);
    return s;
  };
  CHECK(money(129999) == "1299.99");
  CHECK(money(130000) == "1300");
  CHECK(money(129990) == "1299.9");
  CHECK(money(5) == "0.05");
  CHECK(money(0) == "0");
  CHECK(money(-250) == "-2.5");
}

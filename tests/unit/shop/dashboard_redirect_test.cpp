#include <gadgetgrove/shop/dashboard_redirect.hpp>

#include <catch2/catch.hpp>

#include <string>

using gg::shop::dashboard_location;
using gg::shop::dashboard_redirect;
using gg::shop::host_of_host_header;

TEST_CASE("a well-formed Host names the host the browser used, lower-cased, port dropped",
          "[unit][shop]") {
  CHECK(host_of_host_header("shop.example:8080") == "shop.example");
  CHECK(host_of_host_header("Shop.Example.") == "shop.example.");
  CHECK(host_of_host_header("10.0.0.5") == "10.0.0.5");
  CHECK(host_of_host_header("10.0.0.5:65535") == "10.0.0.5");
  CHECK(host_of_host_header("[2001:DB8::1]:80") == "[2001:db8::1]");
  CHECK(host_of_host_header("[::ffff:10.0.0.5]") == "[::ffff:10.0.0.5]");
  CHECK(host_of_host_header("my_host-1") == "my_host-1");
  CHECK(host_of_host_header(" localhost:8080\t") == "localhost");
}

TEST_CASE("a Host that could inject a header or lead elsewhere is refused", "[unit][shop]") {
  for (const std::string& bad : {std::string{},
                                 std::string{"  "},
                                 std::string{"evil.example/path"},
                                 std::string{"evil.example\r\nSet-Cookie: a=b"},
                                 std::string{"a\nb"},
                                 std::string{"user@evil.example"},
                                 std::string{"evil.example\\@shop"},
                                 std::string{"evil.example?x"},
                                 std::string{"evil.example#x"},
                                 std::string{"evil%2eexample"},
                                 std::string{"a b"},
                                 std::string{"a,b"},
                                 std::string{"shop:8080:1"},
                                 std::string{"shop:"},
                                 std::string{"shop:65536"},
                                 std::string{"shop:123456"},
                                 std::string{"shop:8o"},
                                 std::string{":8080"},
                                 std::string{".shop"},
                                 std::string{"shop..example"},
                                 std::string{".."},
                                 std::string{"[::1"},
                                 std::string{"[]"},
                                 std::string{"[::1]x"},
                                 std::string{"[::1]:"},
                                 std::string{"[::g]"},
                                 std::string{"::1"},
                                 std::string{"[::1%25eth0]"},
                                 std::string{"shop\0x", 6},
                                 std::string(254, 'a'),
                                 std::string{"//evil.example"}}) {
    CAPTURE(bad);
    CHECK_FALSE(host_of_host_header(bad).has_value());
  }
  CHECK(host_of_host_header(std::string(253, 'a')).has_value());
}

TEST_CASE("the /analytics Location: fixed, or the request's host on the admin port",
          "[unit][shop]") {
  const auto fixed = dashboard_redirect::fixed("https://dash.example/dashboard");
  CHECK(dashboard_location(fixed, std::nullopt) == "https://dash.example/dashboard");
  CHECK(dashboard_location(fixed, "evil.example") == "https://dash.example/dashboard");

  const auto on_host = dashboard_redirect::on_request_host(8050);
  CHECK(dashboard_location(on_host, "shop.example:8080") == "http://shop.example:8050/dashboard");
  CHECK(dashboard_location(on_host, "192.168.1.7") == "http://192.168.1.7:8050/dashboard");
  CHECK(dashboard_location(on_host, "[fe80::1]:8080") == "http://[fe80::1]:8050/dashboard");
  CHECK_FALSE(dashboard_location(on_host, std::nullopt).has_value());
  CHECK_FALSE(dashboard_location(on_host, "evil.example/x?").has_value());
  CHECK_FALSE(dashboard_location(on_host, "a\r\nLocation: http://evil").has_value());
}

#include <gadgetgrove/shop/fake_user.hpp>

#include <gadgetgrove/core/json_escape.hpp>
#include <gadgetgrove/core/uuid.hpp>

#include <gadgetgrove/core/prng.hpp>

#include <cctype>
#include <string_view>

namespace gg::shop {
namespace {

constexpr std::string_view first_names[] = {
    "Ada",     "Alan",    "Grace", "Linus",  "Margaret",  "Dennis", "Barbara", "Ken",
    "Frances", "Edsger",  "Radia", "Tim",    "Katherine", "John",   "Hedy",    "Donald",
    "Sophie",  "Niklaus", "Joan",  "Bjarne", "Evelyn",    "Guido",  "Anita",   "James",
    "Leslie",  "Vint",    "Mary",  "Claude", "Elena",     "Omar",   "Priya",   "Mateo"};

constexpr std::string_view last_names[] = {
    "Lovelace", "Turing",   "Hopper",  "Torvalds",   "Hamilton", "Ritchie",  "Liskov", "Thompson",
    "Allen",    "Dijkstra", "Perlman", "Berners",    "Johnson",  "McCarthy", "Lamarr", "Knuth",
    "Wilson",   "Wirth",    "Clarke",  "Stroustrup", "Boyd",     "Rossum",   "Borg",   "Gosling",
    "Lamport",  "Cerf",     "Keller",  "Shannon",    "Garcia",   "Haddad",   "Sharma", "Rossi"};

constexpr std::string_view streets[] = {
    "Maple Avenue", "Oak Street",      "Cedar Lane",       "Elm Street",       "Pine Road",
    "Willow Way",   "Birch Court",     "Harbor Drive",     "Sunset Boulevard", "Park Place",
    "River Road",   "Hillcrest Drive", "Lakeview Terrace", "Orchard Lane",     "Mill Street"};

struct city_info {
  std::string_view city;
  std::string_view state;
  std::string_view zip_prefix;  // first three digits of the city's ZIP codes
};

constexpr city_info cities[] = {
    {"Portland", "OR", "972"},   {"Austin", "TX", "787"},   {"Denver", "CO", "802"},
    {"Madison", "WI", "537"},    {"Raleigh", "NC", "276"},  {"Boise", "ID", "837"},
    {"Burlington", "VT", "054"}, {"Santa Fe", "NM", "875"}, {"Ann Arbor", "MI", "481"},
    {"Savannah", "GA", "314"},   {"Tucson", "AZ", "857"},   {"Spokane", "WA", "992"},
    {"Providence", "RI", "029"}, {"Omaha", "NE", "681"},    {"Richmond", "VA", "232"},
    {"Columbus", "OH", "432"}};

std::string lower_ascii(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return out;
}

}  // namespace

fake_user make_fake_user(std::uint64_t entropy) {
  prng rng(entropy);
  fake_user u;
  u.id = gg::uuid_v4().to_string();
  u.first_name = rng.pick(std::span<const std::string_view>(first_names));
  u.last_name = rng.pick(std::span<const std::string_view>(last_names));
  u.email = lower_ascii(u.first_name) + '.' + lower_ascii(u.last_name) + "@example.com";
  u.address.street = std::to_string(rng.between(1, 9899)) + ' ' +
                     std::string{rng.pick(std::span<const std::string_view>(streets))};
  const city_info& c = cities[rng.below(std::size(cities))];
  u.address.city = c.city;
  u.address.state = c.state;
  const auto suffix = rng.between(1, 99);
  u.address.postal_code =
      std::string{c.zip_prefix} + (suffix < 10 ? "0" : "") + std::to_string(suffix);
  u.address.country = "US";
  return u;
}

void append_user_json(std::string& out, const fake_user& u) {
  out += R"({"id":)";
  gg::append_json_string(out, u.id);
  out += R"(,"name":)";
  gg::append_json_string(out, u.name());
  out += R"(,"first_name":)";
  gg::append_json_string(out, u.first_name);
  out += R"(,"last_name":)";
  gg::append_json_string(out, u.last_name);
  out += R"(,"email":)";
  gg::append_json_string(out, u.email);
  out += R"(,"address":{"street":)";
  gg::append_json_string(out, u.address.street);
  out += R"(,"city":)";
  gg::append_json_string(out, u.address.city);
  out += R"(,"state":)";
  gg::append_json_string(out, u.address.state);
  out += R"(,"postal_code":)";
  gg::append_json_string(out, u.address.postal_code);
  out += R"(,"country":)";
  gg::append_json_string(out, u.address.country);
  out += "}}";
}

}  // namespace gg::shop

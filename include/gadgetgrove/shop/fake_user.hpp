#pragma once
// The invented customer each shop session gets. Never holds payment data.

#include <cstdint>
#include <string>

namespace gg::shop {

struct postal_address {
  std::string street;
  std::string city;
  std::string state;
  std::string postal_code;
  std::string country;
};

struct fake_user {
  std::string id;  // UUID
  std::string first_name;
  std::string last_name;
  std::string email;  // first.last@example.com, lower case
  postal_address address;

  std::string name() const { return first_name + ' ' + last_name; }
};

/// A user whose name, address and email are picked from fixed lists by `entropy` (any 64-bit
/// value; different values give different combinations) and whose id is a fresh version 4
/// UUID. The email domain is always example.com (RFC 2606), so no real mailbox is named.
fake_user make_fake_user(std::uint64_t entropy);

/// Appends {"id","name","first_name","last_name","email","address":{...}} to `out`.
void append_user_json(std::string& out, const fake_user& u);

}  // namespace gg::shop

#pragma once
// Randomness that must not be guessable (session tokens, UUIDs), from the kernel's CSPRNG.

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace gg {

/// Fills `out` from getrandom(2), retrying on EINTR and short reads. Blocks only while the
/// kernel's pool is uninitialised (early boot). Thread-safe. If the kernel cannot supply random
/// bytes at all the process aborts: handing out predictable tokens would be worse.
void secure_random(std::span<std::uint8_t> out) noexcept;

/// `nbytes` random bytes as base64url without padding (43 characters for 32 bytes).
std::string random_token_urlsafe(std::size_t nbytes);

/// Appends the base64url form (RFC 4648 §5, no padding) of `data` to `out`.
void append_base64url(std::string& out, std::span<const std::uint8_t> data);

}  // namespace gg

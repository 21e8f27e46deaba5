// Base64 and SHA-256 from OpenSSL's libcrypto (already a dependency of libcurl's TLS).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>
#include <span>
#include <string>
#include <string_view>

namespace crossocr::remote {

std::string base64_encode(std::span<const std::uint8_t> bytes);
// Standard alphabet with padding; nothing when `text` is not base64.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
std::string sha256_hex(std::string_view data);

}  // namespace crossocr::remote

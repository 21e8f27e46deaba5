// Helpers shared by the fuzz targets: a reader of typed values from the fuzz bytes, and an
// invariant check that aborts (so libFuzzer keeps the input) instead of being compiled out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace crossocr::fuzz {

// Aborts with the broken invariant named: NDEBUG must not silence a fuzz target's checks.
inline void require(bool holds, const char* what) {
  if (holds) return;
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

// Consumes the fuzz input front to back; past its end every value is zero or empty.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::uint8_t byte() { return at_ < size_ ? data_[at_++] : 0; }

  // A double from 8 raw bytes: NaN, infinities, negatives and denormals included.
  double any_double() {
    std::uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = bits << 8 | byte();
    double value;
    std::memcpy(&value, &bits, sizeof value);
    return value;
  }

  // Mostly ordinary confidences in [0, 1], sometimes anything a double can hold.
  double confidence() {
    const std::uint8_t kind = byte();
    return kind < 200 ? kind / 199.0 : any_double();
  }

  // A string of up to `max` bytes (its length from one byte of input).
  std::string text(std::size_t max) {
    std::size_t n = byte() % (max + 1);
    n = n < size_ - at_ ? n : size_ - at_;
    std::string s(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return s;
  }

  std::string rest() {
    std::string s(reinterpret_cast<const char*>(data_ + at_), size_ - at_);
    at_ = size_;
    return s;
  }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

}  // namespace crossocr::fuzz

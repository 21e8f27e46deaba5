// Shared by the test files: where the data and the built CLI are, scratch folders, and running
// the CLI as a real process.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace crossocr::testing {

inline std::string data_path(const std::string& relative) {
  return std::string(CROSSOCR_DATA_DIR) + "/" + relative;
}

inline const std::string kSeedStrip = data_path("seed/zguvu.png");

// How much slower a CPU-bound bound may be: AddressSanitizer and UBSan (tools/sanitize.sh) slow
// crossocr's own code about threefold. The bounds still tell a quick path from a stuck one.
#if defined(__SANITIZE_ADDRESS__)  // gcc
inline constexpr double kSlowdown = 3.0;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)  // clang (the fuzz build's tree)
inline constexpr double kSlowdown = 3.0;
#else
inline constexpr double kSlowdown = 1.0;
#endif
#else
inline constexpr double kSlowdown = 1.0;
#endif

// A fresh folder under the system temp dir, removed when the object goes.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string write(const std::string& name, const std::vector<std::uint8_t>& bytes) const;
  std::string write(const std::string& name, const std::string& text) const;

 private:
  std::filesystem::path path_;
};

std::vector<std::uint8_t> read_bytes(const std::string& path);

// A syntactically valid PNG whose header declares width x height but carries almost no pixels.
std::vector<std::uint8_t> png_declaring(std::uint32_t width, std::uint32_t height);

// Writes a PNG of one flat light colour (an image with no text at all).
void write_solid_png(const std::string& path, int width, int height);

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs the built crossocr with `args` (each shell-quoted), optionally feeding `stdin_path` and
// sending standard output to `stdout_path` (then `out` is empty).
ProcessResult run_cli(const std::vector<std::string>& args, const std::string& stdin_path = "",
                      const std::string& stdout_path = "");

// The same for any other program (a path, or a name looked up in PATH).
ProcessResult run_program(const std::string& program, const std::vector<std::string>& args,
                          const std::string& stdin_path = "", const std::string& stdout_path = "");

// The six kinds of bad input every batch must survive, written into `dir`; returns their paths.
std::vector<std::string> write_bad_inputs(const ScratchDir& dir);

}  // namespace crossocr::testing

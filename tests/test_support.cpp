#include "test_support.hpp"

#include <opencv2/imgcodecs.hpp>
#include <zlib.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>

namespace crossocr::testing {
namespace {

void put_u32(std::vector<std::uint8_t>& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
}

void put_chunk(std::vector<std::uint8_t>& out, const char* type,
               const std::vector<std::uint8_t>& payload) {
  put_u32(out, static_cast<std::uint32_t>(payload.size()));
  std::vector<std::uint8_t> typed(type, type + 4);
  typed.insert(typed.end(), payload.begin(), payload.end());
  out.insert(out.end(), typed.begin(), typed.end());
  put_u32(out, static_cast<std::uint32_t>(crc32(0L, typed.data(), static_cast<uInt>(typed.size()))));
}

std::string quote(const std::string& arg) {
  std::string q = "'";
  for (char c : arg) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

ScratchDir::ScratchDir() {
  std::random_device rd;
  path_ = std::filesystem::temp_directory_path() / ("crossocr-test-" + std::to_string(rd()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string ScratchDir::write(const std::string& name, const std::vector<std::uint8_t>& bytes) const {
  const std::string p = file(name);
  std::ofstream(p, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                           static_cast<std::streamsize>(bytes.size()));
  return p;
}

std::string ScratchDir::write(const std::string& name, const std::string& text) const {
  return write(name, std::vector<std::uint8_t>(text.begin(), text.end()));
}

std::vector<std::uint8_t> read_bytes(const std::string& path) {
  const std::string s = slurp(path);
  return {s.begin(), s.end()};
}

std::vector<std::uint8_t> png_declaring(std::uint32_t width, std::uint32_t height) {
  std::vector<std::uint8_t> png = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  std::vector<std::uint8_t> ihdr;
  put_u32(ihdr, width);
  put_u32(ihdr, height);
  ihdr.insert(ihdr.end(), {8, 2, 0, 0, 0});  // 8-bit RGB, deflate, no filter, no interlace
  put_chunk(png, "IHDR", ihdr);
  // One compressed row of zeros: a decoder that trusted the header would allocate first.
  std::vector<std::uint8_t> row(16, 0);
  std::vector<std::uint8_t> idat(compressBound(row.size()));
  uLongf size = idat.size();
  compress(idat.data(), &size, row.data(), row.size());
  idat.resize(size);
  put_chunk(png, "IDAT", idat);
  put_chunk(png, "IEND", {});
  return png;
}

ProcessResult run_cli(const std::vector<std::string>& args, const std::string& stdin_path,
                      const std::string& stdout_path) {
  return run_program(CROSSOCR_CLI_PATH, args, stdin_path, stdout_path);
}

ProcessResult run_program(const std::string& program, const std::vector<std::string>& args,
                          const std::string& stdin_path, const std::string& stdout_path) {
  ScratchDir dir;
  std::string command = quote(program);
  // Appended piece by piece: g++ 12 warns falsely (-Wrestrict) on `" " + std::string`.
  for (const std::string& a : args) command.append(" ").append(quote(a));
  command.append(" >").append(quote(stdout_path.empty() ? dir.file("out") : stdout_path));
  command.append(" 2>").append(quote(dir.file("err")));
  command.append(" <").append(stdin_path.empty() ? std::string("/dev/null") : quote(stdin_path));
  const int status = std::system(command.c_str());
  ProcessResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = slurp(dir.file("out"));
  r.err = slurp(dir.file("err"));
  return r;
}

std::vector<std::string> write_bad_inputs(const ScratchDir& dir) {
  const std::vector<std::uint8_t> seed = read_bytes(kSeedStrip);
  std::vector<std::uint8_t> truncated(seed.begin(), seed.begin() + seed.size() / 2);
  std::vector<std::uint8_t> one_pixel;
  cv::imencode(".png", cv::Mat(1, 1, CV_8UC3, cv::Scalar::all(255)), one_pixel);
  return {
      dir.file("missing.png"),
      dir.write("empty.png", std::string()),
      dir.write("notes.png", std::string("these are my notes, not a picture\n")),
      dir.write("truncated.png", truncated),
      dir.write("one-pixel.png", one_pixel),
      dir.write("huge.png", png_declaring(100000, 100000)),
  };
}

}  // namespace crossocr::testing

namespace crossocr::testing {

void write_solid_png(const std::string& path, int width, int height) {
  if (!cv::imwrite(path, cv::Mat(height, width, CV_8UC3, cv::Scalar(246, 248, 250)))) {
    throw std::runtime_error("cannot write " + path);
  }
}

}  // namespace crossocr::testing

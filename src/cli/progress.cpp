#include "cli/progress.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>

#include <unistd.h>

namespace crossocr::cli {
namespace {

std::atomic<bool> line_shown{false};

constexpr double kRedrawSeconds = 0.1;  // a terminal line need not change faster than the eye reads
constexpr double kLineSeconds = 10.0;   // a log gets a line at least this often, besides each quarter

}  // namespace

ProgressStyle progress_style(bool quiet, bool forced, bool lines_elsewhere) {
  if (quiet) return ProgressStyle::kOff;
  // isatty sets errno when it says no; a write that failed before must still be reported by its cause.
  const int earlier_error = errno;
  const bool terminal = isatty(STDERR_FILENO) != 0;
  errno = earlier_error;
  if (terminal) return ProgressStyle::kInPlace;
  return forced || lines_elsewhere ? ProgressStyle::kLines : ProgressStyle::kOff;
}

bool progress_line_shown() { return line_shown.load(); }

void ProgressDisplay::operator()(const std::string& label, std::size_t done, std::size_t total, double seconds) {
  if (style_ == ProgressStyle::kOff || total == 0) return;
  const double rate = seconds > 0 ? done / seconds : 0.0;
  const double eta = rate > 0 ? (total - done) / rate : 0.0;
  const bool last = done == total;
  if (style_ == ProgressStyle::kInPlace) {
    if (!last && last_drawn_ >= 0 && seconds - last_drawn_ < kRedrawSeconds) return;
    draw_in_place(label, done, total, rate, eta);
  } else {
    const bool new_quarter = done * 4 / total != (done - 1) * 4 / total;
    if (!last && !new_quarter && last_drawn_ >= 0 && seconds - last_drawn_ < kLineSeconds) return;
    write_line(label, done, total, rate, eta);
  }
  last_drawn_ = seconds;
}

void ProgressDisplay::draw_in_place(const std::string& label, std::size_t done, std::size_t total, double rate,
                                    double eta) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / std::max<std::size_t>(1, total));
  std::fprintf(stderr, "\r%-27.27s [%s%s] %zu/%zu %6.1f img/s ETA %4.0fs", label.c_str(),
               std::string(filled, '#').c_str(), std::string(kWidth - filled, '.').c_str(), done, total, rate,
               eta);
  line_shown = done != total;
  if (done == total) std::fputc('\n', stderr);
}

void ProgressDisplay::write_line(const std::string& label, std::size_t done, std::size_t total, double rate,
                                 double eta) {
  if (done == total) {
    std::fprintf(stderr, "%s: %zu/%zu images, %.1f img/s\n", label.c_str(), done, total, rate);
  } else {
    std::fprintf(stderr, "%s: %zu/%zu images, %.1f img/s, ETA %.0fs\n", label.c_str(), done, total, rate, eta);
  }
}

}  // namespace crossocr::cli

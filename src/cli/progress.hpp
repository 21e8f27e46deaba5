// Progress of a long run on standard error, shared by reading batches and `crossocr eval`. On a
// terminal: one line with a bar, the count, the rate and the time left, redrawn in place. Elsewhere
// (a log file, a pipe): plain lines, or nothing, so that logs stay clean unless progress is asked for.
#pragma once

#include <cstddef>
#include <string>

namespace crossocr::cli {

enum class ProgressStyle { kOff, kInPlace, kLines };

// --quiet silences it; --progress (`forced`) or `lines_elsewhere` (eval: long runs whose output is a
// report) shows it as lines where standard error is not a terminal; on a terminal it is in place.
ProgressStyle progress_style(bool quiet, bool forced, bool lines_elsewhere);

class ProgressDisplay {
 public:
  explicit ProgressDisplay(ProgressStyle style) : style_(style) {}

  // `label` says what is counted ("reading", or an eval set and mode); `seconds` since the start.
  void operator()(const std::string& label, std::size_t done, std::size_t total, double seconds);

 private:
  void draw_in_place(const std::string& label, std::size_t done, std::size_t total, double rate, double eta);
  void write_line(const std::string& label, std::size_t done, std::size_t total, double rate, double eta);

  ProgressStyle style_;
  double last_drawn_ = -1.0;  // seconds at the last line or redraw
};

// Whether a progress line is on the terminal now, unfinished: a problem reported meanwhile first
// clears it, so that the two never share a line.
bool progress_line_shown();

}  // namespace crossocr::cli

#include "cli/cli_options.hpp"
#include "cli/progress.hpp"
#include "crossocr/output.hpp"

#include <cstdio>

namespace crossocr::cli {

void report_problem(const std::string& message) {
  // Messages carry text from providers and file names: shown, never obeyed by the terminal, and
  // one line each (a file name may hold a line break). A progress line drawn in place is cleared
  // first: the problem gets a line of its own.
  std::string shown;
  for (const char c : without_control_characters(message)) shown += c == '\n' ? std::string("\\n") : std::string(1, c);
  const std::string line =
      std::string(progress_line_shown() ? "\r\033[K" : "") + "crossocr: " + shown + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);  // stderr is unbuffered: one write(2)
}

}  // namespace crossocr::cli

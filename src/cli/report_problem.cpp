#include "cli/cli_options.hpp"
#include "crossocr/output.hpp"

#include <cstdio>

namespace crossocr::cli {

void report_problem(const std::string& message) {
  // Messages carry text from providers and file names: shown, never obeyed by the terminal.
  const std::string line = "crossocr: " + without_control_characters(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);  // stderr is unbuffered: one write(2)
}

}  // namespace crossocr::cli

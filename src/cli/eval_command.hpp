// `crossocr eval`: runs labelled sets through the runner in each mode, writes the reports, records
// the run, and compares stored runs. Both commands throw ConfigError for what a person must fix;
// main() turns it into one line and exit 3.
#pragma once

#include "cli/cli_options.hpp"

namespace crossocr::cli {

int run_eval(CliOptions& options);

// `crossocr calibrate`: fits and writes the local reader's calibration.
int run_calibrate(CliOptions& options);

}  // namespace crossocr::cli

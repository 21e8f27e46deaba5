// `crossocr adapt`: fine-tunes the strip recogniser on a user's labelled images of one kind, by
// running the trainer that ships beside the models (tools/adapt_recognizer.py) with Debian's
// PyTorch. Reading never needs PyTorch; only this command does, and it says what to install
// (a ConfigError, which main() turns into one line and exit 3).
#pragma once

#include "cli/cli_options.hpp"

namespace crossocr::cli {

int run_adapt(CliOptions& options);

}  // namespace crossocr::cli

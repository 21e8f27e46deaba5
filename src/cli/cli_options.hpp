// Command-line flags → validated options: the CLI11 table, the config file and the checks CLI11
// cannot make. Kept apart from main(), which only runs the reader and prints.
#pragma once

#include "cli/exit_codes.hpp"
#include "crossocr/reader.hpp"

#include <optional>
#include <string>
#include <vector>

namespace crossocr::cli {

enum class OutputFormat { kText, kJson, kJsonl, kHocr, kAlto, kTsv, kPdf };

struct CliOptions {
  std::vector<std::string> images;  // as given: files, folders, @LIST files, - for standard input
  bool recursive = false;           // folders are read with their subfolders
  unsigned shard = 1, shards = 1;   // --shard K/N: read only the K-th of N parts of the inputs
  bool quiet = false;               // nothing on standard error but problems: no progress, no counts
  bool progress = false;            // progress on standard error even when it is not a terminal
  ReaderOptions reader;
  OutputFormat format = OutputFormat::kText;
  std::string output_path;  // empty: standard output
  std::string output_dir;   // also one file per input there; empty: none
  bool skip_existing = false;  // inputs whose file is already in output_dir are not read
  bool unordered = false;   // each result printed as soon as it is read, not in input order
  bool strict = false;      // flagged results change the exit status

  // `crossocr eval`: accuracy comparison runs over labelled sets.
  bool eval = false;
  std::vector<std::string> sets;
  std::vector<Mode> eval_modes = {Mode::kLocal};
  std::string report_dir;
  std::string runs_db;      // empty: the per-user default
  bool store_run = true;
  std::vector<long long> compare;  // two run ids
  bool fit_remote_prior = false;   // store the remote's exact rate as its prior

  // `crossocr adapt`: fine-tunes the strip recogniser on `sets`.
  bool adapt = false;
  std::string adapt_out;                   // a path, or a name saved under the user's data folder
  double adapt_minutes = 10.0;
  std::vector<std::string> adapt_validate;

  // `crossocr calibrate`: fits the local reader's calibration on labelled generated lines.
  bool calibrate = false;
  std::string calibration_out;
  std::string calibration_rows;
  std::vector<std::string> calibration_holdout;
};

struct ParseOutcome {
  std::optional<CliOptions> options;  // empty when the process should exit with `exit_code`
  int exit_code = kExitOk;
};

// Writes "crossocr: MESSAGE" and a newline to standard error in one write: a decoder's own
// complaint, printed from a reading thread (libpng writes to stderr itself), cannot split it.
void report_problem(const std::string& message);

// Parses argv; --help and --version print and return an outcome without options.
ParseOutcome parse_command_line(int argc, const char* const* argv);

}  // namespace crossocr::cli

// Evaluation: reads labelled sets with the same runner the CLI uses and scores each mode, so a
// user can compare modes, models, prompts and policies on their own images.
//
// Thread-safety: evaluate() opens readers of its own and calls its callbacks from the calling
// thread; the report functions are pure. Any of them may run on any thread.
#pragma once

#include "crossocr/metrics.hpp"
#include "crossocr/reader.hpp"

#include <functional>
#include <string>
#include <vector>

namespace crossocr {

// A folder with labels.tsv (`file<TAB>text`, with \n \t \\ escapes) and optional dataset.json.
struct LabelledSet {
  std::string name;  // dataset.json's name, else the folder's
  std::string dir;
  bool case_sensitive = true;
  std::vector<std::pair<std::string, std::string>> items;  // file (relative to dir), expected
};

// Throws ConfigError when the folder has no readable labels.tsv, or a label with an unknown escape
// (naming its line).
LabelledSet load_labelled_set(const std::string& dir);

// Undoes the labels.tsv escapes (\n, \t, \\); throws ConfigError on any other backslash.
std::string unescape_label(std::string_view text);

// One image of one set read in one mode.
struct EvalRow {
  std::string set;
  std::string mode;
  std::string file;        // as in labels.tsv
  std::string image_path;  // where it was read from
  std::string expected;
  std::string got;
  bool exact = false;  // right under the set's case rule, as SetMetrics::exact; never when failed
  bool failed = false;
  bool flagged = false;
  std::string status;  // vote: the verdict's status
  std::string error;
  double confidence = 0.0;
  double latency_ms = 0.0;
  long tokens = 0;
  std::string local_text;   // vote: the two readings the verdict was made from
  std::string remote_text;
};

struct SetModeMetrics {
  std::string set;
  std::string mode;
  SetMetrics metrics;
  double seconds = 0.0;          // wall time for the whole set
  double images_per_second = 0.0;
};

struct EvalReport {
  std::string version;
  std::string started;           // ISO 8601, UTC
  std::string options;           // JSON of the options that decide the readings
  std::vector<SetModeMetrics> summary;
  std::vector<EvalRow> rows;
};

// Progress of one (set, mode): images done out of total, elapsed seconds.
using EvalProgress = std::function<void(const std::string& set, const std::string& mode,
                                        std::size_t done, std::size_t total, double seconds)>;

// Throws ConfigError when a reader cannot be opened. `remote_unavailable`, when given, hears once
// why remote readings can come from the cache only (no key).
EvalReport evaluate(const std::vector<LabelledSet>& sets, const std::vector<Mode>& modes,
                    const ReaderOptions& options, const EvalProgress& progress = {},
                    const std::function<void(const std::string&)>& remote_unavailable = {});

// Reports: every number and every row (JSON), a summary for terminals and pull requests
// (Markdown), and a self-contained page with the wrong and flagged images shown (HTML).
std::string report_json(const EvalReport& report);
std::string report_markdown(const EvalReport& report);
std::string report_html(const EvalReport& report);

// Fits the local reader's calibration on labelled lines (generated ones: never an evaluation set)
// and writes it to `out_path` as JSON; LocalOptions::calibration_path reads it. Throws ConfigError
// when it cannot be written.
struct CalibrationSummary {
  std::size_t images = 0;      // read
  std::size_t candidates = 0;  // rows fitted on
  std::size_t right = 0;       // of which exactly right
  std::size_t held_out = 0;    // readings of `holdout` the second stage was fitted on
};
// `holdout` (other generated lines, may be empty) fits the second stage: how often the reading
// the engine chooses is right at each first-stage probability. `rows_path`, when given, also
// receives every fitted row as CSV (image, right, features...).
CalibrationSummary calibrate_local(const std::vector<LabelledSet>& sets, const std::vector<LabelledSet>& holdout,
                                   const LocalOptions& options, unsigned jobs, const std::string& out_path,
                                   const std::string& rows_path = {});

// What the labels of the images a second stage is fitted on are.
enum class HeldBackLabels {
  kTrue,            // the right text
  kRemoteReadings,  // a remote model's readings, right only part of the time
};
struct ReadingMapsRefit {
  std::size_t readings = 0;   // the maps were fitted on
  double labels_right = 1.0;  // the share of labels taken to be right (estimated for remote readings)
};
// The second stage alone: the calibration file at `calibration_path` keeps its first stage and
// gets reading maps fitted on how the engine (with `options`) reads `holdout`; a map with no
// readings of its kind stays as it was. Remote readings as labels: how often they are right is
// estimated as how often the engine's surest quarter of readings matches them (where the engine
// is taken to be right), and each map is corrected for it (Calibration::fit_reading_map).
ReadingMapsRefit refit_reading_maps(const std::vector<LabelledSet>& holdout, const LocalOptions& options,
                                    unsigned jobs, const std::string& calibration_path, std::string origin,
                                    HeldBackLabels labels = HeldBackLabels::kTrue);

}  // namespace crossocr

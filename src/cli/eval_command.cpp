#include "cli/eval_command.hpp"

#include "cli/progress.hpp"

#include "crossocr/errors.hpp"
#include "crossocr/evaluation.hpp"
#include "crossocr/output.hpp"
#include "crossocr/run_store.hpp"
#include "crossocr/version.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <unistd.h>

namespace crossocr::cli {
namespace {

// The remote mode's readings of the run as the prior of its endpoint and model, stored for later
// runs (a failed reading says nothing of the model and is left out).
void fit_remote_prior(const EvalReport& report, const std::vector<LabelledSet>& sets, const RemoteOptions& remote) {
  int right = 0, read = 0;
  for (const EvalRow& r : report.rows) {
    if (r.mode != "remote" || r.failed) continue;
    ++read;
    right += r.exact;
  }
  std::string origin = "crossocr eval on";
  for (const LabelledSet& set : sets) origin += " " + set.name;
  const std::string path = default_remote_priors_path();
  const double prior = store_remote_prior(path, remote, right, read, origin);
  char figure[16];
  std::snprintf(figure, sizeof figure, "%.3f", prior);
  std::cout << "\nremote prior for " << remote.model << " at " << remote.base_url << ": " << figure << " (" << right
            << " of " << read << " read exactly), stored in " << path << "\n";
}

// Results that cannot be written are lost: a full disk or a closed pipe is an error naming the
// file and the cause, never exit 0.
void check_written(std::ostream& out, const std::string& name) {
  out.flush();
  if (!out) throw ConfigError("cannot write " + name + ": " + std::strerror(errno));
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();  // a full disk shows only when the buffer is written out
  if (!out) throw ConfigError("cannot write " + path.string() + ": " + std::strerror(errno));
}

// The --report folder is made and checked before any image is read, so that a folder that cannot
// be written costs nothing.
void prepare_report_dir(const std::string& dir) {
  std::error_code error;
  std::filesystem::create_directories(dir, error);
  if (error) throw ConfigError("cannot create --report " + dir + ": " + error.message());
  if (access(dir.c_str(), W_OK) != 0) throw ConfigError("cannot write --report " + dir + ": " + std::strerror(errno));
}

// Images that could not be read count as failures in the figures; they are also said on standard
// error as a reading batch says them (a missing file in labels.tsv was seen only in the report).
void say_failures(const EvalReport& report) {
  constexpr std::size_t kShown = 10;
  std::size_t failed = 0;
  for (const EvalRow& row : report.rows) {
    if (row.failed && ++failed <= kShown) report_problem(row.set + " (" + row.mode + "): " + row.file + ": " + row.error);
  }
  if (failed > kShown) {
    report_problem(std::to_string(failed - kShown) + " more images could not be read (the report's rows say why)");
  }
}

}  // namespace

int run_eval(CliOptions& options) {
  const std::string db_path = options.runs_db.empty() ? default_runs_path() : options.runs_db;
  if (!options.compare.empty()) {
    std::cout << RunStore::open(db_path)->compare(options.compare[0], options.compare[1]);
    check_written(std::cout, "standard output");
    return kExitOk;
  }
  std::vector<LabelledSet> sets;
  for (const std::string& dir : options.sets) sets.push_back(load_labelled_set(dir));
  if (!options.report_dir.empty()) prepare_report_dir(options.report_dir);

  ProgressDisplay display(progress_style(options.quiet, options.progress, /*lines_elsewhere=*/true));
  auto progress = [&](const std::string& set, const std::string& mode, std::size_t done, std::size_t total,
                      double seconds) { display(set + " " + mode, done, total, seconds); };
  const EvalReport report = evaluate(sets, options.eval_modes, options.reader, progress,
                                     [](const std::string& problem) {
                                       // Cached readings still count: a comparison re-runs offline.
                                       report_problem(problem + "; remote readings come from the cache only");
                                     });
  say_failures(report);
  if (!options.report_dir.empty()) {
    const std::filesystem::path dir(options.report_dir);
    write_file(dir / "report.json", report_json(report));
    write_file(dir / "report.md", report_markdown(report));
    write_file(dir / "report.html", report_html(report));
  }
  std::cout << report_markdown(report);
  check_written(std::cout, "standard output");
  if (options.fit_remote_prior) fit_remote_prior(report, sets, options.reader.remote);
  if (options.store_run) {
    const long long id = RunStore::open(db_path)->save(report, std::string(version()) + " " + CROSSOCR_GIT_COMMIT);
    std::cout << "\nstored as run " << id << " in " << db_path << "\n";
  }
  check_written(std::cout, "standard output");
  return kExitOk;
}

int run_calibrate(CliOptions& options) {
  std::vector<LabelledSet> sets;
  for (const std::string& dir : options.sets) sets.push_back(load_labelled_set(dir));
  std::vector<LabelledSet> holdout;
  for (const std::string& dir : options.calibration_holdout) holdout.push_back(load_labelled_set(dir));
  const CalibrationSummary s = calibrate_local(sets, holdout, options.reader.local, options.reader.jobs,
                                               options.calibration_out, options.calibration_rows);
  std::cout << "fitted on " << s.candidates << " candidate readings of " << s.images << " images ("
            << s.right << " right)";
  if (!holdout.empty()) std::cout << ", the chosen reading's map on " << s.held_out << " held-out images";
  std::cout << "; wrote " << options.calibration_out << "\n";
  check_written(std::cout, "standard output");
  return kExitOk;
}

}  // namespace crossocr::cli

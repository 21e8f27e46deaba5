#include "crossocr/evaluation.hpp"

#include "crossocr/errors.hpp"
#include "eval/scoring.hpp"
#include "local/calibration.hpp"
#include "local/local_engine.hpp"

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <thread>

namespace crossocr {
namespace {

struct Item {
  std::string path, expected;
  bool case_sensitive;
};

std::vector<Item> items_of(const std::vector<LabelledSet>& sets) {
  std::vector<Item> items;
  for (const LabelledSet& set : sets) {
    for (const auto& [file, expected] : set.items) {
      items.push_back({(std::filesystem::path(set.dir) / file).string(), expected, set.case_sensitive});
    }
  }
  return items;
}

// Calls visit(engine, item index, image, mutex) for every item that decodes, from `jobs` threads
// with an engine each; visit locks the mutex around what it shares. An engine that cannot be made
// is rethrown here.
template <typename Visit>
void read_each(const std::vector<Item>& items, const LocalOptions& options, unsigned jobs, Visit visit) {
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  std::exception_ptr failure;
  auto worker = [&] {
    std::optional<LocalEngine> engine;
    try {
      engine.emplace(options);
    } catch (...) {
      std::lock_guard lock(mutex);
      failure = std::current_exception();
      return;
    }
    for (std::size_t i; (i = next++) < items.size();) {
      const LoadedImage image = load_image(items[i].path);
      if (!image.ok()) continue;
      visit(*engine, i, image, mutex);
    }
  };
  {
    std::vector<std::jthread> pool;
    const unsigned n = std::max(1u, jobs != 0 ? jobs : std::thread::hardware_concurrency());
    for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
  }
  if (failure) std::rethrow_exception(failure);
}

void write_rows(const std::string& rows_path, const std::vector<Item>& items, const std::vector<std::size_t>& row_item,
                const std::vector<bool>& right, const std::vector<std::vector<double>>& rows) {
  std::ofstream csv(rows_path);
  for (std::size_t r = 0; r < rows.size(); ++r) {
    csv << items[row_item[r]].path << "," << right[r];
    for (double f : rows[r]) csv << "," << f;
    csv << "\n";
  }
  if (!csv) throw ConfigError("cannot write " + rows_path);
}

// How often remote readings used as labels are right, estimated from the quarter of readings the
// engine is surest of (at least 20, where there are as many: fewer estimate a share too coarsely):
// there it is nearly always right, so how often it matches the label is how often the label is
// right (a slight underestimate where the engine errs). At least 0.05, so the correction stays
// finite.
double share_of_labels_right(const std::vector<double>& confidence, const std::vector<bool>& matches_label) {
  std::vector<std::size_t> order(confidence.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return confidence[a] > confidence[b]; });
  const std::size_t surest = std::max<std::size_t>({1, order.size() / 4, std::min<std::size_t>(order.size(), 20)});
  std::size_t matched = 0;
  for (std::size_t k = 0; k < surest && k < order.size(); ++k) matched += matches_label[order[k]] ? 1 : 0;
  return std::max(0.05, static_cast<double>(matched) / static_cast<double>(surest));
}

}  // namespace

CalibrationSummary calibrate_local(const std::vector<LabelledSet>& sets, const std::vector<LabelledSet>& holdout,
                                   const LocalOptions& options, unsigned jobs, const std::string& out_path,
                                   const std::string& rows_path) {
  const std::vector<Item> items = items_of(sets);
  std::vector<std::vector<double>> rows;
  std::vector<bool> right;
  std::vector<std::size_t> row_item;  // which item each row came from
  CalibrationSummary summary;
  // Calibrating needs no calibration: every candidate is weighed at both moments regardless.
  LocalOptions uncalibrated = options;
  uncalibrated.calibration_path = "none";
  read_each(items, uncalibrated, jobs, [&](LocalEngine& engine, std::size_t i, const LoadedImage& image, std::mutex& mutex) {
    auto samples = engine.calibration_samples(image);
    std::lock_guard lock(mutex);
    ++summary.images;
    for (auto& [features, text] : samples) {
      rows.push_back(std::move(features));
      // Right as the evaluation scores it, so the confidence predicts what eval reports.
      right.push_back(eval::same_text(items[i].expected, text, items[i].case_sensitive));
      row_item.push_back(i);
    }
  });
  summary.candidates = rows.size();
  summary.right = static_cast<std::size_t>(std::count(right.begin(), right.end(), true));
  if (!rows_path.empty()) write_rows(rows_path, items, row_item, right, rows);
  Calibration fitted = Calibration::fit(rows, right);
  std::string origin = "crossocr calibrate on";
  for (const LabelledSet& set : sets) origin += " " + set.name;
  fitted.save(out_path, origin);
  if (holdout.empty()) return summary;

  summary.held_out = refit_reading_maps(holdout, options, jobs, out_path, origin + ", its chosen readings mapped on").readings;
  return summary;
}

ReadingMapsRefit refit_reading_maps(const std::vector<LabelledSet>& holdout, const LocalOptions& options,
                                    unsigned jobs, const std::string& calibration_path, std::string origin,
                                    HeldBackLabels labels) {
  Calibration fitted = Calibration::load(calibration_path);
  // The held-out images read as the engine reads them, with the first stage alone: the maps are
  // fitted on the probabilities they will be given.
  Calibration first_stage = fitted;
  first_stage.clear_reading_maps();
  first_stage.save(calibration_path, origin);
  const std::vector<Item> held = items_of(holdout);
  std::vector<double> chosen, joined;  // one line; several lines (a product of line probabilities)
  std::vector<bool> chosen_right, joined_right;
  LocalOptions reading_options = options;
  reading_options.calibration_path = calibration_path;
  read_each(held, reading_options, jobs, [&](LocalEngine& engine, std::size_t i, const LoadedImage& image, std::mutex& mutex) {
    const Reading reading = engine.read(image);
    std::lock_guard lock(mutex);
    if (!reading.ok()) return;
    // An adapted recogniser's maps are for the readings it took part in (LocalEngine::read).
    if (!options.recognizer_path.empty() && reading.recognizer == "shipped") return;
    const bool lines = reading.variant == "lines";
    (lines ? joined : chosen).push_back(reading.confidence);
    (lines ? joined_right : chosen_right).push_back(eval::same_text(held[i].expected, reading.text, held[i].case_sensitive));
  });
  ReadingMapsRefit refit;
  refit.readings = chosen.size() + joined.size();
  if (labels == HeldBackLabels::kRemoteReadings) {
    std::vector<double> confidence = chosen;
    std::vector<bool> matched = chosen_right;
    confidence.insert(confidence.end(), joined.begin(), joined.end());
    matched.insert(matched.end(), joined_right.begin(), joined_right.end());
    refit.labels_right = share_of_labels_right(confidence, matched);
  }
  // A map with nothing to fit on stays as it was.
  if (!chosen.empty()) fitted.fit_reading_map(chosen, chosen_right, refit.labels_right);
  if (!joined.empty()) fitted.fit_lines_map(joined, joined_right, refit.labels_right);
  for (const LabelledSet& set : holdout) origin += " " + set.name;
  fitted.save(calibration_path, origin);
  return refit;
}

}  // namespace crossocr

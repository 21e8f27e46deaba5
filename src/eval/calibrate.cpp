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

CalibrationSummary calibrate_local(const std::vector<LabelledSet>& sets, const LocalOptions& options,
                                   unsigned jobs, const std::string& out_path, const std::string& rows_path) {
  struct Item {
    std::string path, expected;
    bool case_sensitive;
  };
  std::vector<Item> items;
  for (const LabelledSet& set : sets) {
    for (const auto& [file, expected] : set.items) {
      items.push_back({(std::filesystem::path(set.dir) / file).string(), expected, set.case_sensitive});
    }
  }
  std::vector<std::vector<double>> rows;
  std::vector<bool> right;
  std::vector<std::size_t> row_item;  // which item each row came from
  CalibrationSummary summary;
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  // Calibrating needs no calibration: every candidate is weighed at both moments regardless.
  LocalOptions uncalibrated = options;
  uncalibrated.calibration_path = "none";
  std::exception_ptr failure;
  auto worker = [&] {
    std::optional<LocalEngine> engine;
    try {
      engine.emplace(uncalibrated);
    } catch (...) {
      std::lock_guard lock(mutex);
      failure = std::current_exception();
      return;
    }
    for (std::size_t i; (i = next++) < items.size();) {
      const LoadedImage image = load_image(items[i].path);
      if (!image.ok()) continue;
      auto samples = engine->calibration_samples(image);
      std::lock_guard lock(mutex);
      ++summary.images;
      for (auto& [features, text] : samples) {
        rows.push_back(std::move(features));
        // Right as the evaluation scores it, so the confidence predicts what eval reports.
        right.push_back(eval::same_text(items[i].expected, text, items[i].case_sensitive));
        row_item.push_back(i);
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    const unsigned n = std::max(1u, jobs != 0 ? jobs : std::thread::hardware_concurrency());
    for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
  }
  if (failure) std::rethrow_exception(failure);
  summary.candidates = rows.size();
  summary.right = static_cast<std::size_t>(std::count(right.begin(), right.end(), true));
  if (!rows_path.empty()) {
    std::ofstream csv(rows_path);
    for (std::size_t r = 0; r < rows.size(); ++r) {
      csv << items[row_item[r]].path << "," << right[r];
      for (double f : rows[r]) csv << "," << f;
      csv << "\n";
    }
    if (!csv) throw ConfigError("cannot write " + rows_path);
  }
  const Calibration fitted = Calibration::fit(rows, right);
  std::string origin = "crossocr calibrate on";
  for (const LabelledSet& set : sets) origin += " " + set.name;
  fitted.save(out_path, origin);
  return summary;
}

}  // namespace crossocr

#include "crossocr/evaluation.hpp"

#include "local/calibration.hpp"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <filesystem>
#include <mutex>
#include <thread>

namespace crossocr {
namespace {

bool same_text(const std::string& a, const std::string& b, bool case_sensitive) {
  if (case_sensitive) return a == b;
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

CalibrationSummary calibrate_local(const std::vector<LabelledSet>& sets, const LocalOptions& options,
                                   unsigned jobs, const std::string& out_path) {
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
  CalibrationSummary summary;
  std::mutex mutex;
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    LocalEngine engine(options);
    for (std::size_t i; (i = next++) < items.size();) {
      const LoadedImage image = load_image(items[i].path);
      if (!image.ok()) continue;
      auto samples = engine.calibration_samples(image);
      std::lock_guard lock(mutex);
      ++summary.images;
      for (auto& [features, text] : samples) {
        rows.push_back(std::move(features));
        right.push_back(same_text(text, items[i].expected, items[i].case_sensitive));
      }
    }
  };
  {
    std::vector<std::jthread> pool;
    const unsigned n = std::max(1u, jobs != 0 ? jobs : std::thread::hardware_concurrency());
    for (unsigned t = 0; t < n; ++t) pool.emplace_back(worker);
  }
  summary.candidates = rows.size();
  summary.right = static_cast<std::size_t>(std::count(right.begin(), right.end(), true));
  const Calibration fitted = Calibration::fit(rows, right);
  std::string origin = "crossocr calibrate on";
  for (const LabelledSet& set : sets) origin += " " + set.name;
  fitted.save(out_path, origin);
  return summary;
}

}  // namespace crossocr

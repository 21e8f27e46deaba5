#include "crossocr/options.hpp"

#include "crossocr/errors.hpp"
#include "user_paths.hpp"
#include "utc_time.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

namespace crossocr {
namespace {

// One endpoint and model: a prior says how often that model reads right, wherever it is asked.
std::string key_of(const RemoteOptions& o) { return o.base_url + " " + o.model; }

nlohmann::json read_priors(const std::string& path) {
  std::ifstream in(path);
  if (!in) return nlohmann::json::object();
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return j.is_object() ? j : nlohmann::json::object();
}

}  // namespace

std::string default_remote_priors_path() {
  return user_file("XDG_DATA_HOME", ".local/share", "remote_priors.json").value_or(".crossocr-remote-priors.json");
}

double fitted_remote_prior(int right, int read) {
  // The rate with one right and one wrong reading added: a small set cannot claim 0 or 1.
  return (right + 1.0) / (read + 2.0);
}

std::optional<double> stored_remote_prior(const std::string& path, const RemoteOptions& options) {
  const nlohmann::json priors = read_priors(path);
  const auto entry = priors.find(key_of(options));
  if (entry == priors.end() || !entry->is_object() || !entry->contains("prior") || !(*entry)["prior"].is_number()) {
    return std::nullopt;
  }
  const double prior = (*entry)["prior"].get<double>();
  if (!std::isfinite(prior) || prior <= 0.0 || prior >= 1.0) return std::nullopt;
  return prior;
}

double store_remote_prior(const std::string& path, const RemoteOptions& options, int right, int read,
                          const std::string& origin) {
  if (read <= 0) throw ConfigError("no remote reading succeeded, so there is no prior to fit");
  nlohmann::json priors = read_priors(path);
  const double prior = fitted_remote_prior(right, read);
  priors[key_of(options)] = {{"prior", std::round(prior * 1000) / 1000},
                             {"right", right},
                             {"read", read},
                             {"origin", origin},
                             {"fitted", utc_now_iso8601()}};
  std::error_code ec;
  const std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path(), ec);
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << priors.dump(1) << "\n";
    if (!out.flush()) throw ConfigError("cannot write the remote prior to " + temporary);
  }
  std::filesystem::rename(temporary, path, ec);
  if (ec) throw ConfigError("cannot write the remote prior to " + path + ": " + ec.message());
  return std::round(prior * 1000) / 1000;
}

}  // namespace crossocr

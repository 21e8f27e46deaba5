#include "crossocr/evaluation.hpp"

#include "crossocr/errors.hpp"
#include "crossocr/output.hpp"
#include "crossocr/version.hpp"
#include "eval/scoring.hpp"
#include "utc_time.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace crossocr {
namespace {

// What decides the readings, so that two runs can be told apart. Never the API key.
std::string options_json(const std::vector<Mode>& modes, const ReaderOptions& o) {
  nlohmann::ordered_json j;
  nlohmann::ordered_json mode_names = nlohmann::ordered_json::array();
  for (Mode m : modes) mode_names.push_back(std::string(to_string(m)));
  j["modes"] = mode_names;
  j["local"] = {{"lang", o.local.tesseract.lang},
                {"psm", o.local.tesseract.psm},
                {"charset", o.local.tesseract.charset},
                {"max_reads", o.local.max_reads},
                {"recognizer", o.local.recognizer_path},
                {"line_reader", o.local.line_reader_path},
                {"calibration", o.local.calibration_path},
                {"flag_below", o.flag_below}};
  j["remote"] = {{"base_url", o.remote.base_url},
                 {"model", o.remote.model},
                 {"prompt", o.remote.prompt},
                 {"max_tokens", o.remote.max_tokens},
                 {"temperature", o.remote.temperature},
                 {"samples", o.remote.samples}};
  j["vote"] = {{"prefer", o.policy.prefer == Preference::kLocal    ? "local"
                          : o.policy.prefer == Preference::kRemote ? "remote"
                                                                   : "confidence"},
               {"case_sensitive", o.policy.case_sensitive}};
  return j.dump();
}

// One reader per mode, opened once for all the sets. `remote_unavailable` hears why once, not
// again for the next mode with the same problem.
std::vector<std::unique_ptr<Reader>> open_readers(
    const std::vector<Mode>& modes, const ReaderOptions& options,
    const std::function<void(const std::string&)>& remote_unavailable) {
  std::vector<std::unique_ptr<Reader>> readers;
  for (Mode mode : modes) {
    ReaderOptions o = options;
    o.mode = mode;
    readers.push_back(Reader::open(o));
    if (!readers.back()->remote_unavailable().empty() && remote_unavailable &&
        (readers.size() == 1 || readers[readers.size() - 2]->remote_unavailable().empty())) {
      remote_unavailable(readers.back()->remote_unavailable());
    }
  }
  return readers;
}

// Whether a mode's results come from the reconciler (whose verdicts depend on the case rule).
bool reconciles(Mode mode, const ReaderOptions& options) {
  return mode == Mode::kVote || (mode == Mode::kRemote && options.fallback_local);
}

// One image's result as a report row. A vote's latency is the slower of its two readings'.
EvalRow row_of(const LabelledSet& set, Mode mode, const ImageResult& r) {
  EvalRow row;
  row.set = set.name;
  row.mode = std::string(to_string(mode));
  row.file = set.items[r.index].first;
  row.image_path = r.file;
  row.expected = set.items[r.index].second;
  row.got = r.reading.text;
  row.failed = !r.ok();
  row.error = r.reading.status.message();
  row.flagged = r.flagged();
  row.status = r.verdict ? std::string(to_string(r.verdict->status)) : "";
  row.confidence = r.reading.confidence;
  if (r.local) row.local_text = r.local->ok() ? r.local->text : "(" + r.local->status.message() + ")";
  if (r.remote) row.remote_text = r.remote->ok() ? r.remote->text : "(" + r.remote->status.message() + ")";
  row.latency_ms = r.verdict ? std::max(r.local ? r.local->latency_ms : 0.0,
                                        r.remote ? r.remote->latency_ms : 0.0)
                             : r.reading.latency_ms;
  const Reading* remote = r.remote ? &*r.remote : (mode == Mode::kRemote ? &r.reading : nullptr);
  if (remote) row.tokens = remote->remote.prompt_tokens + remote->remote.completion_tokens;
  row.exact = !row.failed && eval::same_text(row.expected, row.got, set.case_sensitive);
  return row;
}

// Reads one set in one mode, appends its rows to the report and returns its summary line.
SetModeMetrics read_set(const LabelledSet& set, Mode mode, Reader& reader,
                        const std::vector<ImageSource>& sources, const EvalProgress& progress,
                        EvalReport& report) {
  std::vector<ScoredItem> scored;
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const std::string mode_name(to_string(mode));
  // Reading goes through the CLI's own runner: nothing about reading is re-implemented here.
  reader.read_batch(sources, [&](const ImageResult& r) {
    EvalRow row = row_of(set, mode, r);
    scored.push_back(ScoredItem{row.expected, row.got, row.failed, row.flagged, row.status,
                                row.latency_ms, row.tokens, row.confidence});
    report.rows.push_back(std::move(row));
    if (progress) progress(set.name, mode_name, scored.size(), sources.size(), seconds());
  });
  SetModeMetrics summary;
  summary.set = set.name;
  summary.mode = mode_name;
  summary.metrics = compute_metrics(scored, set.case_sensitive);
  summary.seconds = seconds();
  summary.images_per_second = summary.seconds > 0 ? scored.size() / summary.seconds : 0.0;
  return summary;
}

}  // namespace

std::string unescape_label(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out += text[i];
      continue;
    }
    // Anything else after a backslash is a typo that would silently change the expected text.
    if (i + 1 == text.size()) throw ConfigError("a \\ ends the text (write \\\\ for a backslash)");
    const char c = text[++i];
    if (c != 'n' && c != 't' && c != '\\') {
      throw ConfigError(std::string("unknown escape \\") + c + " (only \\n, \\t and \\\\ are escapes)");
    }
    out += c == 'n' ? '\n' : c == 't' ? '\t' : '\\';
  }
  return out;
}

namespace {

// The optional dataset.json: `name` and `case_sensitive`. A file that is there but unreadable
// would silently change the set's case rule, so it is an error naming the file and the cause.
void read_dataset_json(const std::string& dir, LabelledSet& set) {
  const std::string path = (std::filesystem::path(dir) / "dataset.json").string();
  std::ifstream meta(path);
  if (!meta) return;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(meta);
  } catch (const nlohmann::json::exception& e) {  // out_of_range too: a number like 1e999
    const std::string why = e.what();
    throw ConfigError(path + ": not JSON (" + why.substr(why.find(']') + 2) + ")");
  }
  if (!j.is_object()) throw ConfigError(path + ": not a JSON object");
  if (const auto it = j.find("case_sensitive"); it != j.end()) {
    if (!it->is_boolean()) throw ConfigError(path + ": case_sensitive must be true or false");
    set.case_sensitive = it->get<bool>();
  }
  if (const auto it = j.find("name"); it != j.end()) {
    if (!it->is_string()) throw ConfigError(path + ": name must be a string");
    set.name = it->get<std::string>();
  }
}

}  // namespace

LabelledSet load_labelled_set(const std::string& dir) {
  LabelledSet set;
  set.dir = dir;
  set.name = std::filesystem::path(dir).filename().string();
  if (set.name.empty()) set.name = std::filesystem::path(dir).parent_path().filename().string();
  std::ifstream labels(std::filesystem::path(dir) / "labels.tsv");
  if (!labels) throw ConfigError(dir + ": no labels.tsv (a set is a folder with labels.tsv)");
  if (labels.peek() == 0xEF) labels.ignore(3);  // a UTF-8 byte-order mark (0xEF 0xBB 0xBF) is no file name
  int number = 0;
  for (std::string line; std::getline(labels, line);) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto tab = line.find('\t');
    if (line.empty() || tab == std::string::npos) continue;
    try {
      set.items.emplace_back(line.substr(0, tab), unescape_label(line.substr(tab + 1)));
    } catch (const ConfigError& e) {
      throw ConfigError(dir + "/labels.tsv line " + std::to_string(number) + ": " + e.what());
    }
  }
  if (set.items.empty()) throw ConfigError(dir + "/labels.tsv: no `file<TAB>text` lines");
  read_dataset_json(dir, set);
  return set;
}

EvalReport evaluate(const std::vector<LabelledSet>& sets, const std::vector<Mode>& modes,
                    const ReaderOptions& options, const EvalProgress& progress,
                    const std::function<void(const std::string&)>& remote_unavailable) {
  const auto readers = open_readers(modes, options, remote_unavailable);
  std::vector<std::unique_ptr<Reader>> case_readers(modes.size());  // the other case rule, when a set needs it
  EvalReport report;
  report.version = version();
  report.started = utc_now_iso8601();
  report.options = options_json(modes, options);
  for (const LabelledSet& set : sets) {
    std::vector<ImageSource> sources;
    for (const auto& [file, expected] : set.items) {
      sources.push_back(ImageSource{.name = (std::filesystem::path(set.dir) / file).string()});
    }
    for (std::size_t m = 0; m < modes.size(); ++m) {
      // A vote follows each set's case rule: case-blind labels make case differences agreement.
      Reader* reader = readers[m].get();
      if (set.case_sensitive != options.policy.case_sensitive && reconciles(modes[m], options)) {
        auto& other = case_readers[m];
        if (!other) {
          ReaderOptions o = options;
          o.mode = modes[m];
          o.policy.case_sensitive = set.case_sensitive;
          other = Reader::open(o);
        }
        reader = other.get();
      }
      report.summary.push_back(read_set(set, modes[m], *reader, sources, progress, report));
    }
  }
  return report;
}

}  // namespace crossocr

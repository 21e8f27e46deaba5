#include "cli/cli_options.hpp"

#include "crossocr/version.hpp"
#include "user_paths.hpp"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <regex>
#include <sstream>

namespace crossocr::cli {
namespace {

std::string joined_provider_names() {
  std::string names;
  for (const std::string& p : provider_names()) names += (names.empty() ? "" : ", ") + p;
  return names;
}

const std::map<std::string, Mode>& mode_names() {
  static const std::map<std::string, Mode> modes = {
      {"local", Mode::kLocal}, {"remote", Mode::kRemote}, {"vote", Mode::kVote}};
  return modes;
}

// Every comparison with NaN is false, so CLI::Range lets NaN through (and with it a timeout
// that never ends): a number must be finite and within its range, from a flag, the environment or
// the config file alike.
CLI::Validator finite_range(double lowest, double highest) {
  const std::string range = "[" + CLI::detail::to_string(lowest) + ", " + CLI::detail::to_string(highest) + "]";
  return CLI::Validator(
      [=](std::string& text) -> std::string {
        char* end = nullptr;
        const double value = std::strtod(text.c_str(), &end);
        if (end == text.c_str() || *end != '\0' || !std::isfinite(value) || value < lowest ||
            value > highest) {
          return "'" + text + "' is not a number in " + range;
        }
        return {};
      },
      "NUMBER in " + range);
}

// The prompt, model, charset and base URL travel inside JSON (the request, the cache key, the
// report), which must be UTF-8: a bad byte is refused here, not as a failed reading per image.
CLI::Validator utf8_text() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          (void)nlohmann::json(text).dump();  // nlohmann's strict encoder is the UTF-8 check
        } catch (const nlohmann::json::type_error& e) {
          const std::string why = e.what();  // "[json.exception.type_error.316] invalid UTF-8 byte ..."
          return "not UTF-8 text (" + why.substr(why.find(']') + 2) + ")";
        }
        return {};
      },
      "");
}

// Edits between a typed word and a name, two swapped neighbours counting as one edit (the
// commonest typo: "jsnol" is one from "jsonl", two from "json").
std::size_t typo_distance(const std::string& a, const std::string& b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1])});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.size()][b.size()];
}

// " (did you mean NAME?)" for the name of `names` within two edits of `text`, else nothing.
std::string did_you_mean(const std::string& text, const std::vector<std::string>& names) {
  std::size_t best = std::string::npos;
  std::string nearest;
  for (const std::string& name : names) {
    const std::size_t d = typo_distance(text, name);
    if (d < best) best = d, nearest = name;
  }
  return best <= 2 ? " (did you mean " + nearest + "?)" : "";
}

// The message for a name that is none of `names`: them all, and the nearest if it is close.
std::string not_one_of(const std::string& text, const std::vector<std::string>& names) {
  std::string listed;
  for (const std::string& name : names) listed += (listed.empty() ? "" : ", ") + name;
  return "'" + text + "' is not one of " + listed + did_you_mean(text, names);
}

std::string lowered(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A named value must be given by name ("vote", not the 2 it stands for); on a mistake the names
// are listed and the nearest one suggested. Turns the name into the value CLI11 stores.
template <class T>
CLI::Validator named(const std::map<std::string, T>& names) {
  return CLI::Validator(
      [names](std::string& text) -> std::string {
        if (const auto it = names.find(lowered(text)); it != names.end()) {
          text = std::to_string(static_cast<int>(it->second));
          return {};
        }
        std::vector<std::string> keys;
        for (const auto& [name, value] : names) keys.push_back(name);
        return not_one_of(text, keys);
      },
      "");
}

// The same for options that stay strings (provider presets, --fallback).
CLI::Validator one_of(std::vector<std::string> names) {
  return CLI::Validator(
      [names](std::string& text) -> std::string {
        if (std::find(names.begin(), names.end(), lowered(text)) == names.end()) return not_one_of(text, names);
        text = lowered(text);
        return {};
      },
      "");
}

// A count or a size: a whole number of at least 1, never a negative one wrapped round.
CLI::Validator positive_whole_number() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        const bool digits = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
          return std::isdigit(c);
        });
        if (!digits || text.find_first_not_of('0') == std::string::npos) {
          return "'" + text + "' is not a whole number of at least 1";
        }
        std::uint64_t value = 0;  // too large to hold would be read as no limit at all
        if (std::from_chars(text.data(), text.data() + text.size(), value).ec != std::errc()) {
          return "'" + text + "' is over the largest number taken, " +
                 std::to_string(std::numeric_limits<std::uint64_t>::max());
        }
        return {};
      },
      "");
}

// --shard K/N: whole numbers with 1 <= K <= N; anything else names the fix.
CLI::Validator shard_of_shards() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        unsigned k = 0, n = 0;
        char rest = 0;
        const bool parsed = text.size() <= 15 && std::sscanf(text.c_str(), "%u/%u%c", &k, &n, &rest) == 2 &&
                            text.find_first_not_of("0123456789/") == std::string::npos;
        if (!parsed || n < 1 || k < 1 || k > n) {
          return "'" + text + "' is not K/N with 1 <= K <= N: run N processes with --shard 1/N ... --shard N/N";
        }
        return {};
      },
      "K/N");
}

// Parsed values that become options only once the whole command line is read: the provider's
// preset fills in only what the user did not say, and eval's modes are checked by name.
struct Pending {
  std::string provider = "groq";
  CLI::Option* base_url = nullptr;
  CLI::Option* model = nullptr;
  CLI::Option* logprobs = nullptr;
  CLI::Option* remote_prior = nullptr;
  std::string fallback;
  std::string shard;
  std::string eval_modes = "local";
  CLI::App* eval = nullptr;
  CLI::App* calibrate = nullptr;
  CLI::App* adapt = nullptr;
};

void add_version_and_footer(CLI::App& app) {
  app.set_version_flag("--version", std::string("crossocr ") + version());
  app.footer(
      "Exit status: 0 all images read; 1 some image could not be read (the rest were);\n"
      "2 bad usage; 3 misconfiguration (e.g. Tesseract data or API key missing);\n"
      "5 with --strict, some result is flagged for review.\n"
      "An IMAGE of - reads the image from standard input.\n"
      "Every option can also be set in the config file (TOML, `name = value`), and the remote\n"
      "ones through CROSSOCR_* environment variables; flags win over both.");
}

// The long names of every option of `app` and its subcommands: what a config file may set.
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::Option* option : app.get_options()) {
    for (const std::string& name : option->get_lnames()) names.push_back(name);
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    for (const std::string& name : option_names(*sub)) names.push_back(name);
  }
  return names;
}

// The 1-based line of `text` that sets `key` (with `_` or `-`), 0 when none does.
std::size_t line_setting(const std::string& text, const std::string& key) {
  std::istringstream lines(text);
  std::size_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    ++number;
    std::string name = line.substr(0, line.find('='));
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    std::replace(name.begin(), name.end(), '_', '-');
    if (name == key) return number;
  }
  return 0;
}

// CLI11's TOML reader, stricter: a key that is no option is an error naming its line and the
// nearest option, never silently ignored (a typo would leave the default in force), and `_` in
// a key means `-` (base_url is base-url).
class CheckedConfig : public CLI::ConfigBase {
 public:
  explicit CheckedConfig(const CLI::App& app) : app_(app) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    const std::string text{std::istreambuf_iterator<char>(input), std::istreambuf_iterator<char>()};
    std::istringstream copy(text);
    std::vector<CLI::ConfigItem> items = CLI::ConfigBase::from_config(copy);
    const std::vector<std::string> known = option_names(app_);
    for (CLI::ConfigItem& item : items) {
      if (item.name == "++" || item.name == "--") continue;  // CLI11's section markers
      std::replace(item.name.begin(), item.name.end(), '_', '-');
      if (std::find(known.begin(), known.end(), item.name) != known.end()) continue;
      throw CLI::ConfigError("config file line " + std::to_string(line_setting(text, item.name)) + ": '" +
                             item.name + "' is not an option" + did_you_mean(item.name, known));
    }
    return items;
  }

 private:
  const CLI::App& app_;
};

// CLI11 reads the file while parsing; flags given on the command line win over it.
void add_config_file(CLI::App& app) {
  app.config_formatter(std::make_shared<CheckedConfig>(app));
  app.set_config("--config",
                 user_file("XDG_CONFIG_HOME", ".config", "config.toml").value_or(""),
                 "read options from this TOML file");
}

void add_input_output_flags(CLI::App& app, CliOptions& o, Pending& pending) {
  const std::map<std::string, OutputFormat> formats = {
      {"text", OutputFormat::kText}, {"json", OutputFormat::kJson}, {"jsonl", OutputFormat::kJsonl},
      {"hocr", OutputFormat::kHocr}, {"alto", OutputFormat::kAlto}, {"tsv", OutputFormat::kTsv},
      {"pdf", OutputFormat::kPdf}};
  app.add_option("images", o.images,
                 "image files to read (PNG, JPEG, TIFF, BMP, WebP, GIF, PNM, PDF); a folder reads its image "
                 "files, sorted by path; @LIST reads the paths listed in LIST, one a line; - reads "
                 "standard input");
  app.add_flag("-r,--recursive", o.recursive, "folders given as IMAGE are read with their subfolders");
  app.add_option("--shard", pending.shard,
                 "read only the K-th of N parts of the inputs, chosen by a stable hash of each path: N "
                 "processes with --shard 1/N ... N/N read every input exactly once, without coordination")
      ->check(shard_of_shards());
  CLI::Option* quiet = app.add_flag("-q,--quiet", o.quiet, "nothing on standard error but problems: no progress, no counts");
  app.add_flag("--progress", o.progress,
               "show progress on standard error even when it is not a terminal (a log file)")
      ->excludes(quiet);
  app.add_option("--mode", o.reader.mode,
                 "local: OpenCV + Tesseract, offline (default); remote: vision LLM; vote: both, "
                 "cross-checked")
      ->transform(named(mode_names()))
      ->option_text("local|remote|vote");
  app.add_option("--format", o.format,
                 "text (default), json (one array), jsonl (a line per image), or a document per input with "
                 "word and line boxes: hocr, alto (ALTO 4), tsv (Tesseract's columns) or pdf (the image "
                 "with its text searchable); several inputs need --output-dir for documents")
      ->transform(named(formats))
      ->option_text("text|json|jsonl|hocr|alto|tsv|pdf");
  app.add_option("-o,--output", o.output_path, "write results to FILE as they are produced");
  CLI::Option* output_dir =
      app.add_option("--output-dir", o.output_dir,
                     "also write each input's results to DIR/NAME.txt (text), DIR/NAME.json (json, jsonl) or "
                     "DIR/NAME.hocr|xml|tsv|pdf as it is read, NAME being its file name without extension "
                     "(NAME-XXXXXXXX where two inputs share a NAME)");
  app.add_flag("--skip-existing", o.skip_existing,
               "with --output-dir: do not read inputs whose file is already there (resumes a stopped run)")
      ->needs(output_dir);
  app.add_flag("--unordered", o.unordered,
               "print each result as soon as it is read, not in input order (each names its file): a "
               "slow image holds nothing back, and a killed run loses only what was being read")
      ->excludes(output_dir);
  app.add_option("-j,--jobs", o.reader.jobs, "threads reading images locally (default: all cores)")
      ->check(CLI::Range(1u, 256u));
}

void add_local_flags(CLI::App& app, LocalOptions& local) {
  const std::string local_group = "Local engine";
  const std::map<std::string, Layout> layouts = {
      {"auto", Layout::kAuto}, {"strip", Layout::kStrip}, {"page", Layout::kPage}};
  app.add_option("--layout", local.preprocess.layout,
                 "auto (default), strip (one line of text) or page (a document)")
      ->transform(named(layouts))
      ->option_text("auto|strip|page")->group(local_group);
  app.add_option("--psm", local.tesseract.psm,
                 "Tesseract page segmentation mode (default: 7 for strips, 3 for pages)")
      ->check(CLI::Range(0, 13))->group(local_group);
  app.add_option("--lang", local.tesseract.lang, "Tesseract language(s), e.g. eng or eng+deu")
      ->capture_default_str()->group(local_group);
  app.add_option("--tessdata", local.tesseract.tessdata_dir, "folder holding LANG.traineddata")
      ->check(CLI::ExistingDirectory)->group(local_group);
  app.add_option("--charset", local.tesseract.charset,
                 "the only characters the local engine may output, e.g. ABCDEFGHJKLMNPQRSTUVWXYZ23456789")
      ->check(utf8_text())->group(local_group);
  app.add_option("--recognizer", local.recognizer_path,
                 "the CAPTCHA strip recogniser (ONNX) to read with, or none (default: the installed "
                 "strip_recognizer.onnx)")->group(local_group);
  app.add_option("--line-reader", local.line_reader_path,
                 "the general line reader (ONNX, with its .json beside it), or none (default: the "
                 "installed line_reader.onnx)")->group(local_group);
  app.add_option("--calibration", local.calibration_path,
                 "the local calibration (JSON, from crossocr calibrate; default: the installed "
                 "local_calibration.json)")->group(local_group);
  app.add_option("--debug-dir", local.preprocess.debug_dir,
                 "write every preprocessing step of every image there as PNG")->group(local_group);
}

// Where the request goes and with which key.
void add_endpoint_flags(CLI::App& app, RemoteOptions& remote, Pending& pending,
                        const std::string& remote_group) {
  app.add_option("--provider", pending.provider,
                 "preset endpoint, key variable and model: " + joined_provider_names())
      ->transform(one_of(provider_names()))
      ->envname("CROSSOCR_PROVIDER")->capture_default_str()->group(remote_group);
  pending.base_url = app.add_option("--base-url", remote.base_url,
                                    "OpenAI-compatible API root; POSTs go to BASE/chat/completions")
                         ->check(utf8_text())->envname("CROSSOCR_BASE_URL")->group(remote_group);
  pending.model = app.add_option("--model", remote.model, "vision model (default: the seed's, "
                                 "meta-llama/llama-4-scout-17b-16e-instruct on Groq)")
                      ->check(utf8_text())->envname("CROSSOCR_MODEL")->group(remote_group);
  app.add_option("--prompt", remote.prompt, "instruction sent with the image (default: the seed's)")
      ->check(utf8_text())->envname("CROSSOCR_PROMPT")->group(remote_group);
  app.add_option("--max-tokens", remote.max_tokens, "answer length cap")
      ->check(CLI::Range(1, 100000))->capture_default_str()->group(remote_group);
  app.add_option("--temperature", remote.temperature, "sampling temperature")
      ->check(finite_range(0.0, 2.0))->capture_default_str()->group(remote_group);
  app.add_option("--timeout", remote.timeout_s, "seconds per attempt, connection included")
      ->check(finite_range(0.1, 3600.0))->envname("CROSSOCR_TIMEOUT")->capture_default_str()
      ->group(remote_group);
  app.add_option("--connect-timeout", remote.connect_timeout_s, "seconds to establish a connection")
      ->check(finite_range(0.1, 600.0))->capture_default_str()->group(remote_group);
  app.add_option("--retries", remote.retries,
                 "further attempts on 408/409/429/498/5xx and network errors")
      ->check(CLI::Range(0, 20))->envname("CROSSOCR_RETRIES")->capture_default_str()
      ->group(remote_group);
  app.add_option("--api-key-env", remote.api_key_env,
                 "environment variable holding the API key (default: the provider's, GROQ_API_KEY)")
      ->envname("CROSSOCR_API_KEY_ENV")->group(remote_group);
  app.add_option("--api-key-file", remote.api_key_file, "file whose first line is the API key")
      ->check(CLI::ExistingFile)->envname("CROSSOCR_API_KEY_FILE")->group(remote_group);
}

void add_remote_flags(CLI::App& app, CliOptions& o, Pending& pending) {
  auto& remote = o.reader.remote;
  const std::string remote_group = "Remote engine";
  add_endpoint_flags(app, remote, pending, remote_group);
  app.add_flag("!--no-cache", o.reader.use_cache, "do not read or write the cache of remote readings")
      ->group(remote_group);
  app.add_option("--cache-file", remote.cache_path,
                 "SQLite cache of remote readings (default: ~/.cache/crossocr/remote.sqlite)")
      ->envname("CROSSOCR_CACHE_FILE")->group(remote_group);
  app.add_option("--remote-concurrency", o.reader.remote_concurrency, "remote requests in flight")
      ->check(CLI::Range(1u, 64u))->envname("CROSSOCR_REMOTE_CONCURRENCY")->capture_default_str()
      ->group(remote_group);
  app.add_option("--remote-rate", remote.requests_per_minute,
                 "at most this many remote requests a minute from this process, retries included (0: no "
                 "limit); N shards sharing a key each take the key's limit divided by N")
      ->check(finite_range(0.0, 1e6))->envname("CROSSOCR_REMOTE_RATE")->group(remote_group);
  pending.remote_prior =
      app.add_option("--remote-prior", remote.prior_confidence,
                     "how often the remote model reads an image exactly right, for readings without "
                     "logprobs or samples (default: the prior `crossocr eval --fit-remote-prior` stored "
                     "for this endpoint and model, else 0.75)")
          ->check(finite_range(0.01, 0.99))->group(remote_group);
  app.add_option("--remote-samples", remote.samples,
                 "ask N times and take the majority; confidence is the share that agreed")
      ->check(CLI::Range(1, 10))->capture_default_str()->group(remote_group);
  pending.logprobs =
      app.add_flag("--logprobs,!--no-logprobs", remote.logprobs,
                   "ask for token log-probabilities (default: when the provider takes them)")
          ->group(remote_group);
}

void add_vote_flags(CLI::App& app, CliOptions& o, Pending& pending) {
  const std::string vote_group = "Vote";
  const std::map<std::string, Preference> preferences = {{"confidence", Preference::kConfidence},
                                                         {"local", Preference::kLocal},
                                                         {"remote", Preference::kRemote}};
  app.add_option("--prefer", o.reader.policy.prefer,
                 "how differing characters are chosen: confidence (default), local or remote")
      ->transform(named(preferences))
      ->option_text("confidence|local|remote")->group(vote_group);
  app.add_option("--flag-below", o.reader.flag_below,
                 "every mode: flag a result whose confidence (the probability that its text is "
                 "exactly right) is below this")
      ->check(finite_range(0.0, 1.0))->capture_default_str()->group(vote_group);
  const std::map<std::string, bool> cases = {{"sensitive", true}, {"insensitive", false}};
  app.add_option("--case", o.reader.policy.case_sensitive,
                 "sensitive (default): readings that differ only in case are a conflict; "
                 "insensitive: they agree, and case never raises a flag")
      ->transform(named(cases))->option_text("sensitive|insensitive")->group(vote_group);
  app.add_flag("--strict", o.strict, "exit with status 5 when any result is flagged for review")
      ->group(vote_group);
  app.add_option("--fallback", pending.fallback,
                 "remote mode: read locally when the remote reading fails")
      ->transform(one_of({"local", "none"}))->option_text("local|none")->group(vote_group);
}

void add_limit_flags(CLI::App& app, ImageLimits& limits) {
  app.add_option("--max-pixels", limits.max_pixels,
                 "refuse images whose header declares more pixels")
      ->check(positive_whole_number())->capture_default_str();
  app.add_option("--max-file-bytes", limits.max_file_bytes, "refuse larger files")
      ->check(positive_whole_number())->capture_default_str();
  app.add_option("--dpi", limits.render_dpi, "render PDF pages at this resolution")
      ->check(CLI::Range(30u, 1200u))->capture_default_str();
}

void add_eval_command(CLI::App& app, CliOptions& o, Pending& pending) {
  // Every reading option above applies to `eval` too (fallthrough hands them to this app).
  CLI::App* eval = app.add_subcommand(
      "eval", "accuracy comparison runs: read labelled sets (folders with labels.tsv) in each mode "
              "and report exact match, CER, WER, case errors, confusions, latency and flag quality");
  eval->fallthrough();
  eval->add_option("sets", o.sets, "set folders, each with labels.tsv and optional dataset.json");
  eval->add_option("--modes", pending.eval_modes,
                   "comma-separated modes to compare, e.g. local,remote,vote")
      ->capture_default_str();
  eval->add_option("--report", o.report_dir,
                   "write report.json, report.md and report.html (self-contained) there");
  eval->add_option("--runs-db", o.runs_db,
                   "SQLite database of runs (default: ~/.local/share/crossocr/runs.sqlite)");
  eval->add_flag("!--no-store", o.store_run, "do not record this run in the database");
  eval->add_flag("--fit-remote-prior", o.fit_remote_prior,
                 "with remote or vote mode: store how often the remote model read these sets exactly "
                 "right as its prior (see --remote-prior)");
  eval->add_option("--compare", o.compare, "print what changed between two stored runs: A B")
      ->expected(2)->check(CLI::Range(1LL, std::numeric_limits<long long>::max()));
  pending.eval = eval;
}

void add_calibrate_command(CLI::App& app, CliOptions& o, Pending& pending) {
  CLI::App* calibrate = app.add_subcommand(
      "calibrate", "fit the local reader's calibration (the probability that a reading is exactly "
                   "right) on labelled sets of generated lines, never on evaluation sets");
  calibrate->fallthrough();
  calibrate->add_option("sets", o.sets, "set folders, each with labels.tsv")->required();
  calibrate->add_option("--out", o.calibration_out, "where to write the calibration (JSON)")->required();
  calibrate->add_option("--rows", o.calibration_rows, "also write every fitted row there (CSV)");
  calibrate->add_option("--holdout", o.calibration_holdout,
                        "other generated sets on which the chosen reading's probability is mapped once more "
                        "(the second stage; see models/README.md)");
  pending.calibrate = calibrate;
}

void add_adapt_command(CLI::App& app, CliOptions& o, Pending& pending) {
  CLI::App* adapt = app.add_subcommand(
      "adapt", "fine-tune the strip recogniser on images of your kind: labelled sets, or remote "
               "readings already paid for; needs Debian's python3-torch");
  adapt->fallthrough();
  adapt->add_option("sources", o.sets,
                    "folders with labels.tsv; JSONL files of crossocr --mode remote|vote results (their remote "
                    "readings, used where a second reader confirms them); folders of images whose remote "
                    "readings are in the cache")
      ->required();
  adapt->add_option("-o,--out", o.adapt_out,
                    "the adapted model: a path (.onnx), or a NAME saved under ~/.local/share/crossocr/"
                    "recognizers for --recognizer NAME")
      ->required();
  adapt->add_option("--minutes", o.adapt_minutes, "time budget, start-up and writing included")
      ->check(finite_range(0.5, 24 * 60.0))->capture_default_str();
  adapt->add_option("--validate", o.adapt_validate,
                    "labelled sets to measure on (default: a tenth of the sources, held back)");
  pending.adapt = adapt;
}

// eval's --modes: comma-separated names, at least one, none empty (an empty list would store an
// empty run).
std::vector<Mode> modes_named(const std::string& list) {
  std::vector<std::string> keys;
  for (const auto& [name, mode] : mode_names()) keys.push_back(name);
  std::vector<Mode> modes;
  std::size_t start = 0;
  for (std::size_t comma = 0; comma != std::string::npos; start = comma + 1) {
    comma = list.find(',', start);
    const std::string name = list.substr(start, comma == std::string::npos ? comma : comma - start);
    const auto it = mode_names().find(name);
    if (it == mode_names().end()) throw CLI::ValidationError("--modes", not_one_of(name, keys));
    modes.push_back(it->second);
  }
  return modes;
}

// What CLI11 cannot check by itself; throws its errors so that they are reported like its own.
void check_command(CliOptions& o, const Pending& pending) {
  o.calibrate = pending.calibrate->parsed();
  o.adapt = pending.adapt->parsed();
  o.eval = pending.eval->parsed();
  if (o.eval) {
    o.eval_modes = modes_named(pending.eval_modes);
    if (o.sets.empty() && o.compare.empty()) {
      throw CLI::ValidationError("eval", "name at least one set folder, or --compare A B");
    }
    if (o.fit_remote_prior && std::find(o.eval_modes.begin(), o.eval_modes.end(), Mode::kRemote) == o.eval_modes.end()) {
      throw CLI::ValidationError("--fit-remote-prior", "fits on remote mode's readings: add remote to --modes");
    }
  } else if (o.images.empty() && !o.calibrate && !o.adapt) {
    throw CLI::RequiredError("images");
  }
}

void apply_pending(CliOptions& o, const Pending& pending) {
  o.reader.fallback_local = pending.fallback == "local";
  if (!pending.shard.empty()) std::sscanf(pending.shard.c_str(), "%u/%u", &o.shard, &o.shards);
  // The preset (the library's) fills in what the user did not say.
  auto& remote = o.reader.remote;
  const RemoteOptions preset = for_provider(pending.provider);
  remote.provider = preset.provider;
  if (pending.base_url->count() == 0) remote.base_url = preset.base_url;
  if (pending.model->count() == 0) remote.model = preset.model;
  if (pending.logprobs->count() == 0) remote.logprobs = preset.logprobs;
  if (remote.api_key_env.empty()) remote.api_key_env = preset.api_key_env;
  if (pending.remote_prior->count() == 0) {
    if (const auto stored = stored_remote_prior(default_remote_priors_path(), remote)) remote.prior_confidence = *stored;
  }
}

}  // namespace

ParseOutcome parse_command_line(int argc, const char* const* argv) {
  CliOptions o;
  Pending pending;
  CLI::App app{"crossocr: read the exact text of images with OpenCV + Tesseract (local), a vision\n"
               "LLM behind an OpenAI-compatible API (remote), or both cross-checked (vote).",
               "crossocr"};
  // The order of the calls is the order of --help.
  add_version_and_footer(app);
  add_config_file(app);
  add_input_output_flags(app, o, pending);
  add_local_flags(app, o.reader.local);
  add_remote_flags(app, o, pending);
  add_vote_flags(app, o, pending);
  add_limit_flags(app, o.reader.limits);
  add_eval_command(app, o, pending);
  add_calibrate_command(app, o, pending);
  add_adapt_command(app, o, pending);

  // One line a person can act on, not CLI11's two. A mistyped flag's value is not echoed: in
  // `--key=gsk_...` it is a secret.
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    static const std::regex flag_value("(--?[A-Za-z][A-Za-z0-9_-]*)=\\S+");
    return "crossocr: " + std::regex_replace(std::string(e.what()), flag_value, "$1=[value not shown]") +
           " (see crossocr --help)\n";
  });
  try {
    app.parse(argc, argv);
    check_command(o, pending);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);  // prints help, version or the error
    return ParseOutcome{std::nullopt, status == 0 ? kExitOk : kExitUsage};
  }
  apply_pending(o, pending);
  return ParseOutcome{std::move(o), kExitOk};
}

}  // namespace crossocr::cli

// crossocr's command line: parse flags, read the batch, print each result as it arrives, map the
// outcome to an exit status. All the work happens in the library.
#include "cli/adapt_command.hpp"
#include "cli/cli_options.hpp"
#include "cli/documents.hpp"
#include "cli/eval_command.hpp"
#include "cli/input_list.hpp"
#include "cli/output_folder.hpp"
#include "cli/progress.hpp"
#include "crossocr/errors.hpp"
#include "crossocr/output.hpp"
#include "crossocr/reader.hpp"
#include "stage_clock.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <optional>
#include <set>

#include <unistd.h>

namespace {

using crossocr::ImageResult;
using crossocr::ImageSource;
using namespace crossocr::cli;

// One line for a person: what each engine read, when they differ, and why the result is doubtful.
std::string why_to_check(const ImageResult& result) {
  if (!result.verdict || !result.local || !result.remote) return result.reason();
  auto said = [](const crossocr::Reading& r) {
    if (!r.ok()) return std::string("nothing");
    std::string quoted = "'";  // built in place: GCC 12 warns (-Wrestrict) on "'" + std::string&&
    quoted += crossocr::escape_line(r.text);
    quoted += "'";
    return quoted;
  };
  if (result.local->ok() && result.remote->ok() && result.local->text == result.remote->text) {
    return result.reason();
  }
  return "local " + said(*result.local) + ", remote " + said(*result.remote) + ": " + result.reason();
}

// Prints results in the chosen format and counts failures. Each result is flushed at once so a
// batch interrupted part-way keeps everything read before the interruption.
class ResultPrinter {
 public:
  ResultPrinter(std::ostream& out, OutputFormat format, std::size_t batch_size, bool terminal, unsigned render_dpi)
      : out_(out), format_(format), batch_size_(batch_size), terminal_(terminal), render_dpi_(render_dpi) {
    if (format_ == OutputFormat::kJson) out_ << "[" << std::flush;
  }

  void operator()(const ImageResult& result) {
    if (result.flagged()) ++flagged_;
    // Offline is a normal state: say once that the remote side is out, not once per image.
    if (result.verdict && result.verdict->status == crossocr::VerdictStatus::kLocalOnly &&
        !remote_down_announced_ && result.remote) {
      report_problem("remote reading unavailable, results are local readings only: " +
                     result.remote->status.message());
      remote_down_announced_ = true;
    }
    if (!result.ok()) {
      ++failed_;
      // A fault that ends the remote side (bad key, retired model, endpoint down) is the same for
      // every later image: say it in full once.
      const crossocr::Status& status = result.reading.status;
      const bool batch_wide = status.code() == crossocr::StatusCode::kRemoteConfig ||
                              status.code() == crossocr::StatusCode::kRemoteUnavailable;
      if (batch_wide && announced_.contains(status.code())) {
        report_problem(result.name() + ": not read (same error as above)");
      } else {
        report_problem(result.name() + ": " + status.message());
        if (batch_wide) announced_.insert(status.code());
      }
    }
    if (is_document(format_)) {  // written whole by finish()
      pages_.push_back(result);
      ++printed_;
      return;
    }
    const std::string record = format(result);
    // One write per result, its line break included: a kill between two writes would leave an
    // unterminated line for the next reader of the file to trip on.
    out_.write(record.data(), static_cast<std::streamsize>(record.size()));
    ++printed_;
    out_.flush();
  }

  void finish() {
    if (format_ == OutputFormat::kJson) out_ << (printed_ == 0 ? "]\n" : "\n]\n");
    if (is_document(format_)) out_ << make_document(format_, pages_, render_dpi_);
    out_.flush();
  }

  std::size_t failed() const { return failed_; }
  std::size_t flagged() const { return flagged_; }

  std::string format(const ImageResult& result) const {
    // The stream formats only: a document is written whole by finish().
    if (format_ == OutputFormat::kJson) return (printed_ == 0 ? "\n" : ",\n") + crossocr::result_to_json(result);
    if (format_ == OutputFormat::kJsonl) return crossocr::result_to_json(result) + "\n";
    if (!result.ok()) return "";  // the error went to standard error
    std::string line = batch_size_ == 1
        ? crossocr::without_control_characters(result.reading.text)
        : crossocr::without_control_characters(crossocr::escape_line(result.name())) + "\t" +
              crossocr::without_control_characters(crossocr::escape_line(result.reading.text));
    // A person at a terminal sees which results to check; scripts read --format json.
    if (terminal_ && result.flagged()) {
      line += "  \033[33m[check: " + crossocr::without_control_characters(why_to_check(result)) + "]\033[0m";
    }
    return line + "\n";
  }

 private:
  std::ostream& out_;
  OutputFormat format_;
  std::size_t batch_size_;
  std::size_t printed_ = 0;
  std::size_t failed_ = 0;
  std::size_t flagged_ = 0;
  bool terminal_;
  bool remote_down_announced_ = false;
  std::set<crossocr::StatusCode> announced_;  // batch-wide faults already said in full
  std::vector<ImageResult> pages_;            // a document format's one document
  unsigned render_dpi_;
};

// Standard input, up to one byte over the file size limit: enough for the decoder to refuse it
// as too large without holding an endless stream in memory.
std::vector<std::uint8_t> read_standard_input(std::uint64_t max_bytes) {
  std::vector<std::uint8_t> bytes;
  char chunk[1 << 16];
  while (bytes.size() <= max_bytes && std::cin.read(chunk, sizeof chunk).gcount() > 0) {
    bytes.insert(bytes.end(), chunk, chunk + std::cin.gcount());
  }
  if (bytes.size() > max_bytes + 1) bytes.resize(max_bytes + 1);
  return bytes;
}

// Standard input can be read once, so at most one "-" is accepted. An input that could not be
// listed keeps its error and is reported in its place.
// The inputs' paths move into the sources: a batch's list is held once, not twice.
bool collect_sources(std::vector<Input> inputs, std::uint64_t max_bytes, std::vector<ImageSource>& sources) {
  bool stdin_used = false;
  sources.reserve(inputs.size());
  for (Input& input : inputs) {
    ImageSource source{.name = std::move(input.path)};
    if (!input.problem.empty()) {
      source.failure = crossocr::Status(crossocr::StatusCode::kIo, input.problem);
    } else if (source.name == "-") {
      if (stdin_used) {
        report_problem("standard input (-) can be given only once");
        return false;
      }
      stdin_used = true;
      source.bytes = read_standard_input(max_bytes);
      source.from_memory = true;
    }
    sources.push_back(std::move(source));
  }
  return true;
}

// --shard K/N: the inputs whose path hashes to part K. The hash of the path as given is the same
// in every process, so N processes share a batch without talking to each other.
std::vector<Input> shard_of(std::vector<Input> inputs, unsigned shard, unsigned shards) {
  if (shards <= 1) return inputs;
  std::erase_if(inputs, [&](const Input& input) { return stable_hash(input.path) % shards != shard - 1; });
  return inputs;
}

// Every page of a multi-page document is a source of its own; pages in memory share their bytes.
std::vector<ImageSource> with_pages(std::vector<ImageSource> sources) {
  std::vector<int> counts;
  counts.reserve(sources.size());
  for (const ImageSource& source : sources) {
    counts.push_back(!source.failure.ok() ? 1
                     : source.from_memory ? crossocr::count_pages(source.bytes)
                                          : crossocr::count_pages(source.name));
  }
  // The common batch, images only: its list is not copied.
  if (std::all_of(counts.begin(), counts.end(), [](int count) { return count <= 1; })) return sources;
  std::vector<ImageSource> pages;
  for (std::size_t i = 0; i < sources.size(); ++i) {
    ImageSource& source = sources[i];
    if (counts[i] <= 1) {
      pages.push_back(std::move(source));
      continue;
    }
    auto shared = std::make_shared<const std::vector<std::uint8_t>>(std::move(source.bytes));
    for (int page = 1; page <= counts[i]; ++page) {
      pages.push_back(ImageSource{.name = source.name, .from_memory = source.from_memory, .page = page,
                                  .shared_bytes = source.from_memory ? shared : nullptr});
    }
  }
  return pages;
}

// Whether `output` is one of the input files (opening it for writing would empty it).
bool names_an_input(const std::string& output, const std::vector<Input>& inputs) {
  if (output.empty()) return false;
  std::error_code error;
  for (const Input& input : inputs) {
    if (input.path != "-" && std::filesystem::equivalent(output, input.path, error)) return true;
  }
  return false;
}

// With CROSSOCR_STAGE_TIMES set, where the batch's time went (tools/bench.py reads this line):
// "stage-times: decode 12.3 ms / 300 calls; ...", summed over threads.
void print_stage_times() {
  if (std::getenv("CROSSOCR_STAGE_TIMES") == nullptr) return;
  std::string line = "stage-times:";
  for (std::size_t i = 0; i < crossocr::kStageCount; ++i) {
    const auto stage = static_cast<crossocr::Stage>(i);
    const crossocr::StageTotal total = crossocr::stage_total(stage);
    char part[96];
    std::snprintf(part, sizeof part, " %s %.1f ms / %llu calls;", std::string(crossocr::stage_name(stage)).c_str(),
                  total.ms, static_cast<unsigned long long>(total.calls));
    line += part;
  }
  std::cerr << line << "\n";
}

// The subcommands' one error boundary: a misconfiguration (or a fault of ours) is one line and
// exit 3, never an abort.
int run_command(int (*command)(CliOptions&), CliOptions& options) {
  try {
    return command(options);
  } catch (const crossocr::ConfigError& e) {
    report_problem(e.what());
  } catch (const std::exception& e) {
    report_problem(std::string("internal error: ") + e.what());
  }
  return kExitConfig;
}

// The inputs this process reads: its shard of them, and with --skip-existing only those whose output
// file is not in the output folder yet (the others are not read at all).
std::vector<Input> inputs_to_read(const CliOptions& options, std::vector<Input> all, const OutputFolder* folder) {
  std::vector<Input> inputs = shard_of(std::move(all), options.shard, options.shards);
  if (!options.skip_existing || folder == nullptr) return inputs;
  const std::size_t before = inputs.size();
  std::erase_if(inputs, [&](const Input& input) {
    const std::filesystem::path file = folder->file_for(input.path);
    std::error_code error;
    return !file.empty() && std::filesystem::exists(file, error);
  });
  if (before != inputs.size() && !options.quiet) {
    report_problem("skipped " + std::to_string(before - inputs.size()) + " of " + std::to_string(before) +
                   " images, their output already in " + options.output_dir + " (--skip-existing)");
  }
  return inputs;
}

// Hands every result, as it arrives, to the printed stream, the output folder and the progress line.
// Returns how many output files could not be written.
std::size_t read_and_emit(crossocr::Reader& reader, const std::vector<ImageSource>& sources, ResultPrinter& printer,
                          OutputFolder* folder, ProgressDisplay& progress, crossocr::Reader::Order order) {
  const auto start = std::chrono::steady_clock::now();
  std::size_t done = 0, unwritten = 0;
  reader.read_batch(sources, [&](const ImageResult& r) {
    const crossocr::StageTimer writing(crossocr::Stage::kOutput);
    // The folder's file first: a run killed between the two writes is resumed without reading this
    // image again (--skip-existing looks at the folder), its result kept in the folder.
    if (folder != nullptr) {
      // A document's file is written with its last page: the next source is another input.
      const bool last = r.index + 1 == sources.size() || sources[r.index + 1].page <= 1;
      if (const std::string problem = folder->add(r, last); !problem.empty()) {
        report_problem(problem);
        ++unwritten;
      }
    }
    printer(r);
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    progress("reading", ++done, sources.size(), elapsed.count());
  }, order);
  return unwritten;
}

// -o FILE, emptied; false (and the cause said) when it cannot be written.
bool open_output(const std::string& path, std::ofstream& file) {
  if (path.empty()) return true;
  file.open(path, std::ios::out | std::ios::trunc);
  if (!file) report_problem("cannot write " + path + ": " + std::strerror(errno));
  return static_cast<bool>(file);
}

// The batch: every input read, each result printed as it arrives; the outcome as an exit status.
int read_images(const CliOptions& options, crossocr::Reader& reader) {
  std::vector<Input> all = expand_inputs(options.images, options.recursive);
  std::optional<OutputFolder> folder;
  if (!options.output_dir.empty()) {
    folder.emplace(options.output_dir, options.format, output_names(all), options.reader.limits.render_dpi);
  }
  std::vector<Input> inputs = inputs_to_read(options, std::move(all), folder ? &*folder : nullptr);
  if (names_an_input(options.output_path, inputs)) {
    report_problem("-o " + options.output_path + " is one of the images to read: choose another output file");
    return kExitUsage;
  }
  // A document format prints one input's document; with an output folder the documents go there
  // and the stream says what was read, as text.
  OutputFormat stream_format = options.format;
  if (is_document(options.format) && !options.output_dir.empty()) stream_format = OutputFormat::kText;
  if (is_document(options.format) && options.unordered) {
    report_problem("--unordered cannot make documents: a document's pages go in order (--format " +
                   document_name(options.format) + ")");
    return kExitUsage;
  }
  if (is_document(options.format) && options.output_dir.empty() && inputs.size() > 1) {
    report_problem("--format " + document_name(options.format) + " writes a document per input: " +
                   std::to_string(inputs.size()) + " inputs need --output-dir DIR");
    return kExitUsage;
  }
  std::vector<ImageSource> sources;
  if (!collect_sources(std::move(inputs), options.reader.limits.max_file_bytes, sources)) return kExitUsage;
  sources = with_pages(std::move(sources));
  std::ofstream file;
  if (!open_output(options.output_path, file)) return kExitConfig;
  std::ostream& out = options.output_path.empty() ? std::cout : file;

  const bool terminal = options.output_path.empty() && isatty(STDOUT_FILENO);
  // A folder or list may hold one image today and ten tomorrow: its results always name the file.
  const bool one_image = sources.size() == 1 && options.images.size() == 1 && sources[0].page == 0 &&
                         sources[0].name == options.images[0];
  ProgressDisplay progress(progress_style(options.quiet, options.progress, /*lines_elsewhere=*/false));
  ResultPrinter printer(out, stream_format, one_image ? 1 : std::max<std::size_t>(2, sources.size()), terminal,
                        options.reader.limits.render_dpi);
  std::size_t unwritten = 0;
  try {
    unwritten = read_and_emit(reader, sources, printer, folder ? &*folder : nullptr, progress,
                              options.unordered ? crossocr::Reader::Order::kFinished : crossocr::Reader::Order::kInput);
  } catch (const std::exception& e) {  // a fault of ours: still one line and a status, never an abort
    printer.finish();
    report_problem(std::string("internal error: ") + e.what());
    return kExitConfig;
  }
  printer.finish();
  print_stage_times();
  if (!out.good()) {  // a full disk or a closed pipe: the results are not where they were asked for
    report_problem("cannot write " + (options.output_path.empty() ? "standard output" : options.output_path) + ": " +
                   std::strerror(errno));
    return kExitConfig;
  }
  if (unwritten != 0) return kExitConfig;
  if (printer.failed() != 0) return kExitImageFailed;
  return options.strict && printer.flagged() != 0 ? kExitFlagged : kExitOk;
}

}  // namespace

// The program's body, called by the launcher (launcher.cpp) once malloc is tuned.
extern "C" __attribute__((visibility("default"))) int crossocr_cli_main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  ParseOutcome parsed = parse_command_line(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  CliOptions& options = *parsed.options;
  if (options.eval) return run_command(run_eval, options);
  if (options.calibrate) return run_command(run_calibrate, options);
  if (options.adapt) return run_command(run_adapt, options);

  std::unique_ptr<crossocr::Reader> reader;
  try {
    // A searchable PDF shows each image: results carry them.
    options.reader.keep_pixels = options.format == OutputFormat::kPdf;
    reader = crossocr::Reader::open(options.reader);
  } catch (const crossocr::ConfigError& e) {
    report_problem(e.what());
    return kExitConfig;
  }
  for (const std::string& notice : reader->notices()) report_problem(notice);
  // Vote and remote-with-fallback still answer, from the local side; plain remote cannot.
  if (options.reader.mode == crossocr::Mode::kRemote && !options.reader.fallback_local &&
      !reader->remote_unavailable().empty()) {
    report_problem(reader->remote_unavailable());
    return kExitConfig;
  }

  try {
    return read_images(options, *reader);
  } catch (const crossocr::ConfigError& e) {  // an --output-dir that cannot be made or written
    report_problem(e.what());
    return kExitConfig;
  }
}

// crossocr's command line: parse flags, read the batch, print each result as it arrives, map the
// outcome to an exit status. All the work happens in the library.
#include "cli/cli_options.hpp"
#include "crossocr/errors.hpp"
#include "crossocr/output.hpp"
#include "crossocr/runner.hpp"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>

namespace {

using crossocr::ImageResult;
using crossocr::ImageSource;
using namespace crossocr::cli;

// Prints results in the chosen format and counts failures. Each result is flushed at once so a
// batch interrupted part-way keeps everything read before the interruption.
class ResultPrinter {
 public:
  ResultPrinter(std::ostream& out, OutputFormat format, std::size_t batch_size)
      : out_(out), format_(format), batch_size_(batch_size) {
    if (format_ == OutputFormat::kJson) out_ << "[" << std::flush;
  }

  void operator()(const ImageResult& result) {
    if (!result.ok()) {
      ++failed_;
      // A fault that ends the remote side (bad key, retired model, endpoint down) is the same for
      // every later image: say it in full once.
      const std::string& error = result.reading.error;
      if (error == last_error_) {
        std::cerr << "crossocr: " << result.file << ": not read (same error as above)\n";
      } else {
        std::cerr << "crossocr: " << result.file << ": " << error << "\n";
        last_error_ = error;
      }
    }
    switch (format_) {
      case OutputFormat::kJson:
        out_ << (printed_ == 0 ? "\n" : ",\n") << crossocr::result_to_json(result);
        break;
      case OutputFormat::kJsonl:
        out_ << crossocr::result_to_json(result) << "\n";
        break;
      case OutputFormat::kText:
        if (!result.ok()) break;  // the error went to standard error
        if (batch_size_ == 1) {
          out_ << result.reading.text << "\n";
        } else {
          out_ << result.file << "\t" << crossocr::escape_line(result.reading.text) << "\n";
        }
        break;
    }
    ++printed_;
    out_.flush();
  }

  void finish() {
    if (format_ == OutputFormat::kJson) out_ << (printed_ == 0 ? "]\n" : "\n]\n");
    out_.flush();
  }

  std::size_t failed() const { return failed_; }

 private:
  std::ostream& out_;
  OutputFormat format_;
  std::size_t batch_size_;
  std::size_t printed_ = 0;
  std::size_t failed_ = 0;
  std::string last_error_;
};

// Standard input can be read once, so at most one "-" is accepted.
bool collect_sources(const std::vector<std::string>& images, std::vector<ImageSource>& sources) {
  bool stdin_used = false;
  for (const std::string& name : images) {
    ImageSource source{name, {}, false};
    if (name == "-") {
      if (stdin_used) {
        std::cerr << "crossocr: standard input (-) can be given only once\n";
        return false;
      }
      stdin_used = true;
      source.bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
      source.from_memory = true;
    }
    sources.push_back(std::move(source));
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::ios::sync_with_stdio(false);
  ParseOutcome parsed = parse_command_line(argc, argv);
  if (!parsed.options) return parsed.exit_code;
  CliOptions& options = *parsed.options;

  if (options.run.mode == crossocr::Mode::kVote) {
    std::cerr << "crossocr: --mode vote is not available yet in this version; use --mode local "
                 "or --mode remote\n";
    return kExitUnavailable;
  }
  if (options.run.mode != crossocr::Mode::kLocal) {
    if (const std::string problem = resolve_api_key(options); !problem.empty()) {
      std::cerr << "crossocr: " << problem << "\n";
      return kExitConfig;
    }
  }

  std::vector<ImageSource> sources;
  if (!collect_sources(options.images, sources)) return kExitUsage;

  std::ofstream file;
  if (!options.output_path.empty()) {
    file.open(options.output_path, std::ios::out | std::ios::trunc);
    if (!file) {
      std::cerr << "crossocr: cannot write " << options.output_path << "\n";
      return kExitConfig;
    }
  }
  std::ostream& out = options.output_path.empty() ? std::cout : file;

  ResultPrinter printer(out, options.format, sources.size());
  try {
    crossocr::run_batch(sources, options.run, [&](const ImageResult& r) { printer(r); });
  } catch (const crossocr::ConfigError& e) {
    printer.finish();
    std::cerr << "crossocr: " << e.what() << "\n";
    return kExitConfig;
  }
  printer.finish();
  return printer.failed() == 0 ? kExitOk : kExitImageFailed;
}

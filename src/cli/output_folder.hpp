// --output-dir: one file per input beside the usual stream of results (NAME.txt, NAME.json, or
// NAME.hocr, NAME.xml (ALTO), NAME.tsv or NAME.pdf), each
// written whole (to a temporary file in the folder, then renamed) as soon as its input is read, so
// that a stopped run leaves only complete files and --skip-existing can resume it.
#pragma once

#include "cli/cli_options.hpp"
#include "cli/input_list.hpp"

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace crossocr::cli {

// NAME for every input that can have an output file: its file name without the extension
// ("stdin" for -). Inputs that would share a NAME (scans/a.png and scans/old/a.png, or a.png and
// a.jpg) are each NAME-XXXXXXXX instead, XXXXXXXX from the hash of the path as given. Made from the
// whole batch before --shard, so every shard names an input alike.
std::map<std::string, std::string> output_names(const std::vector<Input>& inputs);

class OutputFolder {
 public:
  // Makes DIR if need be; throws ConfigError when it cannot be made or written.
  OutputFolder(std::string dir, OutputFormat format, std::map<std::string, std::string> names,
               unsigned render_dpi = 300);

  // Where an input's results go; empty when it has no output file (an input that could not be listed).
  std::filesystem::path file_for(const std::string& input) const;

  // Takes a result; when it is the last of its input, writes the input's file (unless nothing of
  // the input was read: it is then read again by a resumed run). Returns why writing failed, or "".
  std::string add(const ImageResult& result, bool last_of_input);

 private:
  std::string write_atomically(const std::filesystem::path& file, const std::string& content) const;
  std::string content() const;

  std::filesystem::path dir_;
  OutputFormat format_;
  std::map<std::string, std::string> names_;
  std::vector<ImageResult> pages_;    // the current input's results, formatted when it is done
  unsigned render_dpi_;               // what a PDF input's pages were rendered at
};

}  // namespace crossocr::cli

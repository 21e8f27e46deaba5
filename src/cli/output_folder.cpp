#include "cli/output_folder.hpp"

#include "cli/documents.hpp"
#include "crossocr/errors.hpp"
#include "crossocr/output.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <unistd.h>

namespace crossocr::cli {
namespace fs = std::filesystem;
namespace {

std::string stem_of(const std::string& path) {
  return path == "-" ? "stdin" : fs::path(path).stem().string();
}

std::string hash_suffix(const std::string& path) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(stable_hash(path)));
  return std::string("-") + std::string(hex, 8);
}

}  // namespace

std::map<std::string, std::string> output_names(const std::vector<Input>& inputs) {
  std::map<std::string, int> uses;  // how many distinct inputs want each NAME
  std::map<std::string, std::string> names;
  for (const Input& input : inputs) {
    if (!input.problem.empty() || names.contains(input.path)) continue;
    names[input.path] = stem_of(input.path);
    ++uses[names[input.path]];
  }
  for (auto& [path, name] : names) {
    if (uses[name] > 1) name += hash_suffix(path);
  }
  return names;
}

OutputFolder::OutputFolder(std::string dir, OutputFormat format, std::map<std::string, std::string> names,
                           unsigned render_dpi)
    : dir_(std::move(dir)), format_(format), names_(std::move(names)), render_dpi_(render_dpi) {
  std::error_code error;
  fs::create_directories(dir_, error);
  if (error) throw ConfigError("cannot create --output-dir " + dir_.string() + ": " + error.message());
  if (access(dir_.c_str(), W_OK) != 0) {
    throw ConfigError("cannot write in --output-dir " + dir_.string() + ": " + std::strerror(errno));
  }
}

fs::path OutputFolder::file_for(const std::string& input) const {
  const auto it = names_.find(input);
  if (it == names_.end()) return {};
  const std::string extension = is_document(format_)          ? document_extension(format_)
                                : format_ == OutputFormat::kText ? "txt"
                                                                 : "json";
  return dir_ / (it->second + "." + extension);
}

std::string OutputFolder::add(const ImageResult& result, bool last_of_input) {
  pages_.push_back(result);
  if (!last_of_input) return {};
  const fs::path file = file_for(result.file);
  const bool any_read = std::any_of(pages_.begin(), pages_.end(), [](const ImageResult& r) { return r.ok(); });
  std::string problem;
  if (any_read && !file.empty()) problem = write_atomically(file, content());
  pages_.clear();
  return problem;
}

// Text: each page's text and a newline, pages parted by a form feed (as Tesseract's .txt); json: the
// result, or an array of the pages' results; jsonl: a line per page; hocr, alto, tsv and pdf: a
// document of the pages.
std::string OutputFolder::content() const {
  if (is_document(format_)) return make_document(format_, pages_, render_dpi_);
  std::string out;
  const bool array = format_ == OutputFormat::kJson && pages_.size() > 1;
  for (std::size_t i = 0; i < pages_.size(); ++i) {
    const ImageResult& page = pages_[i];
    if (i > 0 && format_ == OutputFormat::kText) out += "\f";
    if (array) out += i == 0 ? "[\n" : ",\n";
    if (format_ == OutputFormat::kText) {
      out += page.ok() ? page.reading.text : std::string();
    } else {
      out += result_to_json(page);
    }
    if (!array) out += "\n";
  }
  if (array) out += "\n]\n";
  return out;
}

std::string OutputFolder::write_atomically(const fs::path& file, const std::string& content) const {
  // In the same folder, so that the rename is atomic: a reader sees the old file or the whole new one.
  const fs::path temporary =
      dir_ / std::string(".").append(file.filename().string()).append(".").append(std::to_string(getpid())).append(".tmp");
  std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();  // a full disk shows only when the buffer is written out
  std::error_code error;
  if (!out) {
    const std::string why = std::strerror(errno);
    fs::remove(temporary, error);
    return "cannot write " + file.string() + ": " + why;
  }
  fs::rename(temporary, file, error);
  if (error) {
    const std::string why = error.message();
    fs::remove(temporary, error);
    return "cannot write " + file.string() + ": " + why;
  }
  return {};
}

}  // namespace crossocr::cli

#include "cli/input_list.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>

namespace crossocr::cli {
namespace fs = std::filesystem;
namespace {

std::string lowered(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// A line of a list file without its line ending and surrounding blanks.
std::string trimmed(const std::string& line) {
  const auto first = line.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  return line.substr(first, line.find_last_not_of(" \t\r") - first + 1);
}

// A folder's image files into `out`, and with `recursive` its subfolders' (a subfolder that cannot
// be listed is one error; its siblings are still read).
void collect_folder(const fs::path& dir, bool recursive, std::vector<Input>& out) {
  try {
    for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
      if (recursive && entry.is_directory() && !entry.is_symlink()) {  // a linked folder could loop
        collect_folder(entry.path(), true, out);
      } else if (entry.is_regular_file() && has_image_extension(entry.path())) {
        out.push_back(Input{entry.path().string(), {}});
      }
    }
  } catch (const fs::filesystem_error& e) {
    out.push_back(Input{dir.string(), "cannot list the folder: " + e.code().message()});
  }
}

// One argument that is not @LIST: a folder's image files, or the path itself (whose own errors,
// a missing file included, are found when it is read).
void expand_path(const std::string& path, bool recursive, std::vector<Input>& out) {
  std::error_code error;
  if (!fs::is_directory(path, error)) {
    // "scans/" can only mean a folder: say so rather than "no such file".
    const bool meant_folder = path.size() > 1 && path.back() == '/' && !fs::exists(path, error);
    out.push_back(Input{path, meant_folder ? "no such folder" : ""});
    return;
  }
  std::vector<Input> found;
  collect_folder(path, recursive, found);
  // A folder named on purpose that holds nothing to read is most likely a mistake: say so.
  if (found.empty()) found.push_back(Input{path, recursive ? "no image files in the folder or its subfolders"
                                                           : "no image files in the folder (see --recursive)"});
  std::sort(found.begin(), found.end(), [](const Input& a, const Input& b) { return a.path < b.path; });
  out.insert(out.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
}

// @LIST: one path per line.
void expand_list(const std::string& argument, bool recursive, std::vector<Input>& out) {
  const std::string list = argument.substr(1);
  std::ifstream in(list);
  if (!in) {
    out.push_back(Input{argument, "cannot read the list " + list + ": " + std::strerror(errno)});
    return;
  }
  for (std::string line; std::getline(in, line);) {
    const std::string path = trimmed(line);
    if (path.empty() || path.front() == '#') continue;
    expand_path(path, recursive, out);
  }
  if (in.bad()) out.push_back(Input{argument, "cannot read the list " + list + " to its end: " + std::strerror(errno)});
}

}  // namespace

bool has_image_extension(const fs::path& path) {
  static const std::array<std::string, 13> kExtensions = {".png", ".jpg", ".jpeg", ".gif", ".bmp", ".tif", ".tiff",
                                                          ".webp", ".pnm", ".pgm", ".ppm", ".pbm", ".pdf"};
  const std::string extension = lowered(path.extension().string());
  return std::find(kExtensions.begin(), kExtensions.end(), extension) != kExtensions.end();
}

std::vector<std::string> image_files_in(const fs::path& dir) {
  std::vector<std::string> images;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && has_image_extension(entry.path())) images.push_back(entry.path().string());
  }
  std::sort(images.begin(), images.end());
  return images;
}

std::vector<Input> expand_inputs(const std::vector<std::string>& arguments, bool recursive) {
  std::vector<Input> inputs;
  for (const std::string& argument : arguments) {
    if (argument.size() > 1 && argument.front() == '@') {
      expand_list(argument, recursive, inputs);
    } else {
      expand_path(argument, recursive, inputs);
    }
  }
  return inputs;
}

std::uint64_t stable_hash(const std::string& text) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64 offset basis
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ull;  // FNV-1a 64 prime
  }
  return hash;
}

}  // namespace crossocr::cli

// IMAGE arguments -> the batch's inputs: a folder stands for its image files, @FILE for the paths
// listed in it, anything else for itself. An argument that cannot be listed stays in the batch as
// an input carrying its error, so that it is reported in its place like an unreadable image and
// the rest of the batch is still read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace crossocr::cli {

struct Input {
  std::string path;     // as given, or as found in a folder or a list
  std::string problem;  // why the argument could not be listed; empty when it was
};

// Whether a file name has an image extension crossocr reads from folders (png jpg jpeg gif bmp
// tif tiff webp pnm pgm ppm pbm, and pdf; in any case).
bool has_image_extension(const std::filesystem::path& path);

// A folder's image files (not its subfolders'), sorted by path. Throws
// std::filesystem::filesystem_error when the folder cannot be listed.
std::vector<std::string> image_files_in(const std::filesystem::path& dir);

// Every argument expanded in order: a folder into its image files (sorted by path), @LIST into
// its lines (blank lines and lines starting with # skipped; relative paths are relative to the
// current folder, a folder line is expanded like a folder argument), "-" and other paths as given.
std::vector<Input> expand_inputs(const std::vector<std::string>& arguments, bool recursive);

// FNV-1a (64 bit) of `text`: the same on every build and machine, unlike std::hash.
std::uint64_t stable_hash(const std::string& text);

}  // namespace crossocr::cli

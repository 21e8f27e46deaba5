// Where the local networks' files are looked for.
#pragma once

#include <string>
#include <vector>

namespace crossocr {

// $CROSSOCR_MODELS alone when set; else DATADIR/crossocr/models beside the library's own LIBDIR
// (an installed copy wherever its prefix was moved, or the build tree, which is laid out alike),
// then the configured install prefix's.
std::vector<std::string> model_search_path();

// The first folder of model_search_path() that holds `file`; empty when none does.
std::string default_model_path(const std::string& file);

// The folders, for an error message.
std::string describe_model_search_path();

// A recogniser saved by name (`crossocr adapt -o NAME`: no folder, no extension) lives at
// $XDG_DATA_HOME/crossocr/recognizers/NAME.onnx (else ~/.local/share/...); anything else is a
// path, returned as given.
std::string recognizer_file(const std::string& path_or_name);

// An adapted recogniser's own calibration (`crossocr adapt` refits it on the images it held
// back): MODEL.calibration.json beside MODEL.onnx. Used when no calibration file is named.
std::string adapted_calibration_file(const std::string& recognizer_path);

}  // namespace crossocr

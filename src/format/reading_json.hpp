// Reading <-> JSON, in one place: used for output and for the remote cache.
#pragma once

#include "crossocr/reading.hpp"

#include <nlohmann/json.hpp>

namespace crossocr {

// Three decimals are more than any confidence or latency here is worth, and keep lines short.
double rounded(double x);

nlohmann::ordered_json reading_to_json(const Reading& reading);

// The inverse of reading_to_json; fields that are missing keep their defaults.
Reading reading_from_json(const nlohmann::json& j);

}  // namespace crossocr

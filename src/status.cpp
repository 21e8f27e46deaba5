#include "crossocr/status.hpp"

namespace crossocr {

std::string_view to_string(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kIo: return "io";
    case StatusCode::kDecode: return "decode";
    case StatusCode::kLimit: return "limit";
    case StatusCode::kEngine: return "engine";
    case StatusCode::kRemoteConfig: return "remote-config";
    case StatusCode::kRemoteTransient: return "remote-transient";
    case StatusCode::kRemoteUnavailable: return "remote-unavailable";
    case StatusCode::kConfig: return "config";
  }
  return "unknown";
}

}  // namespace crossocr

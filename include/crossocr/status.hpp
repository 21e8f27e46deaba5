// Status: the outcome of something that can fail, as a value. The code says what kind of failure
// it is, so that callers decide by kind (retry, announce once, exit status) and never by comparing
// messages; the message says it to a person and names the cause. A plain value type, safe to copy
// across threads.
#pragma once

#include <string>
#include <string_view>
#include <utility>

namespace crossocr {

enum class StatusCode {
  kOk,
  kIo,               // a file could not be opened, read or written
  kDecode,           // the bytes are not an image crossocr can decode
  kLimit,            // the input is outside a limit (size, pixels, dimensions)
  kEngine,           // an engine failed on this image (Tesseract, OpenCV, an unusable answer)
  kRemoteConfig,     // the remote side cannot work as configured: no key, a bad key, a model the
                     // endpoint does not serve. The same for every later image of a batch.
  kRemoteTransient,  // the remote side failed for now on this image: a timeout, a rate limit, a
                     // server error. Worth trying again later.
  kRemoteUnavailable,  // the endpoint cannot be reached: the same for every later image of a batch
  kConfig,           // the options themselves are wrong: a model file or Tesseract data missing,
                     // an unwritable path
};

// "ok", "io", "decode", "limit", "engine", "remote-config", "remote-transient",
// "remote-unavailable", "config".
std::string_view to_string(StatusCode code);

class Status {
 public:
  Status() = default;  // ok
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }  // empty when ok

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

}  // namespace crossocr

// HttpClient: one libcurl easy handle, reused for every request of one thread (keeps the TLS
// connection alive between images). Internal to the library. Not thread-safe: one per thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace crossocr::remote {

struct HttpRequest {
  std::string url;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // sent as POST when non-empty
  double timeout_s = 60.0;           // the whole attempt, connection included
  double connect_timeout_s = 10.0;
  std::uint64_t max_response_bytes = 4ull << 20;
};

struct HttpResponse {
  long status = 0;                             // 0 when no HTTP answer arrived
  std::map<std::string, std::string> headers;  // names lower-cased, of the final response
  std::string body;
  std::string transport_error;                 // set when no complete answer arrived
  bool timed_out = false;
  bool too_large = false;                      // the body passed max_response_bytes, or a header libcurl's limit
  bool connect_failed = false;                 // refused, or the host has no address
  double elapsed_ms = 0.0;

  bool transport_ok() const { return transport_error.empty(); }
  // The endpoint answered, if not wholly: a status line came, or more than could be kept.
  bool heard_back() const { return status != 0 || too_large; }
};

class HttpClient {
 public:
  HttpClient();
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse post(const HttpRequest& request);

 private:
  void* handle_;  // CURL*, kept out of the header
};

}  // namespace crossocr::remote

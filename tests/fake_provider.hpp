// FakeProvider: a real HTTP server on 127.0.0.1 (cpp-httplib) that speaks OpenAI-compatible chat
// completions the way Groq does: the seed's response body verbatim, Groq-style error bodies,
// slow answers, truncated bodies and dropped connections. It records every request it receives.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace crossocr::testing {

struct Reply {
  Reply(int status_, std::string body_, std::map<std::string, std::string> headers_ = {},
        std::chrono::milliseconds delay_ = {}, bool drop_connection_ = false)
      : status(status_), body(std::move(body_)), headers(std::move(headers_)), delay(delay_),
        drop_connection(drop_connection_) {}

  int status;
  std::string body;
  std::map<std::string, std::string> headers;
  std::chrono::milliseconds delay;
  bool drop_connection;  // send half the body, then close the connection
};

struct ReceivedRequest {
  std::string path;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// The seed's response, verbatim (data/seed/groq-response.json).
std::string seed_response_body();
// The seed's response with another message content.
std::string answer_body(const std::string& content);
// Groq's error shape: {"error": {"message", "type", "code"}}.
std::string groq_error_body(const std::string& message, const std::string& type,
                            const std::string& code = "");

class FakeProvider {
 public:
  // `workers`: the server's threads (0: cpp-httplib's default, 8). Each kept-alive connection
  // holds one, so a client with more connections than that waits on the server, not itself.
  explicit FakeProvider(int workers = 0);
  ~FakeProvider();
  FakeProvider(const FakeProvider&) = delete;
  FakeProvider& operator=(const FakeProvider&) = delete;

  std::string base_url() const;  // http://127.0.0.1:PORT/v1

  // Replies are used in order; the last one repeats for every later request.
  void script(std::vector<Reply> replies);
  std::vector<ReceivedRequest> received() const;

 private:
  Reply next_reply();

  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::vector<Reply> replies_;
  std::size_t next_ = 0;
  std::vector<ReceivedRequest> received_;
};

}  // namespace crossocr::testing

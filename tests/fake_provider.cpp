#include "fake_provider.hpp"

#include "test_support.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace crossocr::testing {

std::string seed_response_body() {
  std::ifstream in(data_path("seed/groq-response.json"), std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string answer_body(const std::string& content) {
  auto j = nlohmann::json::parse(seed_response_body());
  j["choices"][0]["message"]["content"] = content;
  return j.dump();
}

std::string groq_error_body(const std::string& message, const std::string& type,
                            const std::string& code) {
  nlohmann::json error = {{"message", message}, {"type", type}};
  if (!code.empty()) error["code"] = code;
  return nlohmann::json{{"error", error}}.dump();
}

FakeProvider::FakeProvider(int workers) : server_(std::make_unique<httplib::Server>()) {
  if (workers > 0) {
    server_->new_task_queue = [workers] { return new httplib::ThreadPool(static_cast<std::size_t>(workers)); };
  }
  replies_ = {Reply{200, seed_response_body(), {}, {}, false}};
  server_->Post("/v1/chat/completions", [this](const httplib::Request& req, httplib::Response& res) {
    ReceivedRequest r;
    r.path = req.path;
    r.body = req.body;
    for (const auto& [name, value] : req.headers) {
      std::string lower = name;
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      r.headers[lower] = value;
    }
    const Reply reply = [&] {
      std::lock_guard lock(mutex_);
      received_.push_back(std::move(r));
      return next_reply();
    }();
    if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
    res.status = reply.status;
    for (const auto& [name, value] : reply.headers) res.set_header(name, value);
    if (reply.drop_connection) {
      // Promise the whole body, deliver half, then give up: the client sees a cut transfer.
      const std::string body = reply.body;
      res.set_content_provider(body.size(), "application/json",
                               [body](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset >= body.size() / 2) return false;
                                 sink.write(body.data(), body.size() / 2);
                                 return true;
                               });
      return;
    }
    res.set_content(reply.body, "application/json");
  });
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("fake provider: cannot bind a loopback port");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // stop() before the accept loop has started would be lost, and the loop would never end.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

FakeProvider::~FakeProvider() {
  server_->stop();
  thread_.join();
}

std::string FakeProvider::base_url() const {
  return "http://127.0.0.1:" + std::to_string(port_) + "/v1";
}

void FakeProvider::script(std::vector<Reply> replies) {
  std::lock_guard lock(mutex_);
  replies_ = std::move(replies);
  next_ = 0;
}

std::vector<ReceivedRequest> FakeProvider::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

Reply FakeProvider::next_reply() {
  const Reply& r = replies_[std::min(next_, replies_.size() - 1)];
  ++next_;
  return r;
}

}  // namespace crossocr::testing

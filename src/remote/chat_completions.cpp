#include "remote/chat_completions.hpp"

#include <nlohmann/json.hpp>

#include <cmath>

namespace crossocr::remote {
namespace {

using nlohmann::json;

std::string excerpt(const std::string& body, std::size_t n = 200) {
  std::string e = body.substr(0, n);
  for (char& c : e) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  return body.size() > n ? e + "..." : e;
}

std::string string_or_empty(const json& j, const char* key) {
  const auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A token count: a whole number from 0 to a billion; anything else (1e300, -5, 1.5) counts as 0
// rather than overflowing on conversion.
long number_or_zero(const json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_number()) return 0;
  const double value = it->get<double>();
  return value >= 0 && value <= 1e9 && value == std::floor(value) ? static_cast<long>(value) : 0;
}

}  // namespace

std::string to_request_body(const ChatRequest& r) {
  json body = {
      {"messages",
       json::array({{{"role", "user"},
                     {"content", json::array({{{"type", "text"}, {"text", r.prompt}},
                                              {{"type", "image_url"},
                                               {"image_url", {{"url", r.image_data_url}}}}})}}})},
      {"model", r.model},
      {"max_tokens", r.max_tokens},
      {"temperature", r.temperature},
  };
  if (r.logprobs) body["logprobs"] = true;
  return body.dump();
}

namespace {

// Request id (Groq's x_groq.id, else the body's id), model and token counts.
void read_answer_details(const json& j, ChatAnswer& a) {
  if (const auto x = j.find("x_groq"); x != j.end() && x->is_object()) {
    a.request_id = string_or_empty(*x, "id");
  }
  if (a.request_id.empty()) a.request_id = string_or_empty(j, "id");
  a.model = string_or_empty(j, "model");
  if (const auto u = j.find("usage"); u != j.end() && u->is_object()) {
    a.prompt_tokens = number_or_zero(*u, "prompt_tokens");
    a.completion_tokens = number_or_zero(*u, "completion_tokens");
    a.total_tokens = number_or_zero(*u, "total_tokens");
  }
}

// logprobs: {"content": [{"token": "Z", "logprob": -0.01}, ...]}: the mean token probability.
void read_token_probability(const json& choice, ChatAnswer& a) {
  const auto lp = choice.find("logprobs");
  if (lp == choice.end() || !lp->is_object()) return;
  const auto tokens = lp->find("content");
  if (tokens == lp->end() || !tokens->is_array() || tokens->empty()) return;
  double sum = 0.0;
  int n = 0;
  for (const json& t : *tokens) {
    if (t.is_object() && t.contains("logprob") && t["logprob"].is_number()) {
      sum += t["logprob"].get<double>();
      ++n;
    }
  }
  if (n == 0) return;
  // A probability outside 0-1 (a positive or huge log-probability) means nothing: the answer is
  // then weighed like one without log-probabilities.
  const double p = std::exp(sum / n);
  if (std::isfinite(p) && p <= 1.0) {
    a.token_probability = p;
  } else {
    a.warning = "log-probabilities outside 0-1 ignored";
  }
}

}  // namespace

ChatAnswer parse_answer(const std::string& body) {
  ChatAnswer a;
  const json j = json::parse(body, nullptr, false);
  if (j.is_discarded()) {
    a.error = body.empty() ? "empty response body"
                           : "response is not JSON (" + std::to_string(body.size()) +
                                 " bytes, possibly truncated): " + excerpt(body);
    return a;
  }
  if (!j.is_object()) {
    a.error = "response is not a JSON object: " + excerpt(body);
    return a;
  }
  if (const auto e = j.find("error"); e != j.end() && !e->is_null()) {
    a.error = "provider error in a success response: " + parse_error(body).message;
    return a;
  }
  const auto choices = j.find("choices");
  if (choices == j.end() || !choices->is_array() || choices->empty() ||
      !(*choices)[0].is_object()) {
    a.error = "response has no choices: " + excerpt(body);
    return a;
  }
  const json& choice = (*choices)[0];
  a.finish_reason = string_or_empty(choice, "finish_reason");
  const auto message = choice.find("message");
  if (message == choice.end() || !message->is_object() || !message->contains("content")) {
    a.error = "response's first choice has no message content: " + excerpt(body);
    return a;
  }
  const json& content = (*message)["content"];
  if (content.is_string()) {
    a.content = content.get<std::string>();
  } else if (content.is_array()) {
    // Content parts: [{"type": "text", "text": "..."}, ...]
    for (const json& part : content) {
      if (part.is_object() && string_or_empty(part, "type") == "text") a.content += string_or_empty(part, "text");
    }
  } else if (!content.is_null()) {
    a.error = "message content is neither text nor parts: " + excerpt(body);
    return a;
  }
  // An answer without a character of text is no reading of the image (never an empty one).
  if (a.content.find_first_not_of(" \t\r\n") == std::string::npos) {
    a.error = "the answer holds no text: " + excerpt(body);
    return a;
  }

  read_answer_details(j, a);
  read_token_probability(choice, a);
  return a;
}

ProviderError parse_error(const std::string& body) {
  ProviderError e;
  const json j = json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error")) {
    const json& err = j["error"];
    if (err.is_object()) {
      e.message = string_or_empty(err, "message");
      e.type = string_or_empty(err, "type");
      e.code = string_or_empty(err, "code");
    } else if (err.is_string()) {
      e.message = err.get<std::string>();  // Ollama and some proxies: {"error": "..."}
    }
  }
  if (e.message.empty()) e.message = body.empty() ? "(empty body)" : excerpt(body);
  return e;
}

}  // namespace crossocr::remote

// The OpenAI-compatible chat-completions wire format: the request crossocr sends (shaped like the
// seed request) and what it takes from answers and error bodies. Pure functions over JSON text.
#pragma once

#include <optional>
#include <string>

namespace crossocr::remote {

struct ChatRequest {
  std::string model;
  std::string prompt;
  std::string image_data_url;  // data:image/png;base64,...
  int max_tokens = 500;
  double temperature = 0.0;
  bool logprobs = false;       // only for providers that accept it (Groq answers 400)
};

std::string to_request_body(const ChatRequest& request);

struct ChatAnswer {
  std::string content;        // choices[0].message.content, parts joined
  std::string finish_reason;
  std::string request_id;     // x_groq.id when present, else id
  std::string model;
  long prompt_tokens = 0;
  long completion_tokens = 0;
  long total_tokens = 0;
  std::optional<double> token_probability;  // geometric mean of token probabilities (logprobs)
  std::string error;          // why the body is not a usable answer
  std::string warning;        // a usable answer with a part that was ignored (and why)
};

ChatAnswer parse_answer(const std::string& body);

// The provider's own words from an error body ({"error": {"message", "type", "code"}}), or a
// short excerpt of a body that is not in that shape.
struct ProviderError {
  std::string message;
  std::string type;
  std::string code;
};

ProviderError parse_error(const std::string& body);

}  // namespace crossocr::remote

// A provider's response body through the chat-completions parser, and its content through the
// answer cleaner and the refusal check: what a remote (possibly broken or hostile) server sends.
#include "fuzz_support.hpp"
#include "remote/answer_cleaner.hpp"
#include "remote/chat_completions.hpp"

#include <cmath>

using crossocr::fuzz::require;
namespace remote = crossocr::remote;

namespace {

void check_cleaner(const std::string& raw) {
  const std::string cleaned = remote::clean_answer(raw);
  require(cleaned.size() <= raw.size(), "clean_answer never lengthens its input");
  require(remote::clean_answer(cleaned).size() <= cleaned.size(), "cleaning again never lengthens");
  (void)remote::is_refusal(cleaned);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string body(reinterpret_cast<const char*>(data), size);
  // parse_answer and parse_error must never throw: an exception escaping here aborts the run.
  const remote::ChatAnswer answer = remote::parse_answer(body);
  require(!answer.error.empty() || answer.content.find_first_not_of(" \t\r\n") != std::string::npos,
          "an answer without an error holds text");
  if (answer.token_probability) {
    const double p = *answer.token_probability;
    require(std::isfinite(p) && p >= 0.0 && p <= 1.0, "a token probability is in [0, 1]");
  }
  require(answer.prompt_tokens >= 0 && answer.completion_tokens >= 0 && answer.total_tokens >= 0,
          "token counts are never negative");
  (void)remote::parse_error(body);
  if (answer.error.empty()) check_cleaner(answer.content);
  check_cleaner(body);  // the raw bytes too: the cleaner sees whatever content a model wrote
  return 0;
}

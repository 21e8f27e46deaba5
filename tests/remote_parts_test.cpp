// The remote engine's pure parts: answer cleaning, retry rules, the wire format, uploads.
#include "remote/answer_cleaner.hpp"
#include "remote/chat_completions.hpp"
#include "remote/retry_policy.hpp"
#include "remote/upload_image.hpp"

#include "crossocr/image_loader.hpp"
#include "fake_provider.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

namespace crossocr::remote {
namespace {

using namespace std::chrono_literals;

TEST(AnswerCleaner, CleanAnswersAreNeverTouched) {
  for (const char* clean : {"ZGUVU", "zguvu", "ZG UVU", "A.B", "Code: 4711", "x\"y", "42.",
                            "Hello Google", "line one\nline two", "Straße", "'", "**"}) {
    EXPECT_EQ(clean_answer(clean), clean);
  }
  EXPECT_EQ(clean_answer("  ZGUVU \n"), "ZGUVU");  // only surrounding white space goes
}

TEST(AnswerCleaner, WrappingIsRemoved) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"```\nZGUVU\n```", "ZGUVU"},
      {"```text\nZGUVU\n```", "ZGUVU"},
      {"\"ZGUVU\"", "ZGUVU"},
      {"'ZGUVU'", "ZGUVU"},
      {"`ZGUVU`", "ZGUVU"},
      {"**ZGUVU**", "ZGUVU"},
      {"\u201cZGUVU\u201d", "ZGUVU"},
      {"The text in the image is: ZGUVU", "ZGUVU"},
      {"The text in the image is \"ZGUVU\".", "ZGUVU"},
      {"Here is the extracted text:\n\nZGUVU", "ZGUVU"},
      {"Sure! Here is the text:\n```\nZGUVU\n```", "ZGUVU"},
      {"The image contains the text: **ZGUVU**", "ZGUVU"},
      {"Extracted text: zGuvu", "zGuvu"},
      {"Text:\nZGUVU", "ZGUVU"},
  };
  for (const auto& [raw, expected] : cases) EXPECT_EQ(clean_answer(raw), expected) << raw;
}

TEST(AnswerCleaner, RefusalsAreToldFromTranscriptions) {
  for (const char* refusal : {"I'm sorry, I can't read the text in this image.", "I cannot read this CAPTCHA.",
                              "Sorry, the image is too blurry.", "There is no text in the image.",
                              "I\u2019m unable to transcribe this image.", "Unable to read the text.",
                              "No text is visible in this image."}) {
    EXPECT_TRUE(is_refusal(clean_answer(refusal))) << refusal;
  }
  for (const char* text : {"SORRY", "ZGUVU", "I can", "Sorry we are closed", "No Parking", "I CANT 42",
                           "There is no planet B"}) {
    EXPECT_FALSE(is_refusal(clean_answer(text))) << text;
  }
}

// std::regex recurses per character: a huge answer once overflowed the stack (fuzz/corpus/
// remote_answer/crash-huge-fence). It is taken as it stands, only trimmed.
TEST(AnswerCleaner, HugeAnswersDoNotOverflowTheStack) {
  const std::string body(1 << 20, 'a');
  EXPECT_EQ(clean_answer(" ```\n" + body + "\n```\n"), "```\n" + body + "\n```");
  EXPECT_EQ(clean_answer("The text in the image is: " + std::string(1 << 20, ' ') + "ZGUVU").size(),
            26 + (1u << 20) + 5);
  EXPECT_FALSE(is_refusal("I'm sorry, " + body));
  EXPECT_EQ(clean_answer("```\n" + std::string(8000, 'a') + "\n```"), std::string(8000, 'a'));  // below the bound: cleaned
}

TEST(RetryPolicy, RetryableStatusesFollowTheProvidersRules) {
  for (long s : {0L, 408L, 409L, 429L, 498L, 500L, 502L, 503L, 504L}) {
    EXPECT_TRUE(is_retryable_status(s)) << s;
  }
  for (long s : {200L, 400L, 401L, 403L, 404L, 413L, 422L}) EXPECT_FALSE(is_retryable_status(s)) << s;
}

TEST(RetryPolicy, ServerRequestedDelays) {
  const auto now = std::chrono::system_clock::from_time_t(1445412480);  // 2015-10-21 07:28:00 UTC
  EXPECT_EQ(server_requested_delay({{"retry-after-ms", "250"}}, now), 250ms);
  EXPECT_EQ(server_requested_delay({{"retry-after", "2"}}, now), 2000ms);
  EXPECT_EQ(server_requested_delay({{"retry-after", "1.5"}}, now), 1500ms);
  // retry-after-ms wins over retry-after
  EXPECT_EQ(server_requested_delay({{"retry-after-ms", "100"}, {"retry-after", "9"}}, now), 100ms);
  EXPECT_EQ(server_requested_delay({{"retry-after", "Wed, 21 Oct 2015 07:28:03 GMT"}}, now), 3000ms);
  EXPECT_EQ(server_requested_delay({{"retry-after", "soon"}}, now), std::nullopt);
  EXPECT_EQ(server_requested_delay({{"retry-after", "-1"}}, now), std::nullopt);
  EXPECT_EQ(server_requested_delay({{"retry-after", "3600"}}, now), std::nullopt);  // over the cap
  // Hostile values are refused without overflowing on the way.
  EXPECT_EQ(server_requested_delay({{"retry-after-ms", "1e300"}}, now), std::nullopt);
  EXPECT_EQ(server_requested_delay({{"retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"}}, now), std::nullopt);
  EXPECT_EQ(server_requested_delay({}, now), std::nullopt);
}

TEST(RetryPolicy, BackoffGrowsWithJitterAndIsCapped) {
  std::mt19937 rng(7);
  for (int attempt = 0; attempt < 6; ++attempt) {
    const auto d = backoff_delay(attempt, rng);
    const long long base = std::min<long long>(8000, 500LL << attempt);
    EXPECT_GE(d.count(), base / 2) << attempt;
    EXPECT_LE(d.count(), base) << attempt;
  }
  EXPECT_EQ(server_says_retry({{"x-should-retry", "false"}}), false);
  EXPECT_EQ(server_says_retry({{"x-should-retry", "true"}}), true);
  EXPECT_EQ(server_says_retry({}), std::nullopt);
}

TEST(ChatCompletions, RequestBodyHasTheSeedRequestsShape) {
  ChatRequest r;
  r.model = "meta-llama/llama-4-scout-17b-16e-instruct";
  r.prompt = "This is an image, extract and return only text exactly as show,preserving case";
  r.image_data_url = "data:image/png;base64,AAAA";
  const auto body = nlohmann::json::parse(to_request_body(r));
  const auto seed = nlohmann::json::parse(testing::read_bytes(testing::data_path("seed/groq-request.json")));
  EXPECT_EQ(body["model"], seed["model"]);
  EXPECT_EQ(body["max_tokens"], seed["max_tokens"]);
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_FALSE(body.contains("logprobs"));  // Groq answers 400 to it
  const auto& content = body["messages"][0]["content"];
  EXPECT_EQ(body["messages"][0]["role"], "user");
  EXPECT_EQ(content[0], seed["messages"][0]["content"][0]);
  EXPECT_EQ(content[1]["type"], "image_url");
  EXPECT_EQ(content[1]["image_url"]["url"], "data:image/png;base64,AAAA");
  r.logprobs = true;
  EXPECT_EQ(nlohmann::json::parse(to_request_body(r))["logprobs"], true);
}

TEST(ChatCompletions, TheSeedsResponseParses) {
  const ChatAnswer a = parse_answer(testing::seed_response_body());
  ASSERT_EQ(a.error, "");
  EXPECT_EQ(a.content, "ZGUVU");
  EXPECT_EQ(a.finish_reason, "stop");
  EXPECT_EQ(a.request_id, "req_01k7ns5cb8ejgahcjnh95n7rh2");  // x_groq.id
  EXPECT_EQ(a.prompt_tokens, 176);
  EXPECT_EQ(a.completion_tokens, 4);
  EXPECT_EQ(a.total_tokens, 180);
  EXPECT_FALSE(a.token_probability.has_value());  // "logprobs": null
}

TEST(ChatCompletions, ContentPartsAndLogprobs) {
  auto j = nlohmann::json::parse(testing::seed_response_body());
  j["choices"][0]["message"]["content"] = {{{"type", "text"}, {"text", "ZG"}},
                                           {{"type", "text"}, {"text", "UVU"}}};
  j["choices"][0]["logprobs"] = {{"content", {{{"token", "ZG"}, {"logprob", -0.1}},
                                              {{"token", "UVU"}, {"logprob", -0.3}}}}};
  const ChatAnswer a = parse_answer(j.dump());
  EXPECT_EQ(a.content, "ZGUVU");
  ASSERT_TRUE(a.token_probability.has_value());
  EXPECT_NEAR(*a.token_probability, std::exp(-0.2), 1e-9);  // geometric mean of the two
}

TEST(ChatCompletions, UnusableBodiesAreErrorsNotEmptyReadings) {
  const std::string seed = testing::seed_response_body();
  EXPECT_NE(parse_answer(seed.substr(0, seed.size() / 2)).error.find("not JSON"), std::string::npos);
  EXPECT_NE(parse_answer("").error.find("empty"), std::string::npos);
  EXPECT_NE(parse_answer("<html>502 Bad Gateway</html>").error.find("not JSON"), std::string::npos);
  EXPECT_NE(parse_answer(R"({"id": "x", "choices": []})").error.find("no choices"), std::string::npos);
  EXPECT_NE(parse_answer(R"({"choices": [{"index": 0}]})").error.find("no message"), std::string::npos);
  EXPECT_NE(parse_answer("[1,2]").error.find("not a JSON object"), std::string::npos);
}

// A choice without a character of text is an error, never a successful empty reading.
TEST(ChatCompletions, AnswersWithoutTextAreErrors) {
  for (const std::string content : {"null", "\"\"", "\"  \\n\\t \"", "[]",
                                    R"([{"type":"image_url","image_url":{"url":"x"}}])",
                                    R"([{"type":"text","text":12345}])"}) {
    SCOPED_TRACE(content);
    const ChatAnswer a = parse_answer(R"({"choices":[{"message":{"content":)" + content + "}}]}");
    EXPECT_NE(a.error.find("no text"), std::string::npos) << a.error;
  }
}

// exp(+5) is 148: such a "probability" is dropped, not passed on to outvote the local reader.
TEST(ChatCompletions, LogProbabilitiesOutsideZeroToOneAreIgnored) {
  for (const std::string lp : {"5", "1e308"}) {
    const ChatAnswer a = parse_answer(R"({"choices":[{"message":{"content":"WRONG"},"logprobs":{"content":[{"token":"W","logprob":)" +
                                      lp + "}]}}]}");
    EXPECT_TRUE(a.error.empty()) << a.error;
    EXPECT_FALSE(a.token_probability.has_value());
    EXPECT_FALSE(a.warning.empty());
  }
}

TEST(ChatCompletions, HostileTokenCountsCountAsZero) {
  const ChatAnswer a = parse_answer(
      R"({"choices":[{"message":{"content":"ZGUVU"}}],"usage":{"prompt_tokens":1e300,"completion_tokens":-1e300,"total_tokens":1.5}})");
  EXPECT_EQ(a.prompt_tokens, 0);
  EXPECT_EQ(a.completion_tokens, 0);
  EXPECT_EQ(a.total_tokens, 0);
}

TEST(ChatCompletions, ANullErrorBesideChoicesIsNoError) {
  const ChatAnswer a = parse_answer(R"({"error":null,"choices":[{"message":{"content":"ZGUVU"}}]})");
  EXPECT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.content, "ZGUVU");
}

TEST(ChatCompletions, ProviderErrorsKeepTheProvidersWords) {
  const ProviderError e = parse_error(testing::groq_error_body(
      "The model `x` has been decommissioned", "invalid_request_error", "model_decommissioned"));
  EXPECT_EQ(e.message, "The model `x` has been decommissioned");
  EXPECT_EQ(e.type, "invalid_request_error");
  EXPECT_EQ(e.code, "model_decommissioned");
  EXPECT_EQ(parse_error(R"({"error": "model not found"})").message, "model not found");
  EXPECT_EQ(parse_error("Service Unavailable").message, "Service Unavailable");
}

TEST(UploadImage, TheOriginalFileIsSentWhenAccepted) {
  const LoadedImage seed = load_image(testing::kSeedStrip);
  const UploadImage u = prepare_upload(seed);
  ASSERT_EQ(u.error, "");
  EXPECT_FALSE(u.reencoded);
  // Byte for byte the seed request's image.
  const auto request = nlohmann::json::parse(testing::read_bytes(testing::data_path("seed/groq-request.json")));
  const std::string seed_url = request["messages"][0]["content"][1]["image_url"]["url"];
  EXPECT_EQ(u.data_url.substr(u.data_url.find(',')), seed_url.substr(seed_url.find(',')));
  EXPECT_EQ(u.data_url.rfind("data:image/png;base64,", 0), 0u);
}

TEST(UploadImage, OtherFormatsAreReencodedAndBigOnesDownscaled) {
  cv::Mat pixels = cv::imread(testing::kSeedStrip);
  std::vector<std::uint8_t> bmp;
  cv::imencode(".bmp", pixels, bmp);
  const UploadImage u = prepare_upload(decode_image(bmp));
  EXPECT_TRUE(u.reencoded);
  EXPECT_FALSE(u.downscaled);
  EXPECT_EQ(u.mime, "image/png");

  UploadLimits tight;
  tight.max_base64_bytes = 1500;  // the seed PNG alone needs 2484
  const UploadImage small = prepare_upload(load_image(testing::kSeedStrip), tight);
  ASSERT_EQ(small.error, "");
  EXPECT_TRUE(small.reencoded);
  EXPECT_LE(small.data_url.size() - small.data_url.find(',') - 1, 1500u);
}

}  // namespace
}  // namespace crossocr::remote

// RemoteEngine against a real HTTP server on loopback: what comes back and what was sent.
#include "remote/remote_engine.hpp"

#include "crossocr/image_loader.hpp"
#include "fake_provider.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <thread>
#include <opencv2/imgcodecs.hpp>

#include "remote/digest.hpp"

namespace crossocr {
namespace {

using namespace std::chrono_literals;
using testing::FakeProvider;
using testing::groq_error_body;
using testing::Reply;

RemoteOptions options_for(const FakeProvider& server) {
  RemoteOptions o;
  o.base_url = server.base_url();
  o.api_key = "gsk_test_secret_key_123";
  o.timeout_s = 5;
  return o;
}

class RemoteEngineTest : public ::testing::Test {
 protected:
  FakeProvider server;
  LoadedImage seed = load_image(testing::kSeedStrip);
};

TEST_F(RemoteEngineTest, TheSeedStripComesBackAsTheSeedsAnswer) {
  RemoteEngine engine(options_for(server));
  const Reading r = engine.read(seed);
  ASSERT_TRUE(r.ok()) << r.status.message();
  EXPECT_EQ(r.text, "ZGUVU");
  EXPECT_EQ(r.engine, "remote");
  EXPECT_EQ(r.confidence_source, "prior");
  EXPECT_DOUBLE_EQ(r.confidence, 0.75);
  EXPECT_EQ(r.remote.finish_reason, "stop");
  EXPECT_EQ(r.remote.request_id, "req_01k7ns5cb8ejgahcjnh95n7rh2");
  EXPECT_EQ(r.remote.prompt_tokens, 176);
  EXPECT_EQ(r.remote.completion_tokens, 4);
  EXPECT_EQ(r.remote.attempts, 1);
  EXPECT_FALSE(r.remote.from_cache);
  EXPECT_GT(r.latency_ms, 0.0);
}

TEST_F(RemoteEngineTest, TheRequestIsTheSeedRequest) {
  RemoteEngine engine(options_for(server));
  ASSERT_TRUE(engine.read(seed).ok());
  const auto received = server.received();
  ASSERT_EQ(received.size(), 1u);
  const auto& req = received[0];
  EXPECT_EQ(req.path, "/v1/chat/completions");
  EXPECT_EQ(req.headers.at("authorization"), "Bearer gsk_test_secret_key_123");
  EXPECT_NE(req.headers.at("content-type").find("application/json"), std::string::npos);
  const auto body = nlohmann::json::parse(req.body);
  const auto seed_request =
      nlohmann::json::parse(testing::read_bytes(testing::data_path("seed/groq-request.json")));
  EXPECT_EQ(body["model"], seed_request["model"]);
  EXPECT_EQ(body["max_tokens"], 500);
  EXPECT_EQ(body["temperature"], 0.0);
  EXPECT_FALSE(body.contains("logprobs"));
  EXPECT_EQ(body["messages"][0]["content"][0]["text"], seed_request["messages"][0]["content"][0]["text"]);
  // The image decodes to the seed strip's pixels.
  const std::string url = body["messages"][0]["content"][1]["image_url"]["url"];
  ASSERT_EQ(url.rfind("data:image/png;base64,", 0), 0u);
  const std::string b64 = url.substr(url.find(',') + 1);
  const auto bytes = remote::base64_decode(b64);
  ASSERT_TRUE(bytes.has_value());
  EXPECT_EQ(*bytes, testing::read_bytes(testing::kSeedStrip));  // the original file, unchanged
  const LoadedImage sent = decode_image(*bytes);
  ASSERT_TRUE(sent.ok()) << sent.status.message();
  EXPECT_EQ(cv::norm(sent.pixels, seed.pixels, cv::NORM_L1), 0.0);
}

// --remote-rate: engines sharing a gate start their requests one spacing apart, however many run
// at once (a lower bound on the time only: sleeping is never shorter than asked).
TEST_F(RemoteEngineTest, ARateSpacesTheRequestsOfEveryEngineSharingTheGate) {
  RemoteOptions o = options_for(server);
  o.requests_per_minute = 120;  // one every 0.5 s
  auto gate = std::make_shared<RemoteGate>(o.requests_per_minute);
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  std::atomic<int> read{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      RemoteEngine engine(o, gate);
      if (engine.read(seed).ok()) ++read;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(read, 4);
  EXPECT_EQ(server.received().size(), 4u);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 1500ms) << "four requests at 120 a minute take 1.5 s at least";
}

TEST_F(RemoteEngineTest, TwoRateLimitsThenSuccessStillSucceeds) {
  server.script({Reply{429, groq_error_body("Rate limit reached", "tokens", "rate_limit_exceeded"),
                       {{"retry-after", "1"}}},
                 Reply{429, groq_error_body("Rate limit reached", "tokens", "rate_limit_exceeded"),
                       {{"retry-after-ms", "20"}}},
                 Reply{200, testing::seed_response_body()}});
  RemoteEngine engine(options_for(server));
  const auto start = std::chrono::steady_clock::now();
  const Reading r = engine.read(seed);
  const auto waited = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(r.ok()) << r.status.message();
  EXPECT_EQ(r.text, "ZGUVU");
  EXPECT_EQ(r.remote.attempts, 3);
  EXPECT_GE(waited, 1s);  // Retry-After: 1 was honoured
  EXPECT_EQ(server.received().size(), 3u);
}

TEST_F(RemoteEngineTest, AServerThatAlwaysFailsGivesAClearErrorWithinTheRetryBudget) {
  server.script({Reply{500, groq_error_body("Internal Server Error", "internal_server_error"),
                       {{"retry-after-ms", "10"}}}});
  RemoteOptions o = options_for(server);
  o.retries = 3;
  RemoteEngine engine(o);
  const Reading r = engine.read(seed);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status.message().find("HTTP 500"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("Internal Server Error"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("after 4 attempts"), std::string::npos) << r.status.message();
  EXPECT_EQ(server.received().size(), 4u);
  EXPECT_TRUE(r.text.empty());
}

TEST_F(RemoteEngineTest, UnavailableThenSuccessUsesBackoff) {
  server.script({Reply{503, groq_error_body("Service Unavailable", "service_unavailable")},
                 Reply{200, testing::seed_response_body()}});
  RemoteEngine engine(options_for(server));
  const auto start = std::chrono::steady_clock::now();
  const Reading r = engine.read(seed);
  EXPECT_EQ(r.text, "ZGUVU");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 250ms);  // backoff of 0.5 s with jitter
}

TEST_F(RemoteEngineTest, AServerThatNeverAnswersTimesOutWithinTheBudget) {
  server.script({Reply{200, testing::seed_response_body(), {}, 1500ms}});
  RemoteOptions o = options_for(server);
  o.timeout_s = 0.3;
  o.retries = 1;
  RemoteEngine engine(o);
  const auto start = std::chrono::steady_clock::now();
  const Reading r = engine.read(seed);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status.message().find("no complete answer within 0.3 s"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("after 2 attempts"), std::string::npos) << r.status.message();
  // 2 attempts of 0.3 s and one backoff of at most 1 s.
  EXPECT_LT(took, 2s);
}

TEST_F(RemoteEngineTest, AnInvalidKeyIsReportedOnceAndNeverRetried) {
  server.script({Reply{401, groq_error_body("Invalid API Key", "invalid_request_error",
                                            "invalid_api_key")}});
  auto gate = std::make_shared<RemoteGate>();
  RemoteEngine engine(options_for(server), gate);
  const Reading first = engine.read(seed);
  EXPECT_NE(first.status.message().find("HTTP 401"), std::string::npos) << first.status.message();
  EXPECT_NE(first.status.message().find("Invalid API Key"), std::string::npos);
  EXPECT_NE(first.status.message().find("--api-key-env"), std::string::npos);
  EXPECT_EQ(first.status.message().find("gsk_test_secret_key_123"), std::string::npos);  // never the key
  EXPECT_EQ(first.status.code(), StatusCode::kRemoteConfig);
  EXPECT_EQ(gate->tripped().code(), StatusCode::kRemoteConfig);
  const Reading second = engine.read(seed);  // no further request: the key will not get better
  EXPECT_EQ(second.status.message(), first.status.message());
  EXPECT_EQ(server.received().size(), 1u);
}

// A provider that echoes the Authorization header must not put the key on screen or on disk.
TEST_F(RemoteEngineTest, TheKeyIsCutFromWhatAProviderEchoes) {
  server.script({Reply{401, groq_error_body("Incorrect API key provided: Bearer gsk_test_secret_key_123",
                                            "invalid_request_error", "invalid_api_key")}});
  RemoteEngine engine(options_for(server));
  const Reading r = engine.read(seed);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status.message().find("gsk_test_secret_key_123"), std::string::npos) << r.status.message();
  EXPECT_NE(r.status.message().find("[API key]"), std::string::npos) << r.status.message();
}

TEST_F(RemoteEngineTest, ARetiredModelIsAConfigurationFaultThatNamesTheModel) {
  for (const auto& [status, code] : {std::pair{400, "model_decommissioned"},
                                     std::pair{404, "model_not_found"}}) {
    FakeProvider provider;
    provider.script({Reply{status, groq_error_body("The model has been decommissioned",
                                                   "invalid_request_error", code)}});
    RemoteEngine engine(options_for(provider));
    const Reading r = engine.read(seed);
    EXPECT_NE(r.status.message().find("HTTP " + std::to_string(status)), std::string::npos) << r.status.message();
    EXPECT_NE(r.status.message().find("meta-llama/llama-4-scout-17b-16e-instruct"), std::string::npos);
    EXPECT_NE(r.status.message().find("--model"), std::string::npos);
    EXPECT_NE(r.status.message().find(code), std::string::npos);
    EXPECT_EQ(provider.received().size(), 1u) << code;
  }
}

TEST_F(RemoteEngineTest, TooLargeIsNotRetried) {
  server.script({Reply{413, groq_error_body("Request Entity Too Large", "invalid_request_error")}});
  RemoteEngine engine(options_for(server));
  const Reading r = engine.read(seed);
  EXPECT_NE(r.status.message().find("HTTP 413"), std::string::npos) << r.status.message();
  EXPECT_EQ(server.received().size(), 1u);
}

TEST_F(RemoteEngineTest, ATruncatedBodyIsAnErrorNotAnEmptyReading) {
  const std::string seed_body = testing::seed_response_body();
  server.script({Reply{200, seed_body.substr(0, seed_body.size() / 2)}});
  RemoteEngine engine(options_for(server));
  const Reading r = engine.read(seed);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status.message().find("not JSON"), std::string::npos) << r.status.message();
}

TEST_F(RemoteEngineTest, ADroppedConnectionIsRetried) {
  server.script({Reply{200, testing::seed_response_body(), {}, {}, true},
                 Reply{200, testing::seed_response_body()}});
  RemoteEngine engine(options_for(server));
  const Reading r = engine.read(seed);
  EXPECT_EQ(r.text, "ZGUVU") << r.status.message();
  EXPECT_EQ(r.remote.attempts, 2);
}

// More than can be kept (a body over the bound, a header over libcurl's) will be as much again:
// read up to the bound, and not retried.
TEST_F(RemoteEngineTest, ResponsesAreReadUpToASizeBoundAndNotRetried) {
  server.script({Reply{200, testing::answer_body(std::string(20000, 'A'))}});
  RemoteOptions o = options_for(server);
  o.max_response_bytes = 4096;
  o.retries = 2;
  RemoteEngine engine(o);
  const Reading r = engine.read(seed);
  EXPECT_NE(r.status.message().find("larger than 4096 bytes"), std::string::npos) << r.status.message();
  EXPECT_EQ(server.received().size(), 1u);
}

// An endpoint that answered, if not wholly, is there: an answer cut short fails its own image
// (after its retries) and the next image is still sent. Only an endpoint that cannot be reached
// ends the remote side for the batch.
TEST_F(RemoteEngineTest, AnAnswerCutShortFailsOnlyItsImage) {
  server.script({Reply{200, testing::seed_response_body(), {}, {}, true}, Reply{200, testing::seed_response_body()}});
  RemoteOptions o = options_for(server);
  o.retries = 0;
  auto gate = std::make_shared<RemoteGate>();
  RemoteEngine engine(o, gate);
  const Reading cut = engine.read(seed);
  EXPECT_EQ(cut.status.code(), StatusCode::kRemoteTransient) << cut.status.message();
  EXPECT_NE(cut.status.message().find("an incomplete answer from"), std::string::npos) << cut.status.message();
  EXPECT_TRUE(gate->tripped().ok()) << gate->tripped().message();
  EXPECT_EQ(engine.read(seed).text, "ZGUVU");
  EXPECT_EQ(server.received().size(), 2u);
}

TEST_F(RemoteEngineTest, AHeaderOverLibcurlsLimitIsSaidAndNotRetried) {
  server.script({Reply{200, testing::seed_response_body(), {{"x-padding", std::string(300000, 'p')}}}});
  RemoteEngine engine(options_for(server));
  const Reading r = engine.read(seed);
  EXPECT_NE(r.status.message().find("a response header over libcurl's 100 KB limit"), std::string::npos)
      << r.status.message();
  EXPECT_EQ(server.received().size(), 1u);
}

// A provider that answers 429 image after image, Retry-After and all, has a quota spent: after
// three images in a row the rest of the batch is not sent (it stretched a batch by the wait times
// every image). An answer between breaks the run.
TEST_F(RemoteEngineTest, RateLimitsForThreeImagesInARowEndTheRemoteSide) {
  const Reply limited{429, groq_error_body("Rate limit reached", "tokens", "rate_limit_exceeded"),
                      {{"retry-after-ms", "10"}}};
  server.script({limited, limited, Reply{200, testing::seed_response_body()}, limited});
  RemoteOptions o = options_for(server);
  o.retries = 1;
  auto gate = std::make_shared<RemoteGate>();
  RemoteEngine engine(o, gate);
  EXPECT_FALSE(engine.read(seed).ok());          // 2 requests, rate limited
  EXPECT_EQ(engine.read(seed).text, "ZGUVU");    // answered: the run is broken
  EXPECT_FALSE(engine.read(seed).ok());
  EXPECT_FALSE(engine.read(seed).ok());
  EXPECT_TRUE(gate->tripped().ok());
  const Reading third = engine.read(seed);
  EXPECT_EQ(third.status.code(), StatusCode::kRemoteUnavailable) << third.status.message();
  EXPECT_NE(third.status.message().find("rate limited: HTTP 429"), std::string::npos) << third.status.message();
  EXPECT_FALSE(gate->tripped().ok());
  const std::size_t sent = server.received().size();
  EXPECT_EQ(sent, 2u + 1u + 2u + 2u + 2u);
  EXPECT_FALSE(engine.read(seed).ok());
  EXPECT_EQ(server.received().size(), sent);  // nothing more is sent
}

TEST_F(RemoteEngineTest, WrappedAnswersComeBackClean) {
  server.script({Reply{200, testing::answer_body("The text in the image is: \"ZGUVU\".")}});
  RemoteEngine engine(options_for(server));
  const Reading r = engine.read(seed);
  EXPECT_EQ(r.text, "ZGUVU");
  EXPECT_EQ(r.remote.raw_answer, "The text in the image is: \"ZGUVU\".");
}

// A model that declines has read nothing: an error with its words, never a text a vote could
// choose (the simulated model's refusal once won a vote against a right local reading).
TEST_F(RemoteEngineTest, ARefusalIsAnErrorNotAReading) {
  server.script({Reply{200, testing::answer_body("I'm sorry, I can't read the text in this image.")}});
  RemoteEngine engine(options_for(server));
  const Reading r = engine.read(seed);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status.message().find("the model declined to read the image"), std::string::npos) << r.status.message();
  EXPECT_EQ(r.remote.attempts, 1);  // declining is an answer: asking again costs and changes nothing
}

TEST_F(RemoteEngineTest, AnAnswerFromTheCacheNeedsNoServer) {
  testing::ScratchDir dir;
  RemoteOptions o;
  {
    FakeProvider provider;
    o = options_for(provider);
    o.cache_path = dir.file("cache/remote.sqlite");
    RemoteEngine engine(o);
    EXPECT_EQ(engine.read(seed).text, "ZGUVU");
  }  // the server is gone
  RemoteEngine engine(o);
  const Reading r = engine.read(seed);
  ASSERT_TRUE(r.ok()) << r.status.message();
  EXPECT_EQ(r.text, "ZGUVU");
  EXPECT_TRUE(r.remote.from_cache);
  EXPECT_EQ(r.remote.attempts, 0);
  // Another prompt is another question: not answered from the cache.
  o.prompt = "Read the text.";
  RemoteEngine other(o);
  EXPECT_FALSE(other.read(seed).ok());
}

TEST_F(RemoteEngineTest, SamplesGiveAnAgreementConfidence) {
  server.script({Reply{200, testing::answer_body("ZGUVU")}, Reply{200, testing::answer_body("ZGUVV")},
                 Reply{200, testing::answer_body("ZGUVU")}});
  RemoteOptions o = options_for(server);
  o.samples = 3;
  RemoteEngine engine(o);
  const Reading r = engine.read(seed);
  EXPECT_EQ(r.text, "ZGUVU");
  EXPECT_NEAR(r.confidence, 2.0 / 3.0, 1e-9);
  EXPECT_EQ(r.confidence_source, "samples");
  EXPECT_EQ(r.remote.samples, 3);
  ASSERT_EQ(server.received().size(), 3u);
  // Samples that could not differ would say nothing: they are drawn at a non-zero temperature.
  EXPECT_GT(nlohmann::json::parse(server.received()[0].body)["temperature"].get<double>(), 0.0);
}

TEST_F(RemoteEngineTest, LogprobsGiveTheConfidenceWhereTheProviderTakesThem) {
  auto body = nlohmann::json::parse(testing::seed_response_body());
  body["choices"][0]["logprobs"] = {{"content", {{{"token", "ZGUVU"}, {"logprob", -0.05}}}}};
  server.script({Reply{200, body.dump()}});
  RemoteOptions o = options_for(server);
  o.logprobs = true;
  RemoteEngine engine(o);
  const Reading r = engine.read(seed);
  EXPECT_EQ(r.confidence_source, "logprobs");
  EXPECT_NEAR(r.confidence, std::exp(-0.05), 1e-9);
  EXPECT_EQ(nlohmann::json::parse(server.received()[0].body)["logprobs"], true);
}

TEST_F(RemoteEngineTest, NoServerAtAllIsAClearError) {
  RemoteOptions o;
  {
    FakeProvider gone;
    o = options_for(gone);
  }
  o.retries = 0;
  auto gate = std::make_shared<RemoteGate>();
  RemoteEngine engine(o, gate);
  const Reading r = engine.read(seed);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.status.message().find("no answer from"), std::string::npos) << r.status.message();
  EXPECT_EQ(r.status.code(), StatusCode::kRemoteUnavailable);
  EXPECT_EQ(gate->tripped().code(), StatusCode::kRemoteUnavailable);  // later images fail fast
}

}  // namespace
}  // namespace crossocr

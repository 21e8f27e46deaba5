// The built crossocr binary, run as a process the way a user runs it.
#include "fake_provider.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <chrono>
#include <sstream>

namespace crossocr {
namespace {

using testing::kSeedStrip;
using testing::run_cli;
using testing::ScratchDir;

using testing::kSlowdown;

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

TEST(Cli, ReadsTheSeedStrip) {
  const auto r = run_cli({"--mode", "local", kSeedStrip});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ZGUVU\n");
  EXPECT_EQ(r.err, "");
}

// kill -9 between writes to the results file leaves whole lines. A page's record (over 1 KB
// with its glyphs) went out as the object (writev), then its line break (write): a kill between
// them left an unterminated line (review D19). strace kills at the first write(2) to the results
// file, as the review did (-P: a sanitizer's runtime makes writes of its own before any result).
TEST(Cli, AKillAfterAnyWriteLeavesOnlyWholeLines) {
  if (std::system("strace -o /dev/null true >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "strace cannot trace here (tools/setup.sh --checks installs it; ptrace may be refused)";
  }
  ScratchDir dir;
  const std::string out = dir.file("partial.jsonl");
  const std::string command = "strace -f -qq -P '" + out + "' -e trace=write -e inject=write:signal=SIGKILL:when=1 "
                              "-e signal=none -o /dev/null '" CROSSOCR_CLI_PATH "' --format jsonl -o '" + out +
                              "' '" + testing::data_path("tesseract-testing/phototest.png") + "' '" + kSeedStrip +
                              "' >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  EXPECT_NE(status, 0) << "the kill did not happen";
  std::ifstream in(out, std::ios::binary);
  const std::string written((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_GT(written.size(), 1024u) << "the page's record was not written before the kill";
  EXPECT_EQ(written.back(), '\n') << "an unterminated line: " << written.size() << " bytes";
  EXPECT_TRUE(nlohmann::json::accept(written.substr(0, written.find('\n'))));
}

// --unordered: a slow page first holds nothing back; every result is there, each naming its file.
TEST(Cli, UnorderedPrintsEachResultWhenItIsReadNotBehindASlowOne) {
  const std::string page = testing::data_path("tesseract-testing/8071_093.3B.png");
  const auto r = run_cli({"--unordered", "--format", "jsonl", "-j", "2", page, kSeedStrip, kSeedStrip, kSeedStrip});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  std::vector<std::string> files;
  for (std::string line; std::getline(lines, line);) files.push_back(nlohmann::json::parse(line).at("file"));
  ASSERT_EQ(files.size(), 4u);
  EXPECT_EQ(files.front(), kSeedStrip) << "the seed strips are read while the page is";
  EXPECT_EQ(std::count(files.begin(), files.end(), page), 1);
  EXPECT_EQ(run_cli({"--unordered", "--format", "hocr", kSeedStrip}).exit_code, 2);
}

TEST(Cli, BadInputsInABatchAreReportedAndTheGoodOnesStillRead) {
  ScratchDir dir;
  const std::vector<std::string> bad = testing::write_bad_inputs(dir);
  std::vector<std::string> args = {"--format", "jsonl", kSeedStrip};
  args.insert(args.end(), bad.begin(), bad.end());
  args.push_back(kSeedStrip);
  const auto r = run_cli(args);

  EXPECT_EQ(r.exit_code, 1);
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), bad.size() + 2);
  EXPECT_EQ(rows.front()["text"], "ZGUVU");
  EXPECT_EQ(rows.back()["text"], "ZGUVU");
  for (std::size_t i = 0; i < bad.size(); ++i) {
    const auto& row = rows[i + 1];
    EXPECT_EQ(row["file"], bad[i]);
    ASSERT_TRUE(row.contains("error")) << bad[i];
    // Standard error names the file and the cause on one line.
    EXPECT_NE(r.err.find("crossocr: " + bad[i] + ": " + row["error"].get<std::string>() + "\n"),
              std::string::npos)
        << r.err;
  }
}

TEST(Cli, EachBadInputAloneFailsWithStatusOne) {
  ScratchDir dir;
  for (const std::string& bad : testing::write_bad_inputs(dir)) {
    const auto r = run_cli({bad});
    EXPECT_EQ(r.exit_code, 1) << bad;
    EXPECT_EQ(r.out, "") << bad;
    EXPECT_NE(r.err.find(bad), std::string::npos) << r.err;
  }
}

TEST(Cli, JsonIsOneArrayInInputOrder) {
  const auto r = run_cli({"--format", "json", "--jobs", "2", kSeedStrip, "nope.png", kSeedStrip});
  EXPECT_EQ(r.exit_code, 1);
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_TRUE(j.is_array());
  ASSERT_EQ(j.size(), 3u);
  EXPECT_EQ(j[0]["text"], "ZGUVU");
  EXPECT_EQ(j[1]["file"], "nope.png");
  EXPECT_EQ(j[1]["error"], "no such file");
  EXPECT_EQ(j[2]["text"], "ZGUVU");
  EXPECT_GT(j[0]["confidence"].get<double>(), 0.5);
  EXPECT_EQ(j[0]["glyphs"].size(), 5u);
}

TEST(Cli, TextFormatForSeveralImagesIsFileTabText) {
  const auto r = run_cli({kSeedStrip, kSeedStrip});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, kSeedStrip + "\tZGUVU\n" + kSeedStrip + "\tZGUVU\n");
}

TEST(Cli, ReadsStandardInput) {
  const auto r = run_cli({"-"}, kSeedStrip);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ZGUVU\n");
}

TEST(Cli, OutputFileReceivesTheResults) {
  ScratchDir dir;
  const std::string out = dir.file("results.jsonl");
  const auto r = run_cli({"--format", "jsonl", "-o", out, kSeedStrip});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "");
  std::ifstream in(out);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_EQ(nlohmann::json::parse(line)["text"], "ZGUVU");
}

// Remote mode against a real server on loopback; the key comes from a file or a variable.
class CliRemote : public ::testing::Test {
 protected:
  testing::FakeProvider server;
  ScratchDir dir;
  std::string key_file = dir.write("key", std::string("gsk_cli_secret_456\n"));

  std::vector<std::string> remote_args(std::vector<std::string> more,
                                       const std::string& mode = "remote") {
    std::vector<std::string> args = {"--mode", mode, "--base-url", server.base_url(),
                                     "--api-key-file", key_file, "--cache-file",
                                     dir.file("cache.sqlite")};
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
};

TEST_F(CliRemote, ReadsTheSeedStripAsTheSeedDid) {
  const auto r = run_cli(remote_args({kSeedStrip}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "ZGUVU\n");
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].headers.at("authorization"), "Bearer gsk_cli_secret_456");
  const auto body = nlohmann::json::parse(server.received()[0].body);
  EXPECT_EQ(body["model"], "meta-llama/llama-4-scout-17b-16e-instruct");
}

TEST_F(CliRemote, JsonCarriesTheRemoteDetailsAndNeverTheKey) {
  const auto r = run_cli(remote_args({"--format", "jsonl", "--no-cache", kSeedStrip}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto row = nlohmann::json::parse(r.out);
  EXPECT_EQ(row["text"], "ZGUVU");
  EXPECT_EQ(row["engine"], "remote");
  EXPECT_EQ(row["remote"]["request_id"], "req_01k7ns5cb8ejgahcjnh95n7rh2");
  EXPECT_EQ(row["remote"]["completion_tokens"], 4);
  EXPECT_EQ(r.out.find("gsk_cli_secret_456"), std::string::npos);
  EXPECT_EQ(r.err.find("gsk_cli_secret_456"), std::string::npos);
}

TEST_F(CliRemote, TheCacheAnswersWithoutTheServer) {
  ASSERT_EQ(run_cli(remote_args({kSeedStrip})).exit_code, 0);
  server.script({testing::Reply{500, testing::groq_error_body("down", "internal_server_error")}});
  const auto r = run_cli(remote_args({"--format", "jsonl", kSeedStrip}));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["remote"]["from_cache"], true);
  EXPECT_EQ(server.received().size(), 1u);
}

TEST_F(CliRemote, ABatchKeepsGoingAndSaysAnEndpointFaultOnce) {
  server.script({testing::Reply{401, testing::groq_error_body("Invalid API Key",
                                                              "invalid_request_error",
                                                              "invalid_api_key")}});
  const auto r = run_cli(remote_args({"--no-cache", "--remote-concurrency", "1", kSeedStrip,
                                      kSeedStrip, kSeedStrip}));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(server.received().size(), 1u);  // the first answer ends the remote side
  std::size_t full = 0, pos = 0;
  while ((pos = r.err.find("Invalid API Key", pos)) != std::string::npos) ++full, ++pos;
  EXPECT_EQ(full, 1u) << r.err;
  EXPECT_NE(r.err.find("same error as above"), std::string::npos) << r.err;
}

TEST_F(CliRemote, VoteAgreesWhenBothReadTheSame) {
  const auto r = run_cli(remote_args({"--format", "jsonl", kSeedStrip}, "vote"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto row = nlohmann::json::parse(r.out);
  EXPECT_EQ(row["text"], "ZGUVU");
  EXPECT_EQ(row["status"], "agree");
  EXPECT_EQ(row["flagged"], false);
  EXPECT_EQ(row["local"]["text"], "ZGUVU");
  EXPECT_EQ(row["remote"]["text"], "ZGUVU");
  EXPECT_EQ(row["alignment"].size(), 5u);
}

TEST_F(CliRemote, VoteSettlesACaseFlippedAnswerByGlyphSize) {
  server.script({testing::Reply{200, testing::answer_body("zguvu")}});
  const auto r = run_cli(remote_args({"--format", "jsonl", kSeedStrip}, "vote"));
  const auto row = nlohmann::json::parse(r.out);
  EXPECT_EQ(row["status"], "case_conflict");
  EXPECT_EQ(row["text"], "ZGUVU");
}

// `eval --fit-remote-prior` stores how often the model read the set right; later runs against
// the same endpoint and model take it as the confidence of a reading without logprobs, unless
// --remote-prior says otherwise.
TEST_F(CliRemote, EvalFitsARemotePriorThatLaterRunsUse) {
  setenv("XDG_DATA_HOME", dir.file("data").c_str(), 1);
  const auto fit = run_cli(remote_args({"eval", testing::data_path("seed"), "--modes", "remote", "--no-store",
                                        "--no-logprobs", "--fit-remote-prior"}));
  ASSERT_EQ(fit.exit_code, 0) << fit.err;
  EXPECT_NE(fit.out.find("0.667 (1 of 1 read exactly)"), std::string::npos) << fit.out;
  const auto stored = nlohmann::json::parse(std::ifstream(dir.file("data/crossocr/remote_priors.json")));
  EXPECT_DOUBLE_EQ(stored[server.base_url() + " meta-llama/llama-4-scout-17b-16e-instruct"]["prior"].get<double>(), 0.667);

  auto r = run_cli(remote_args({"--format", "jsonl", "--no-cache", "--no-logprobs", kSeedStrip}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(r.out)["confidence"].get<double>(), 0.667);
  r = run_cli(remote_args({"--format", "jsonl", "--no-cache", "--no-logprobs", "--remote-prior", "0.3", kSeedStrip}));
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(r.out)["confidence"].get<double>(), 0.3);
  // Another model at the same endpoint has no prior of its own.
  r = run_cli(remote_args({"--format", "jsonl", "--no-cache", "--no-logprobs", "--model", "other", kSeedStrip}));
  EXPECT_DOUBLE_EQ(nlohmann::json::parse(r.out)["confidence"].get<double>(), 0.75);
  // A fit needs remote readings to fit on.
  r = run_cli(remote_args({"eval", testing::data_path("seed"), "--modes", "local", "--fit-remote-prior"}));
  EXPECT_EQ(r.exit_code, 2);
  unsetenv("XDG_DATA_HOME");
}

TEST_F(CliRemote, VoteFlagsADifferentAnswerAndStrictChangesTheExitStatus) {
  server.script({testing::Reply{200, testing::answer_body("ZGUW")}});
  auto r = run_cli(remote_args({"--format", "jsonl", kSeedStrip}, "vote"));
  EXPECT_EQ(r.exit_code, 0);
  const auto row = nlohmann::json::parse(r.out);
  EXPECT_EQ(row["status"], "conflict");
  EXPECT_EQ(row["flagged"], true);
  EXPECT_FALSE(row["reason"].get<std::string>().empty());
  r = run_cli(remote_args({"--strict", kSeedStrip}, "vote"));
  EXPECT_EQ(r.exit_code, 5);
}

// A vision model's favourite mistake on a code: a real word. The local reader read "BOK"; the
// remote's "BOOK" differs by a doubled letter, which the reconciler accepts as a misread doubling,
// but a dictionary word the local reader did not read never stands unflagged.
TEST_F(CliRemote, AWordTheLocalReaderDidNotReadIsFlagged) {
  cv::Mat strip(60, 200, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(strip, "BOK", {10, 45}, cv::FONT_HERSHEY_SIMPLEX, 1.5, cv::Scalar(0, 0, 0), 3);
  const std::string image = dir.file("bok.png");
  cv::imwrite(image, strip);
  server.script({testing::Reply{200, testing::answer_body("BOOK")}});
  const auto r = run_cli(remote_args({"--format", "jsonl", "--no-cache", image}, "vote"));
  const auto row = nlohmann::json::parse(r.out);
  ASSERT_EQ(row["local"]["text"], "BOK");
  EXPECT_EQ(row["flagged"], true);
  EXPECT_NE(row["reason"].get<std::string>().find("'BOOK' is a dictionary word"), std::string::npos) << row["reason"];
  EXPECT_EQ(run_cli(remote_args({"--strict", "--no-cache", image}, "vote")).exit_code, 5);
  // A code with digits around letters that spell a word ("xxv") is a code, not a word.
  server.script({testing::Reply{200, testing::answer_body("4BOKxxv4")}});
  const auto code = nlohmann::json::parse(run_cli(remote_args({"--format", "jsonl", "--no-cache", image}, "vote")).out);
  EXPECT_EQ(code["reason"].get<std::string>().find("dictionary word"), std::string::npos) << code["reason"];
}

TEST_F(CliRemote, VoteFallsBackToTheLocalReadingWhenTheRemoteFails) {
  server.script({testing::Reply{500, testing::groq_error_body("down", "internal_server_error"),
                                {{"retry-after-ms", "10"}}}});
  const auto r = run_cli(remote_args({"--no-cache", "--format", "jsonl",
                                      kSeedStrip, kSeedStrip}, "vote"));
  EXPECT_EQ(r.exit_code, 0) << r.err;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    const auto row = nlohmann::json::parse(line);
    EXPECT_EQ(row["status"], "local_only");
    EXPECT_EQ(row["text"], "ZGUVU");
    EXPECT_EQ(row["flagged"], true);
  }
}

TEST(CliVote, NoServerAtAllGivesLocalReadingsQuicklyAndSaysSoOnce) {
  std::string dead;
  {
    testing::FakeProvider gone;
    dead = gone.base_url();
  }
  std::vector<std::string> args = {"--mode", "vote", "--base-url", dead, "--no-cache",
                                   "--format", "jsonl"};
  for (int i = 0; i < 10; ++i) args.push_back(kSeedStrip);
  const auto start = std::chrono::steady_clock::now();
  const auto r = run_cli(args);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.exit_code, 0) << r.err;
  // No retry storm: the endpoint is given up once per batch (a storm costs seconds per image);
  // the bound leaves room for a loaded machine or a sanitizer build.
  EXPECT_LT(std::chrono::duration<double>(took).count(), 10.0 * kSlowdown);
  std::istringstream lines(r.out);
  int rows = 0;
  for (std::string line; std::getline(lines, line); ++rows) {
    EXPECT_EQ(nlohmann::json::parse(line)["status"], "local_only");
  }
  EXPECT_EQ(rows, 10);
  std::size_t said = 0, pos = 0;
  while ((pos = r.err.find("remote reading unavailable", pos)) != std::string::npos) ++said, ++pos;
  EXPECT_EQ(said, 1u) << r.err;
}

TEST(CliVote, RemoteModeCanFallBackToLocal) {
  const auto r = run_cli({"--mode", "remote", "--fallback", "local", "--api-key-env",
                          "CROSSOCR_TEST_NO_SUCH_KEY", "--no-cache", "--format", "jsonl",
                          kSeedStrip});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto row = nlohmann::json::parse(r.out);
  EXPECT_EQ(row["status"], "local_only");
  EXPECT_EQ(row["text"], "ZGUVU");
}

TEST(CliRemoteKey, AMissingKeyIsAConfigurationErrorThatSaysWhereToPutOne) {
  const auto r = run_cli({"--mode", "remote", "--api-key-env", "CROSSOCR_TEST_NO_SUCH_KEY",
                          "--no-cache", kSeedStrip});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("CROSSOCR_TEST_NO_SUCH_KEY"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--api-key-file"), std::string::npos) << r.err;
}

TEST(CliRemoteKey, TheKeyIsReadFromTheNamedVariable) {
  testing::FakeProvider server;
  setenv("CROSSOCR_TEST_KEY", "gsk_from_env_789", 1);
  const auto r = run_cli({"--mode", "remote", "--base-url", server.base_url(), "--api-key-env",
                          "CROSSOCR_TEST_KEY", "--no-cache", kSeedStrip});
  unsetenv("CROSSOCR_TEST_KEY");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  ASSERT_EQ(server.received().size(), 1u);
  EXPECT_EQ(server.received()[0].headers.at("authorization"), "Bearer gsk_from_env_789");
}

// A cache that is not a database is set aside once, with one line saying so, and a new one
// starts: later runs are answered from it rather than re-sending every image to a paid API.
TEST(CliRemoteCache, ACorruptCacheIsSetAsideAndRebuilt) {
  testing::FakeProvider server;
  ScratchDir dir;
  const std::string cache = dir.write("cache.sqlite", std::string("GARBAGEGARBAGE, not SQLite at all"));
  setenv("CROSSOCR_TEST_KEY", "gsk_cache_test", 1);
  const std::vector<std::string> args = {"--mode", "remote", "--base-url", server.base_url(), "--api-key-env",
                                         "CROSSOCR_TEST_KEY", "--cache-file", cache, "--format", "jsonl",
                                         kSeedStrip};
  const auto first = run_cli(args);
  const auto second = run_cli(args);
  unsetenv("CROSSOCR_TEST_KEY");
  EXPECT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("set aside as " + cache + ".unreadable"), std::string::npos) << first.err;
  EXPECT_TRUE(std::filesystem::exists(cache + ".unreadable"));
  EXPECT_EQ(second.exit_code, 0) << second.err;
  EXPECT_TRUE(second.err.empty()) << second.err;
  EXPECT_TRUE(nlohmann::json::parse(second.out)["remote"]["from_cache"].get<bool>()) << second.out;
  EXPECT_EQ(server.received().size(), 1u);
}

// A cache whose header is whole opens, and then failed every query in silence: a damaged page, a
// readings table of another shape. Each is set aside like a file that is no database; a cache
// that cannot be made at all is said once.
TEST(CliRemoteCache, ADamagedPageOrAForeignTableIsSetAsideAndAnUnmakeableCacheIsSaid) {
  testing::FakeProvider server;
  ScratchDir dir;
  setenv("CROSSOCR_TEST_KEY", "gsk_cache_test", 1);
  const auto remote_run = [&](const std::string& cache) {
    return run_cli({"--mode", "remote", "--base-url", server.base_url(), "--api-key-env", "CROSSOCR_TEST_KEY",
                    "--cache-file", cache, "--format", "jsonl", kSeedStrip});
  };
  const std::string damaged = dir.file("damaged.sqlite");
  ASSERT_EQ(remote_run(damaged).exit_code, 0);
  {
    std::vector<std::uint8_t> bytes = testing::read_bytes(damaged);
    ASSERT_GE(bytes.size(), 8192u) << "a header page and the table's";
    for (std::size_t i = 4096; i < 8192; ++i) bytes[i] = static_cast<std::uint8_t>(i * 7919 % 251);
    dir.write("damaged.sqlite", bytes);
  }
  const std::string foreign = dir.file("foreign.sqlite");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(foreign.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "CREATE TABLE readings(a INTEGER)", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  for (const std::string& cache : {damaged, foreign}) {
    SCOPED_TRACE(cache);
    const auto first = remote_run(cache);
    const auto second = remote_run(cache);
    EXPECT_EQ(first.exit_code, 0) << first.err;
    EXPECT_NE(first.err.find("set aside as " + cache + ".unreadable"), std::string::npos) << first.err;
    EXPECT_TRUE(second.err.empty()) << second.err;
    EXPECT_TRUE(nlohmann::json::parse(second.out)["remote"]["from_cache"].get<bool>()) << second.out;
  }
  const auto unmakeable = remote_run("/proc/crossocr-cache.sqlite");
  unsetenv("CROSSOCR_TEST_KEY");
  EXPECT_EQ(unmakeable.exit_code, 0) << unmakeable.err;
  EXPECT_NE(unmakeable.err.find("cannot open cache /proc/crossocr-cache.sqlite"), std::string::npos) << unmakeable.err;
  EXPECT_NE(unmakeable.err.find("readings are not cached"), std::string::npos) << unmakeable.err;
}

// Local mode flags too: a blank image is read as nothing, with no confidence, flagged with the
// reason in words; --strict then exits 5. A clean strip the readers agree on is not flagged.
TEST(Cli, LocalModeFlagsWhatItIsUnsureOfAndStrictExitsFive) {
  ScratchDir dir;
  const std::string blank = dir.file("blank.png");
  testing::write_solid_png(blank, 200, 50);
  auto r = run_cli({"--format", "jsonl", kSeedStrip, blank});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0]["text"], "ZGUVU");
  EXPECT_FALSE(rows[0]["flagged"].get<bool>()) << rows[0].dump();
  EXPECT_EQ(rows[0]["confidence_source"], "calibrated");
  EXPECT_EQ(rows[1]["text"], "");
  EXPECT_TRUE(rows[1]["flagged"].get<bool>());
  EXPECT_NE(rows[1]["reason"].get<std::string>().find("no ink"), std::string::npos) << rows[1].dump();
  EXPECT_EQ(run_cli({"--strict", blank}).exit_code, 5);
  EXPECT_EQ(run_cli({"--strict", kSeedStrip}).exit_code, 0);
  // Nothing is unflagged at --flag-below 1.
  EXPECT_EQ(run_cli({"--strict", "--flag-below", "1", kSeedStrip}).exit_code, 5);
  EXPECT_EQ(run_cli({"--flag-below", "1.5", kSeedStrip}).exit_code, 2);
}

// A blank image is said to hold no ink, in every layout, at once: no reader is asked to imagine
// text (a blank 4000x4 strip read as a strip cost Tesseract 20 s of CPU).
TEST(Cli, ABlankImageHoldsNoInkInEveryLayoutAndIsQuick) {
  ScratchDir dir;
  const std::string wide = dir.file("wide.png"), page = dir.file("page.png");
  testing::write_solid_png(wide, 4000, 4);
  testing::write_solid_png(page, 1500, 1500);
  for (const std::string layout : {"auto", "strip", "page"}) {
    SCOPED_TRACE(layout);
    const auto start = std::chrono::steady_clock::now();
    const auto r = run_cli({"--format", "jsonl", "-j", "1", "--layout", layout, wide, page});
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 8.0 * kSlowdown);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    for (const nlohmann::json& row : json_lines(r.out)) {
      EXPECT_EQ(row["text"], "") << row.dump();
      EXPECT_TRUE(row["flagged"].get<bool>()) << row.dump();
      EXPECT_EQ(row.value("reason", ""), "the image holds no ink (one flat colour)") << row.dump();
    }
  }
}

// An image with ink read as nothing says so: an empty reading is never silent.
TEST(Cli, AnEmptyReadingOfAnImageWithInkSaysWhy) {
  ScratchDir dir;
  cv::Mat dots(1000, 1000, CV_8UC3, cv::Scalar::all(255));
  cv::RNG rng(17);
  for (int i = 0; i < 1000; ++i) cv::circle(dots, {rng.uniform(0, 1000), rng.uniform(0, 1000)}, 0, cv::Scalar::all(0));
  const std::string path = dir.file("dots.png");
  ASSERT_TRUE(cv::imwrite(path, dots));
  for (const std::string layout : {"auto", "strip", "page"}) {
    SCOPED_TRACE(layout);
    const auto r = run_cli({"--format", "jsonl", "--layout", layout, path});
    for (const nlohmann::json& row : json_lines(r.out)) {
      const std::string text = row["text"];
      if (text.find_first_not_of(" \n\t") != std::string::npos) continue;  // something was read
      EXPECT_TRUE(row["flagged"].get<bool>()) << row.dump();
      EXPECT_EQ(row.value("note", ""), "nothing was read, though the image holds ink") << row.dump();
    }
  }
}

// A charset that allows none of the strip's letters leaves nothing to read: the empty reading
// is flagged at confidence 0, not at the probability its candidates were given (0.888 once).
TEST(Cli, AnEmptyReadingUnderAnImpossibleCharsetHasNoConfidence) {
  const auto r = run_cli({"--format", "jsonl", "--charset", "#", kSeedStrip});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_EQ(rows[0]["text"], "") << rows[0];
  EXPECT_TRUE(rows[0]["flagged"].get<bool>()) << rows[0];
  EXPECT_EQ(rows[0]["confidence"].get<double>(), 0.0) << rows[0];
}

// An unwritable --debug-dir or --report is a configuration error: one line, status 3, no abort.
TEST(Cli, UnwritableDebugDirAndReportAreConfigurationErrors) {
  ScratchDir dir;
  const std::string file = dir.write("not-a-dir", std::string("x"));
  auto r = run_cli({"--debug-dir", file + "/sub", kSeedStrip});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot create --debug-dir"), std::string::npos) << r.err;
  r = run_cli({"eval", testing::data_path("seed"), "--no-store", "--report", file + "/report"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot create --report"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("seed local"), std::string::npos) << "refused only after reading:\n" << r.err;
}

// Results that cannot be written are not results: a full disk is an error, never exit 0.
TEST(Cli, AnOutputThatCannotBeWrittenExitsThree) {
  const auto r = run_cli({"-o", "/dev/full", kSeedStrip});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot write /dev/full"), std::string::npos) << r.err;
}

// The same for standard output, in every output format and for eval's table and files.
TEST(Cli, AStandardOutputThatCannotBeWrittenExitsThree) {
  for (const std::string format : {"text", "json", "jsonl"}) {
    SCOPED_TRACE(format);
    const auto r = run_cli({"--format", format, kSeedStrip, kSeedStrip}, "", "/dev/full");
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("cannot write standard output: No space left on device"), std::string::npos) << r.err;
  }
  const auto eval = run_cli({"eval", testing::data_path("seed"), "--no-store"}, "", "/dev/full");
  EXPECT_EQ(eval.exit_code, 3) << eval.err;
  EXPECT_NE(eval.err.find("cannot write standard output: No space left on device"), std::string::npos) << eval.err;
}

TEST(Cli, AnEvalReportThatCannotBeWrittenExitsThreeAndSaysWhy) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "report");
  std::filesystem::create_symlink("/dev/full", dir.path() / "report" / "report.md");
  const auto r = run_cli({"eval", testing::data_path("seed"), "--no-store", "--report", dir.file("report")});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("cannot write " + dir.file("report") + "/report.md: No space left on device"),
            std::string::npos) << r.err;
}

// A labels.tsv may name any file: a missing one and one that is no image are said on standard
// error, and the HTML report embeds images only (not a key file a label points at); a label with
// an unknown escape is an error naming its line.
TEST(Cli, EvalSaysWhatItCouldNotReadAndItsReportEmbedsOnlyImages) {
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "set");
  std::filesystem::copy_file(kSeedStrip, dir.path() / "set" / "zguvu.png");
  const std::string key = dir.write("key.txt", std::string("gsk_do_not_embed_me\n"));
  // The strip labelled wrongly, so that the report shows (and embeds) it.
  dir.write("set/labels.tsv", "zguvu.png\tZGUVX\nmissing.png\tABC\n" + key + "\tX\n");
  const auto r = run_cli({"eval", dir.file("set"), "--no-store", "--report", dir.file("report")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("crossocr: set (local): missing.png: no such file"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("crossocr: set (local): " + key + ": not an image"), std::string::npos) << r.err;
  const std::vector<std::uint8_t> bytes = testing::read_bytes(dir.file("report/report.html"));
  const std::string html(bytes.begin(), bytes.end());
  EXPECT_EQ(html.find("Z3NrX2RvX25vdF9lbWJlZF9tZQ"), std::string::npos);  // the key's base64
  EXPECT_EQ(html.find("data:image/png;base64,c2"), std::string::npos);
  EXPECT_NE(html.find("data:image/png;base64,iVBORw0KGgo"), std::string::npos) << "the seed strip is shown";

  dir.write("set/labels.tsv", "zguvu.png\tZGUVU\nzguvu.png\tA\\qB\n");
  const auto typo = run_cli({"eval", dir.file("set"), "--no-store"});
  EXPECT_EQ(typo.exit_code, 3) << typo.err;
  EXPECT_NE(typo.err.find("labels.tsv line 2: unknown escape \\q"), std::string::npos) << typo.err;
}

// Opening an input for writing would empty it before it is read.
TEST(Cli, AnOutputThatNamesAnInputIsRefusedAndTheInputKept) {
  ScratchDir dir;
  const std::string copy = dir.write("seed.png", testing::read_bytes(kSeedStrip));
  const auto r = run_cli({"-o", copy, kSeedStrip, copy});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("is one of the images to read"), std::string::npos) << r.err;
  EXPECT_EQ(testing::read_bytes(copy), testing::read_bytes(kSeedStrip));
}

// Standard input is read no further than the file size limit allows.
TEST(Cli, StandardInputOverTheSizeLimitIsRefused) {
  const auto r = run_cli({"--max-file-bytes", "1000", "-"}, kSeedStrip);  // the seed is 1863 bytes
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("crossocr: -: file is over the limit of 1000 bytes (--max-file-bytes)"), std::string::npos)
      << r.err;
}

// Option misuse: exit 2 and one line that says what is wrong and what would be right, never a
// silent change of meaning (a number for a name, NaN for a timeout) or a signal.
TEST(Cli, OptionMistakesGiveOneLineThatNamesTheFix) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> mistakes = {
      {{"--mode", "2"}, "'2' is not one of local, remote, vote"},
      {{"--mode", "vot"}, "did you mean vote?"},
      {{"--format", "jsn"}, "did you mean json?"},
      {{"--format", "jsnol"}, "did you mean jsonl?"},  // swapped letters are one typo
      {{"--mode", "lcoal"}, "did you mean local?"},
      {{"--layout", "pg"}, "is not one of auto, page, strip"},
      {{"--provider", "grok"}, "did you mean groq?"},
      {{"--timeout", "nan"}, "'nan' is not a number in [0.1, 3600]"},
      {{"--flag-below", "inf"}, "is not a number in [0, 1]"},
      {{"--temperature", "-0.5"}, "is not a number in [0, 2]"},
      {{"--max-pixels", "-1"}, "is not a whole number of at least 1"},
      {{"--max-file-bytes", "0"}, "is not a whole number of at least 1"},
      {{"--max-pixels", "18446744073709551616"}, "is over the largest number taken"},
  };
  for (const auto& [flags, hint] : mistakes) {
    std::vector<std::string> args = flags;
    args.push_back(kSeedStrip);
    const auto r = run_cli(args);
    SCOPED_TRACE(flags[0] + " " + flags[1]);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(hint), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
}

// A problem is one line on standard error, whatever the file's name holds: a line break and an
// escape sequence are shown, not obeyed.
TEST(Cli, AProblemWithAFileNamedWithALineBreakIsStillOneLine) {
  ScratchDir dir;
  const std::string odd = dir.write("bad\nname\x1b[31m.png", std::string("not a picture"));
  const auto r = run_cli({odd, kSeedStrip});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_NE(r.err.find("bad\\nname\\x1b[31m.png: not an image"), std::string::npos) << r.err;
}

// A key typed into a mistyped flag (`--key=...`) is not echoed in the error that names the flag.
TEST(Cli, AMistypedFlagsValueIsNotEchoed) {
  const auto r = run_cli({"--key=gsk_secret_typed_by_mistake", "--api-key-fil=/tmp/k", kSeedStrip});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_EQ(r.err.find("gsk_secret_typed_by_mistake"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--key=[value not shown]"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// Text sent to the provider inside JSON must be UTF-8: a bad byte is a usage error naming the
// option, from a flag, the environment or the config file alike, not a failed reading per image
// or an abort.
TEST(Cli, TextOptionsMustBeUtf8) {
  const std::vector<std::pair<std::string, std::string>> mistakes = {
      {"--prompt", "read \xff"}, {"--model", "x\xff"}, {"--charset", "\xff"}, {"--base-url", "http://\xc3"}};
  for (const auto& [flag, value] : mistakes) {
    SCOPED_TRACE(flag);
    const auto r = run_cli({"--mode", "vote", flag, value, kSeedStrip});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find(flag + ": not UTF-8 text"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  setenv("CROSSOCR_PROMPT", "\xc3", 1);
  const auto env = run_cli({"--mode", "vote", kSeedStrip});
  unsetenv("CROSSOCR_PROMPT");
  EXPECT_EQ(env.exit_code, 2) << env.err;
  EXPECT_NE(env.err.find("--prompt: not UTF-8 text"), std::string::npos) << env.err;
  ScratchDir dir;
  const auto config = run_cli({"--config", dir.write("c.toml", std::string("charset = \"\xff\"\n")), kSeedStrip});
  EXPECT_EQ(config.exit_code, 2) << config.err;
  EXPECT_NE(config.err.find("--charset: not UTF-8 text"), std::string::npos) << config.err;
}

// eval's --modes names at least one mode, each by name: an empty list would store an empty run.
TEST(Cli, EvalModesMustNameModes) {
  for (const std::string modes : {"", "local,", ",remote"}) {
    SCOPED_TRACE("--modes '" + modes + "'");
    const auto r = run_cli({"eval", testing::data_path("seed"), "--no-store", "--modes", modes});
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_NE(r.err.find("--modes"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("local, remote, vote"), std::string::npos) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  const auto ids = run_cli({"eval", "--compare", "0", "-2"});
  EXPECT_EQ(ids.exit_code, 2) << ids.err;
  EXPECT_NE(ids.err.find("--compare"), std::string::npos) << ids.err;
}

// The same check holds for a value from the config file.
TEST(Cli, ANonFiniteNumberInTheConfigFileIsRefused) {
  ScratchDir dir;
  const std::string config = dir.write("config.toml", std::string("timeout = nan\n"));
  const auto r = run_cli({"--config", config, kSeedStrip});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'nan' is not a number"), std::string::npos) << r.err;
}

// A typo in the config file would leave the default in force unnoticed: it is an error naming
// the line and the nearest option. Keys may be spelt with `_` as well as `-`.
TEST(Cli, ConfigFileKeysAreCheckedAndUnderscoresAccepted) {
  ScratchDir dir;
  const auto typo = run_cli({"--config", dir.write("typo.toml", std::string("lang = \"eng\"\ntimout = 5\n")), kSeedStrip});
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("config file line 2: 'timout' is not an option (did you mean timeout?)"),
            std::string::npos) << typo.err;
  const auto underscores = run_cli({"--config", dir.write("ok.toml", std::string("flag_below = 0.5\nconnect_timeout = 5\n")),
                                    "--format", "jsonl", kSeedStrip});
  EXPECT_EQ(underscores.exit_code, 0) << underscores.err;
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_cli({}).exit_code, 2);
  EXPECT_EQ(run_cli({"--mode", "psychic", kSeedStrip}).exit_code, 2);
  EXPECT_EQ(run_cli({"--jobs", "0", kSeedStrip}).exit_code, 2);
  EXPECT_EQ(run_cli({"-", "-"}).exit_code, 2);
}

// One line of ours, not Tesseract's four ("Error opening data file ...") before it (review D18).
TEST(Cli, MissingLanguageDataExitsThreeWithOneLine) {
  ScratchDir empty;
  const auto r = run_cli({"--tessdata", empty.path().string(), kSeedStrip});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("tesseract-ocr-eng"), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  const auto unknown = run_cli({"--lang", "xyz", kSeedStrip});
  EXPECT_EQ(unknown.exit_code, 3);
  EXPECT_EQ(unknown.err.rfind("crossocr: Tesseract could not load language 'xyz'", 0), 0u) << unknown.err;
  EXPECT_EQ(std::count(unknown.err.begin(), unknown.err.end(), '\n'), 1) << unknown.err;
}

// Vote mode makes its local engine while the first remote request is under way, but a missing
// file is still the whole run's error, said at once, as in local mode.
TEST_F(CliRemote, VoteWithMissingLanguageDataOrModelsExitsThreeBeforeAnyRequest) {
  ScratchDir empty;
  server.script({testing::Reply{200, testing::seed_response_body()}});
  const auto no_language = run_cli(remote_args({"--tessdata", empty.path().string(), kSeedStrip}, "vote"));
  EXPECT_EQ(no_language.exit_code, 3);
  EXPECT_NE(no_language.err.find("tesseract-ocr-eng"), std::string::npos) << no_language.err;
  EXPECT_EQ(no_language.out, "");
  const auto no_model = run_cli(remote_args({"--line-reader", dir.file("missing.onnx"), kSeedStrip}, "vote"));
  EXPECT_EQ(no_model.exit_code, 3);
  EXPECT_NE(no_model.err.find("missing.onnx"), std::string::npos) << no_model.err;
  EXPECT_EQ(server.received().size(), 0u);
  const auto fine = run_cli(remote_args({kSeedStrip}, "vote"));
  EXPECT_EQ(fine.exit_code, 0) << fine.err;
  EXPECT_EQ(fine.out, "ZGUVU\n");
}

TEST(Cli, HelpAndVersion) {
  const auto help = run_cli({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--mode"), std::string::npos);
  EXPECT_NE(help.out.find("Exit status"), std::string::npos);
  const auto version = run_cli({"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("crossocr ", 0), 0u);
}

}  // namespace
}  // namespace crossocr

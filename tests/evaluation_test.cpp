// crossocr eval: metrics that agree with the per-image rows, reports a browser can show, runs that
// compare.
#include "crossocr/errors.hpp"
#include "crossocr/evaluation.hpp"

#include "fake_provider.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <regex>

#include <sqlite3.h>

namespace crossocr {
namespace {

using testing::run_cli;
using testing::ScratchDir;

// A set of three images: two seed strips (one labelled wrongly on purpose) and one xor strip.
std::string make_set(const ScratchDir& dir, bool case_sensitive = true) {
  const std::filesystem::path set = dir.path() / "tiny";
  std::filesystem::create_directories(set);
  std::filesystem::copy_file(testing::kSeedStrip, set / "a.png");
  std::filesystem::copy_file(testing::kSeedStrip, set / "b.png");
  std::filesystem::copy_file(testing::data_path("xor-strips/u0006.png"), set / "c.png");
  std::ofstream(set / "labels.tsv") << "a.png\tZGUVU\nb.png\tzguvu\nc.png\tline\\none\n";
  std::ofstream(set / "dataset.json")
      << R"({"name": "tiny", "case_sensitive": )" << (case_sensitive ? "true" : "false") << "}\n";
  return set.string();
}

TEST(Evaluation, LabelsAreUnescaped) {
  EXPECT_EQ(unescape_label("a\\nb\\tc\\\\d"), "a\nb\tc\\d");
  EXPECT_THROW(unescape_label("A\\qB"), ConfigError);  // a typo, not "AqB"
  EXPECT_THROW(unescape_label("ZGUVU\\"), ConfigError);
  ScratchDir dir;
  const LabelledSet set = load_labelled_set(make_set(dir));
  EXPECT_EQ(set.name, "tiny");
  ASSERT_EQ(set.items.size(), 3u);
  EXPECT_EQ(set.items[2].second, "line\none");
}

// A dataset.json that is not JSON, or whose fields have the wrong type, would silently change the
// set's case rule: it is an error naming the file and the cause (through the CLI: one line,
// exit 3, never an abort).
TEST(Evaluation, ABadDatasetJsonIsAnErrorNamingTheFile) {
  const std::vector<std::pair<std::string, std::string>> bad = {
      {R"({"case_sensitive": "no"})", "case_sensitive must be true or false"},
      {R"({"name": 5})", "name must be a string"},
      {R"({"case_sensitive": )", "not JSON"},
      {R"([true])", "not a JSON object"},
      // nlohmann reports a number too large for a double as out_of_range, not parse_error.
      {R"({"name": "x", "scale": 1e999})", "not JSON"},
  };
  for (const auto& [text, cause] : bad) {
    SCOPED_TRACE(text);
    ScratchDir dir;
    const std::string set = make_set(dir);
    std::ofstream(std::filesystem::path(set) / "dataset.json") << text;
    try {
      load_labelled_set(set);
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(set + "/dataset.json: " + cause), std::string::npos) << e.what();
    }
    const auto r = run_cli({"eval", set, "--no-store"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("dataset.json: " + cause), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("internal error"), std::string::npos) << r.err;
  }
}

// Editors on Windows start UTF-8 files with a byte-order mark; it is not part of the first file name.
TEST(Evaluation, AByteOrderMarkOnLabelsIsSkipped) {
  ScratchDir dir;
  const std::string set = make_set(dir);
  std::ofstream(std::filesystem::path(set) / "labels.tsv") << "\xef\xbb\xbf" "a.png\tZGUVU\n";
  const LabelledSet loaded = load_labelled_set(set);
  ASSERT_EQ(loaded.items.size(), 1u);
  EXPECT_EQ(loaded.items[0].first, "a.png");
}

TEST(Evaluation, MetricsAgreeWithTheRowsAndTheSetsCaseRule) {
  ScratchDir dir;
  ReaderOptions options;
  for (bool case_sensitive : {true, false}) {
    ScratchDir sub;
    const EvalReport report = evaluate({load_labelled_set(make_set(sub, case_sensitive))},
                                       {Mode::kLocal}, options);
    ASSERT_EQ(report.summary.size(), 1u);
    ASSERT_EQ(report.rows.size(), 3u);
    const SetMetrics& m = report.summary[0].metrics;
    EXPECT_EQ(report.rows[0].got, "ZGUVU");
    EXPECT_TRUE(report.rows[0].exact);
    EXPECT_EQ(report.rows[1].exact, !case_sensitive);  // "zguvu" only right ignoring case
    EXPECT_FALSE(report.rows[2].exact);
    const int exact_rows = report.rows[0].exact + report.rows[1].exact + report.rows[2].exact;
    EXPECT_EQ(m.wrong, 3 - exact_rows);
    EXPECT_EQ(m.exact, exact_rows);  // the reports' "exact": under the set's rule
    EXPECT_EQ(m.exact_cs, 1);        // byte for byte whatever the rule
    EXPECT_EQ(m.exact_ci, 2);        // ZGUVU and zguvu
    EXPECT_GT(report.summary[0].images_per_second, 0.0);
  }
}

// Both summaries are rendered from one table of columns: the same headers and figures, except
// that Markdown gives unflagged accuracy and coverage one cell ("98.8% @ 84.0%").
TEST(EvalReports, MarkdownAndHtmlSummariesShowTheSameFigures) {
  std::vector<ScoredItem> items(3);
  items[0].expected = "Abc";  // right ignoring case
  items[0].got = "abc";
  items[1].expected = "Abc";  // wrong, and flagged
  items[1].got = "abd";
  items[1].flagged = true;
  items[2].expected = items[2].got = "xy";
  EvalReport report;
  report.summary.push_back({"tiny", "local", compute_metrics(items, false), 2.0, 1.5});
  const auto cells = [](const std::string& text, const std::string& pattern) {
    std::vector<std::string> found;
    const std::regex cell(pattern);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), cell); it != std::sregex_iterator();
         ++it) {
      found.push_back((*it)[1].str());
    }
    return found;
  };
  const std::string md = report_markdown(report);
  const auto line = [&md](const std::string& start) {
    const auto at = md.find(start);
    return md.substr(at, md.find('\n', at) - at);
  };
  const std::string md_cell = R"re(\| ([^|]+?)(?= \|))re";
  const std::vector<std::string> md_headers = cells(line("| set"), md_cell);
  const std::vector<std::string> md_cells = cells(line("| tiny"), md_cell);
  const std::string html = report_html(report);
  const std::string summary = html.substr(0, html.find("</table>"));
  std::vector<std::string> html_headers = cells(summary, "<th[^>]*>([^<]*)</th>");
  std::vector<std::string> html_cells = cells(summary, "<td[^>]*>([^<]*)</td>");
  ASSERT_EQ(html_headers.size(), 17u);
  ASSERT_EQ(html_cells.size(), 17u);
  for (auto* joined : {&html_headers, &html_cells}) {
    (*joined)[14] = (*joined)[14] + " @ " + (*joined)[15];  // unflagged accuracy @ coverage
    joined->erase(joined->begin() + 15);
  }
  html_cells[0] += " (case-insensitive)";  // Markdown marks the set's case rule
  EXPECT_EQ(md_headers, html_headers);
  EXPECT_EQ(md_cells, html_cells);
  EXPECT_EQ(md_cells[3], "0");      // failed
  EXPECT_EQ(md_cells[4], "66.7%");  // exact under the set's rule: Abc read as abc is right
  EXPECT_EQ(md_cells[14], "100.0% @ 66.7%");
}

class EvalCli : public ::testing::Test {
 protected:
  ScratchDir dir;
  std::string set = make_set(dir);
  std::string db = dir.file("runs.sqlite");
  std::string report = dir.file("report");
};

// Without a key the remote mode reads nothing: its row says "failed", not 0% exact, and the
// report says why under the table.
TEST_F(EvalCli, RemoteWithoutAKeyIsMarkedFailedNotWrong) {
  const auto r = run_cli({"eval", set, "--modes", "local,remote", "--no-store", "--no-cache", "--api-key-env",
                          "CROSSOCR_TEST_NO_SUCH_KEY", "--report", report});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| tiny | remote | 3 | 3 | failed | – | – | – |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tiny / remote: every reading failed"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("first error: no API key"), std::string::npos) << r.out;
  const auto j = nlohmann::json::parse(std::ifstream(report + "/report.json"));
  EXPECT_EQ(j["summary"][1]["failures"], 3);
  EXPECT_EQ(j["summary"][1]["coverage_curve"].size(), 6u);
}

TEST_F(EvalCli, ReportsAgreeWithAnIndependentScoreOfTheirRows) {
  const auto r = run_cli({"eval", set, "--report", report, "--runs-db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(report + "/report.json");
  const auto j = nlohmann::json::parse(in);
  ASSERT_EQ(j["rows"].size(), 3u);
  int exact = 0;
  for (const auto& row : j["rows"]) exact += row["got"] == row["expected"];
  EXPECT_DOUBLE_EQ(j["summary"][0]["exact_cs_rate"].get<double>(), exact / 3.0);
  EXPECT_DOUBLE_EQ(j["summary"][0]["exact_rate"].get<double>(), exact / 3.0);  // case-sensitive set
  EXPECT_NE(r.out.find("| tiny | local | 3 | 0 | 33.3% |"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("stored as run 1"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(report + "/report.md"));
  // The HTML shows every wrong image, inline.
  std::ifstream html(report + "/report.html");
  const std::string page((std::istreambuf_iterator<char>(html)), {});
  EXPECT_NE(page.find("b.png"), std::string::npos);
  EXPECT_NE(page.find("c.png"), std::string::npos);
  EXPECT_NE(page.find("data:image/png;base64,"), std::string::npos);
}

TEST_F(EvalCli, TheHtmlReportShowsTheJsonFiguresInARealBrowser) {
  ASSERT_EQ(run_cli({"eval", set, "--report", report, "--no-store"}).exit_code, 0);
  ASSERT_TRUE(std::filesystem::exists("/usr/bin/chromium")) << "tools/setup.sh installs chromium";
  const std::string dom = dir.file("dom.html");
  const std::string command =
      "/usr/bin/chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
      "--disable-background-networking --disable-component-update --disable-sync "
      "--user-data-dir=" + dir.file("profile") + " --dump-dom file://" + report +
      "/report.html > " + dom + " 2>/dev/null";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::ifstream in(dom);
  const std::string rendered((std::istreambuf_iterator<char>(in)), {});
  std::ifstream js(report + "/report.json");
  const auto j = nlohmann::json::parse(js);
  char exact[16];
  std::snprintf(exact, sizeof exact, "%.1f%%", j["summary"][0]["exact_rate"].get<double>() * 100);
  const std::regex row(R"re(<tr data-set="tiny" data-mode="local">.*?<td class="exact">([^<]*)</td>)re");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(rendered, m, row)) << rendered.substr(0, 2000);
  EXPECT_EQ(m[1].str(), exact);
}

TEST(EvalCliCaseRule, ACaseInsensitiveSetsExactColumnIgnoresCase) {
  ScratchDir dir;
  const std::string set = make_set(dir, false);  // b.png's "zguvu" is right for ZGUVU
  const auto r = run_cli({"eval", set, "--no-store"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("| tiny (case-insensitive) | local | 3 | 0 | 66.7% | 66.7% |"), std::string::npos)
      << r.out;
}

TEST_F(EvalCli, TwoRunsWithDifferentOptionsCompare) {
  ASSERT_EQ(run_cli({"eval", set, "--runs-db", db}).exit_code, 0);
  ASSERT_EQ(run_cli({"eval", set, "--runs-db", db, "--charset", "0123456789"}).exit_code, 0);
  const auto r = run_cli({"eval", "--compare", "1", "2", "--runs-db", db});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("options:"), std::string::npos);  // the charset differs
  EXPECT_NE(r.out.find("tiny / local: exact 33.3% -> 0.0% (-33.3 points)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("newly wrong: 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("tiny/local/a.png: \"ZGUVU\""), std::string::npos) << r.out;
  EXPECT_EQ(run_cli({"eval", "--compare", "1", "9", "--runs-db", db}).exit_code, 3);
}

// A stored run damaged or written by an older crossocr (no start time, a report that is not
// JSON, no summary rows, options that are not JSON) still compares: its text columns are copied
// before the statement moves on, never read from SQLite's freed buffers.
TEST_F(EvalCli, ARunWithoutStartOrReportStillCompares) {
  const std::string db = dir.file("runs.sqlite");
  ASSERT_EQ(run_cli({"eval", set, "--runs-db", db}).exit_code, 0);
  ASSERT_EQ(run_cli({"eval", set, "--runs-db", db}).exit_code, 0);
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open(db.c_str(), &handle), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(handle,
                         "UPDATE runs SET report = '{}', started = NULL, options = 'zz' WHERE id = 1;"
                         "DELETE FROM summary WHERE run = 1; UPDATE runs SET report = 'not json' WHERE id = 2",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(handle);
  const auto r = run_cli({"eval", "--compare", "1", "2", "--runs-db", db});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("run 1 () -> run 2 ("), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("newly wrong: 0"), std::string::npos) << r.out;
}

TEST_F(EvalCli, EveryModeThroughTheSameRunnerWithVoteStatuses) {
  testing::FakeProvider server;  // answers the seed's "ZGUVU" to everything
  const std::string key = dir.write("key", std::string("k\n"));
  const auto r = run_cli({"eval", set, "--modes", "local,remote,vote", "--base-url",
                          server.base_url(), "--api-key-file", key, "--cache-file",
                          dir.file("cache.sqlite"), "--report", report, "--no-store"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::ifstream in(report + "/report.json");
  const auto j = nlohmann::json::parse(in);
  ASSERT_EQ(j["summary"].size(), 3u);
  EXPECT_EQ(j["summary"][1]["mode"], "remote");
  EXPECT_EQ(j["summary"][1]["exact_cs"], 1);  // "ZGUVU" for a.png; b.png is labelled "zguvu"
  EXPECT_EQ(j["summary"][1]["exact_ci"], 2);
  EXPECT_EQ(j["summary"][1]["total_tokens"], 3 * 180);
  EXPECT_EQ(j["summary"][2]["mode"], "vote");
  EXPECT_EQ(j["summary"][2]["status_counts"]["agree"], 2);  // local and remote both read ZGUVU
  EXPECT_EQ(j["summary"][2]["flagged"], 1);                  // c.png: the two readings differ
  EXPECT_NE(r.out.find("tiny / vote statuses: agree 2"), std::string::npos) << r.out;
  EXPECT_EQ(server.received().size(), 3u);  // vote's remote readings came from the cache
}

}  // namespace
}  // namespace crossocr

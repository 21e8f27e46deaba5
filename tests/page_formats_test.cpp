// hOCR, ALTO and TSV: the built CLI's documents for real images, checked against ALTO's published
// schema (tests/schemas) with xmllint, as well-formed XHTML, and against the text they carry; and
// the layout's boxes when the chosen text is not what the local reader read.
#include "crossocr/page_formats.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace crossocr {
namespace {

using testing::data_path;
using testing::kSeedStrip;
using testing::run_cli;
using testing::ScratchDir;

const std::string kPage = data_path("tesseract-testing/phototest.png");
const std::string kLabel = data_path("multiline-labels/0000.png");

bool xmllint_available() { return std::system("xmllint --version >/dev/null 2>&1") == 0; }

// xmllint's verdict on `document`: "" when it is well-formed (and valid against `schema` if given).
std::string xmllint_problems(const std::string& document, const std::string& schema = "") {
  ScratchDir dir;
  const std::string file = dir.write("document.xml", document);
  std::string command = "xmllint --noout --nonet ";
  if (!schema.empty()) command += "--schema '" + schema + "' ";
  command += "'" + file + "' 2>" + dir.file("err");
  const int status = std::system(command.c_str());
  std::ifstream err(dir.file("err"));
  std::stringstream text;
  text << err.rdbuf();
  return status == 0 ? "" : text.str();
}

// The "text" of a JSON result, its words joined by single spaces (lines included).
std::string nlohmann_text(const std::string& json) {
  std::istringstream words(nlohmann::json::parse(json).at("text").get<std::string>());
  std::string joined;
  for (std::string word; words >> word;) joined += (joined.empty() ? "" : " ") + word;
  return joined;
}

std::vector<std::string> tsv_rows(const std::string& tsv) {
  std::vector<std::string> rows;
  std::istringstream in(tsv);
  for (std::string row; std::getline(in, row);) rows.push_back(row);
  return rows;
}

std::vector<std::string> columns(const std::string& row) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t tab; (tab = row.find('\t', start)) != std::string::npos; start = tab + 1) {
    out.push_back(row.substr(start, tab - start));
  }
  out.push_back(row.substr(start));
  return out;
}

TEST(PageFormats, AltoOfAPageAndOfALabelIsValidAlto4) {
  if (!xmllint_available()) GTEST_SKIP() << "xmllint missing (tools/setup.sh --checks installs libxml2-utils)";
  const std::string schema = std::string(CROSSOCR_SOURCE_DIR) + "/tests/schemas/alto-4-2.xsd";
  for (const std::string& image : {kPage, kLabel}) {
    SCOPED_TRACE(image);
    const auto r = run_cli({"--format", "alto", image});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(xmllint_problems(r.out, schema), "");
    EXPECT_NE(r.out.find("<String ID="), std::string::npos);
    EXPECT_NE(r.out.find(" HPOS="), std::string::npos) << "no word has a box";
  }
}

// hOCR as Tesseract writes it: XHTML with ocr_page, ocr_carea, ocr_par, ocr_line and ocrx_word,
// each word with its bbox inside the page and x_wconf; the words, line by line, are the text.
TEST(PageFormats, HocrOfAPageIsWellFormedAndItsWordsAreTheText) {
  const auto text = run_cli({"--format", "jsonl", kPage});
  const auto hocr = run_cli({"--format", "hocr", kPage});
  ASSERT_EQ(hocr.exit_code, 0) << hocr.err;
  if (xmllint_available()) {
    EXPECT_EQ(xmllint_problems(hocr.out), "");
  }
  for (const char* kind : {"ocr_page", "ocr_carea", "ocr_par", "ocr_line", "ocrx_word"}) {
    EXPECT_NE(hocr.out.find(std::string("class='") + kind + "'"), std::string::npos) << kind;
  }
  const std::regex word("<span class='ocrx_word' id='word_1_\\d+' title='bbox (\\d+) (\\d+) (\\d+) (\\d+); "
                        "x_wconf (\\d+)'>([^<]*)</span>");
  std::string words;
  int count = 0;
  for (auto it = std::sregex_iterator(hocr.out.begin(), hocr.out.end(), word); it != std::sregex_iterator(); ++it) {
    const std::smatch& m = *it;
    EXPECT_LT(std::stoi(m[1]), std::stoi(m[3]));
    EXPECT_LT(std::stoi(m[2]), std::stoi(m[4]));
    EXPECT_LE(std::stoi(m[3]), 640);
    EXPECT_LE(std::stoi(m[4]), 480);
    EXPECT_LE(std::stoi(m[5]), 100);
    words += (count++ ? " " : "") + m[6].str();
  }
  EXPECT_GT(count, 40);
  // The JSON text with its lines joined by spaces, as the words were.
  EXPECT_EQ(words, nlohmann_text(text.out));
}

// hocr-check (hocr-tools' checker of the hOCR spec, in tests/tools) on a document: the lines it
// prints, "ok N - ..." or "not ok N - ...".
std::string hocr_check(const std::string& document) {
  ScratchDir dir;
  const std::string file = dir.write("page.hocr", document);
  const std::string command = "/usr/bin/python3 '" + std::string(CROSSOCR_SOURCE_DIR) + "/tests/tools/hocr-check' '" +
                              file + "' >" + dir.file("out") + " 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
  std::ifstream out(dir.file("out"));
  std::stringstream text;
  text << out.rdbuf();
  return text.str();
}

bool lxml_available() { return std::system("/usr/bin/python3 -c 'import lxml' >/dev/null 2>&1") == 0; }

TEST(PageFormats, HocrPassesHocrToolsCheckerOnAPageAndALabel) {
  if (!lxml_available()) GTEST_SKIP() << "python3-lxml missing (tools/setup.sh --checks installs it)";
  for (const std::string& image : {kPage, kLabel}) {
    SCOPED_TRACE(image);
    const auto r = run_cli({"--format", "hocr", image});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const std::string verdict = hocr_check(r.out);
    EXPECT_EQ(verdict.find("not ok"), std::string::npos) << verdict;
    EXPECT_NE(verdict.find("ok 3 - has a page"), std::string::npos) << verdict;
    EXPECT_NE(verdict.find("ocr_line  1 in an ocr_page"), std::string::npos) << verdict;
  }
  // The checker itself: a document without its meta or its page is not hOCR.
  EXPECT_NE(hocr_check("<html><body><p>text</p></body></html>").find("not ok 3 - has a page"), std::string::npos);
}

TEST(PageFormats, TsvHasTesseractsColumnsAndAWordRowPerWord) {
  const auto r = run_cli({"--format", "tsv", kLabel});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto rows = tsv_rows(r.out);
  ASSERT_GE(rows.size(), 6u);
  EXPECT_EQ(rows[0], "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext");
  int lines = 0, words = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    const auto c = columns(rows[i]);
    ASSERT_EQ(c.size(), 12u) << rows[i];
    const int level = std::stoi(c[0]);
    if (level == 4) ++lines;
    if (level == 5) {
      ++words;
      EXPECT_GE(std::stod(c[10]), 0.0);
      EXPECT_FALSE(c[11].empty());
      EXPECT_GT(std::stoi(c[8]), 0) << "a word of the local reading has its box";
    } else {
      EXPECT_EQ(c[10], "-1") << rows[i];
    }
  }
  EXPECT_EQ(lines, 2) << "the label's two lines";
  EXPECT_GE(words, 2);
}

// Documents are one per input: several inputs need a folder, where each gets NAME.hocr.
TEST(PageFormats, SeveralInputsNeedAnOutputFolderWhereEachGetsItsDocument) {
  const auto refused = run_cli({"--format", "hocr", kSeedStrip, kLabel});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--format hocr writes a document per input: 2 inputs need --output-dir"),
            std::string::npos)
      << refused.err;
  ScratchDir dir;
  const auto r = run_cli({"--format", "tsv", "--output-dir", dir.file("out"), kSeedStrip, kLabel});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ZGUVU"), std::string::npos) << "the stream says what was read, as text";
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/zguvu.tsv")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("out/0000.tsv")));
}

// A vote that chose the remote's text: characters the local reader read have its boxes, a word
// the local reader did not see at all has none, and the formats say so their way.
TEST(PageFormats, WordsTheLocalReaderDidNotSeeHaveNoBox) {
  ImageResult result;
  result.file = "label.png";
  result.width = 200;
  result.height = 40;
  result.mode = Mode::kVote;
  Reading local;
  local.text = "12.50";
  for (int i = 0; i < 5; ++i) {
    local.glyphs.push_back(Glyph{std::string(1, local.text[i]), 0.9, cv::Rect(10 + 10 * i, 5, 9, 20)});
  }
  result.local = local;
  result.verdict = Verdict{};
  result.verdict->text = "12.58 EUR";
  result.verdict->confidence = 0.7;
  const PageLayout page = layout_of(result);
  ASSERT_EQ(page.lines.size(), 1u);
  ASSERT_EQ(page.lines[0].words.size(), 2u);
  const LaidOutWord& price = page.lines[0].words[0];
  EXPECT_EQ(price.text, "12.58");
  ASSERT_TRUE(price.box.has_value());
  EXPECT_EQ(*price.box, cv::Rect(10, 5, 49, 20));
  EXPECT_DOUBLE_EQ(price.confidence, 0.7) << "the 8 is not the glyph's 0: the result's confidence";
  EXPECT_FALSE(page.lines[0].words[1].box.has_value()) << "EUR";

  const std::string tsv = page_document(PageFormat::kTsv, {result});
  EXPECT_NE(tsv.find("5\t1\t1\t1\t1\t2\t-1\t-1\t-1\t-1\t70.000000\tEUR\n"), std::string::npos) << tsv;
  const std::string hocr = page_document(PageFormat::kHocr, {result});
  EXPECT_NE(hocr.find("title='x_wconf 70'>EUR</span>"), std::string::npos) << hocr;
  const std::string alto = page_document(PageFormat::kAlto, {result});
  EXPECT_NE(alto.find("<String ID=\"string_1_2\" WC=\"0.7000\" CONTENT=\"EUR\"/>"), std::string::npos) << alto;
}

}  // namespace
}  // namespace crossocr

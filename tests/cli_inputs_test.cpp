// What a batch is made of (folders, @lists, shards) and what a long batch gives besides its
// results (progress, a folder of outputs, pages), with the built crossocr run as a process.
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>
#include <nlohmann/json.hpp>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include <algorithm>
#include <filesystem>
#include <memory>
#include <fstream>
#include <sstream>

namespace crossocr {
namespace {

namespace fs = std::filesystem;
using testing::kSeedStrip;
using testing::run_cli;
using testing::ScratchDir;

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> rows;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
  return rows;
}

std::vector<std::string> files_of(const std::vector<nlohmann::json>& rows) {
  std::vector<std::string> files;
  for (const auto& row : rows) files.push_back(row["file"].get<std::string>());
  return files;
}

// scans/: two copies of the seed strip (one with an upper-case extension), two bad images, a
// file that is no image by its name, and a nested folder holding a third copy.
struct ScanFolder {
  ScratchDir dir;
  fs::path scans = dir.path() / "scans";
  std::string good_a, good_b, bad_empty, bad_notes, nested;

  ScanFolder() {
    fs::create_directories(scans / "nested");
    good_a = (scans / "a.png").string();
    good_b = (scans / "b.PNG").string();
    bad_empty = (scans / "c.png").string();
    bad_notes = (scans / "d.jpg").string();
    nested = (scans / "nested" / "e.png").string();
    fs::copy_file(kSeedStrip, good_a);
    fs::copy_file(kSeedStrip, good_b);
    fs::copy_file(kSeedStrip, nested);
    std::ofstream(bad_empty).flush();
    std::ofstream(bad_notes) << "these are my notes, not a picture\n";
    std::ofstream(scans / "readme.txt") << "not an image by its name\n";
  }
};

TEST(CliInputs, AFolderReadsEachImageFileSortedAndReportsTheBadOnesInPlace) {
  ScanFolder f;
  const auto r = run_cli({"--format", "jsonl", f.scans.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(files_of(rows), (std::vector<std::string>{f.good_a, f.good_b, f.bad_empty, f.bad_notes}));
  EXPECT_EQ(rows[0]["text"], "ZGUVU");
  EXPECT_EQ(rows[1]["text"], "ZGUVU");
  EXPECT_TRUE(rows[2].contains("error"));
  EXPECT_TRUE(rows[3].contains("error"));
  EXPECT_NE(r.err.find("crossocr: " + f.bad_empty + ": "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("crossocr: " + f.bad_notes + ": "), std::string::npos) << r.err;
}

TEST(CliInputs, RecursiveDescendsIntoSubfolders) {
  ScanFolder f;
  const auto r = run_cli({"--format", "jsonl", "-r", f.scans.string()});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(files_of(rows), (std::vector<std::string>{f.good_a, f.good_b, f.bad_empty, f.bad_notes, f.nested}));
  EXPECT_EQ(rows[4]["text"], "ZGUVU");
}

TEST(CliInputs, AListFileReadsItsPathsAndSkipsCommentsAndBlankLines) {
  ScanFolder f;
  const std::string list = f.dir.write("list.txt", "# the strips to read\n" + f.good_b + "\n\n   \n" +
                                                        "#" + f.good_a + "\n" + f.nested + "\r\n");
  const auto r = run_cli({"--format", "jsonl", "@" + list});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(files_of(json_lines(r.out)), (std::vector<std::string>{f.good_b, f.nested}));
}

TEST(CliInputs, AMissingFolderOrListIsOneErrorNamingItAndTheBatchGoesOn) {
  ScratchDir dir;
  const std::string folder = dir.file("no-such-folder").append("/");
  const std::string list = std::string("@").append(dir.file("no-such-list.txt"));
  const auto r = run_cli({"--format", "jsonl", folder, list, kSeedStrip});
  EXPECT_EQ(r.exit_code, 1);
  const auto rows = json_lines(r.out);
  ASSERT_EQ(files_of(rows), (std::vector<std::string>{folder, list, kSeedStrip}));
  EXPECT_EQ(rows[0]["error"], "no such folder");
  EXPECT_EQ(rows[1]["error"], "cannot read the list " + list.substr(1) + ": No such file or directory");
  EXPECT_EQ(rows[2]["text"], "ZGUVU");
  EXPECT_NE(r.err.find("crossocr: " + folder + ": no such folder\n"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("crossocr: " + list + ": cannot read the list"), std::string::npos) << r.err;
}

TEST(CliInputs, AFolderAlwaysNamesItsFilesInTextOutput) {
  ScratchDir dir;
  const std::string only = dir.file("only.png");
  fs::copy_file(kSeedStrip, only);
  const auto r = run_cli({dir.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, only + "\tZGUVU\n");
}

TEST(CliInputs, FourShardsCoverEveryInputExactlyOnce) {
  ScratchDir dir;
  std::vector<std::string> all;
  for (int i = 0; i < 14; ++i) all.push_back(dir.write("empty-" + std::to_string(i) + ".png", std::string()));
  for (const char* name : {"seed-1.png", "seed-2.png"}) {
    fs::copy_file(kSeedStrip, dir.file(name));
    all.push_back(dir.file(name));
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> covered;
  int parts_used = 0;
  for (int k = 1; k <= 4; ++k) {
    const auto r = run_cli({"--format", "jsonl", "--shard", std::to_string(k) + "/4", dir.path().string()});
    const std::vector<std::string> files = files_of(json_lines(r.out));
    parts_used += !files.empty();
    covered.insert(covered.end(), files.begin(), files.end());
  }
  std::sort(covered.begin(), covered.end());
  EXPECT_EQ(covered, all);
  EXPECT_GE(parts_used, 3);  // the hash spreads 16 names, not all into one part
}

TEST(CliInputs, AShardMustBeKOfN) {
  for (const char* bad : {"0/4", "5/4", "1/0", "a/b", "3", "1/4/2", "-1/4", "99999999999/99999999999"}) {
    const auto r = run_cli({"--shard", bad, kSeedStrip});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--shard 1/N ... --shard N/N"), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(run_cli({"--shard", "1/1", kSeedStrip}).out, "ZGUVU\n");
}

TEST(CliInputs, ProgressGoesToStandardErrorOnlyWhenAskedAndLeavesTheResultsAlone) {
  ScanFolder f;
  const auto plain = run_cli({"--format", "jsonl", f.scans.string()});
  const auto shown = run_cli({"--format", "jsonl", "--progress", f.scans.string()});
  EXPECT_EQ(shown.exit_code, plain.exit_code);
  EXPECT_EQ(files_of(json_lines(shown.out)), files_of(json_lines(plain.out)));
  // Not a terminal: quiet unless asked; asked, a line at each quarter and one at the end.
  EXPECT_EQ(plain.err.find("reading:"), std::string::npos) << plain.err;
  EXPECT_NE(shown.err.find("reading: 1/4 images"), std::string::npos) << shown.err;
  EXPECT_NE(shown.err.find("reading: 4/4 images"), std::string::npos) << shown.err;
  const auto quiet = run_cli({"--quiet", "--progress", f.scans.string()});
  EXPECT_EQ(quiet.exit_code, 2) << quiet.err;  // the two contradict each other
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(CliInputs, AnOutputFolderGetsAFilePerImageAndSkipExistingResumes) {
  ScanFolder f;
  const fs::path out = f.dir.path() / "out";
  const auto first = run_cli({"--format", "jsonl", "--output-dir", out.string(), f.scans.string()});
  EXPECT_EQ(first.exit_code, 1) << first.err;  // the two bad images
  EXPECT_EQ(json_lines(first.out).size(), 4u);  // still streamed as before
  // An image that could not be read has no file: a resumed run tries it again.
  ASSERT_EQ(names_in(out), (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_EQ(nlohmann::json::parse(slurp(out / "a.json"))["text"], "ZGUVU");
  EXPECT_EQ(nlohmann::json::parse(slurp(out / "b.json"))["file"], f.good_b);

  fs::remove(out / "b.json");
  const auto resumed = run_cli({"--format", "jsonl", "--output-dir", out.string(), "--skip-existing", f.scans.string()});
  EXPECT_EQ(files_of(json_lines(resumed.out)), (std::vector<std::string>{f.good_b, f.bad_empty, f.bad_notes}));
  EXPECT_NE(resumed.err.find("skipped 1 of 4 images"), std::string::npos) << resumed.err;
  EXPECT_EQ(names_in(out), (std::vector<std::string>{"a.json", "b.json"}));
  EXPECT_EQ(nlohmann::json::parse(slurp(out / "b.json"))["text"], "ZGUVU");
}

TEST(CliInputs, InputsSharingANameGetOutputFilesToldApartByAHashOfTheirPath) {
  ScanFolder f;
  fs::copy_file(kSeedStrip, f.scans / "nested" / "a.png");
  const fs::path out = f.dir.path() / "out";
  const auto r = run_cli({"--output-dir", out.string(), "-r", (f.scans / "a.png").string(),
                          (f.scans / "nested").string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const std::vector<std::string> names = names_in(out);
  ASSERT_EQ(names.size(), 3u);  // a-XXXXXXXX.txt twice, e.txt
  EXPECT_EQ(names[0].rfind("a-", 0), 0u);
  EXPECT_EQ(names[1].rfind("a-", 0), 0u);
  EXPECT_EQ(names[0].size(), std::string("a-12345678.txt").size());
  EXPECT_EQ(names[2], "e.txt");
  EXPECT_EQ(slurp(out / names[0]), "ZGUVU\n");
  // The same arguments name them alike: a rerun with --skip-existing reads nothing.
  const auto again = run_cli({"--output-dir", out.string(), "--skip-existing", "-r", (f.scans / "a.png").string(),
                              (f.scans / "nested").string()});
  EXPECT_EQ(again.out, "");
  EXPECT_NE(again.err.find("skipped 3 of 3 images"), std::string::npos) << again.err;
}

TEST(CliInputs, SkipExistingNeedsAnOutputFolderAndAnUnwritableFolderExitsThree) {
  EXPECT_EQ(run_cli({"--skip-existing", kSeedStrip}).exit_code, 2);
  ScratchDir dir;
  const std::string file = dir.write("a-file", std::string("x"));
  const auto r = run_cli({"--output-dir", file + "/out", kSeedStrip});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("cannot create --output-dir " + file + "/out"), std::string::npos) << r.err;
}

// The images as the pages of one TIFF, made at test time (Leptonica appends a page with "a").
void write_multipage_tiff(const std::string& path, const std::vector<std::string>& images) {
  for (std::size_t i = 0; i < images.size(); ++i) {
    PIX* pix = pixRead(images[i].c_str());
    ASSERT_NE(pix, nullptr) << images[i];
    ASSERT_EQ(pixWriteTiff(path.c_str(), pix, IFF_TIFF_ZIP, i == 0 ? "w" : "a"), 0);
    pixDestroy(&pix);
  }
}

TEST(CliInputs, EachPageOfAMultiPageTiffIsAResultOfItsOwn) {
  ScratchDir dir;
  const std::string tiff = dir.file("doc.tif");
  write_multipage_tiff(tiff, {kSeedStrip, testing::data_path("printed-labels/0002.jpg"), kSeedStrip});
  const auto r = run_cli({"--format", "jsonl", "--output-dir", dir.file("out"), tiff});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  for (int page = 1; page <= 3; ++page) {
    EXPECT_EQ(rows[page - 1]["file"], tiff);
    EXPECT_EQ(rows[page - 1]["page"], page);
  }
  EXPECT_EQ(rows[0]["text"], "ZGUVU");
  EXPECT_EQ(rows[2]["text"], "ZGUVU");
  // One output file for the document, a line per page.
  EXPECT_EQ(json_lines(slurp(dir.path() / "out" / "doc.json")).size(), 3u);

  // Text names each page FILE#PAGE; standard input is split into pages alike.
  const auto text = run_cli({"-"}, tiff);
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.rfind("-#1\tZGUVU\n-#2\t", 0), 0u) << text.out;
  EXPECT_NE(text.out.find("\n-#3\tZGUVU\n"), std::string::npos) << text.out;
}

TEST(CliInputs, APageOverTheLimitsFailsAloneAndTheDocumentGoesOn) {
  ScratchDir dir;
  const std::string tiff = dir.file("doc.tiff");
  write_multipage_tiff(tiff, {kSeedStrip, testing::data_path("tesseract-testing/phototest.png"), kSeedStrip});
  // The seed is 203x50 pixels, the photo 640x480: only the second page is over 100000.
  const auto r = run_cli({"--format", "jsonl", "--max-pixels", "100000", tiff});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  EXPECT_EQ(rows[0]["text"], "ZGUVU");
  EXPECT_EQ(rows[1]["error_kind"], "limit");
  EXPECT_EQ(rows[1]["error"], "TIFF page 2 declares 640x480 pixels, over the limit of 100000 pixels");
  EXPECT_EQ(rows[2]["text"], "ZGUVU");
  EXPECT_NE(r.err.find("crossocr: " + tiff + "#2: TIFF page 2 declares"), std::string::npos) << r.err;
}

// The images as the pages of one PDF, made at test time, each image at `ppi` pixels per inch.
void write_pdf(const std::string& path, const std::vector<std::string>& images, int ppi) {
  PIXA* pixa = pixaCreate(static_cast<l_int32>(images.size()));
  for (const std::string& image : images) {
    PIX* pix = pixRead(image.c_str());
    ASSERT_NE(pix, nullptr) << image;
    pixaAddPix(pixa, pix, L_INSERT);
  }
  ASSERT_EQ(pixaConvertToPdf(pixa, ppi, 1.0f, L_FLATE_ENCODE, 0, nullptr, path.c_str()), 0);
  pixaDestroy(&pixa);
}

TEST(CliInputs, EachPageOfAPdfIsRenderedAndReadAsAResultOfItsOwn) {
  ScratchDir dir;
  const std::string pdf = dir.file("doc.pdf");
  write_pdf(pdf, {kSeedStrip, testing::data_path("printed-labels/0002.jpg"), kSeedStrip}, 150);
  const auto r = run_cli({"--format", "jsonl", "--dpi", "150", pdf});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 3u) << r.out;
  for (int page = 1; page <= 3; ++page) EXPECT_EQ(rows[page - 1]["page"], page);
  EXPECT_EQ(rows[0]["text"], "ZGUVU");
  EXPECT_EQ(rows[2]["text"], "ZGUVU");
  // A folder lists PDFs too; standard input is split into pages alike.
  EXPECT_EQ(json_lines(run_cli({"--format", "jsonl", dir.path().string()}).out).size(), 3u);
  EXPECT_EQ(json_lines(run_cli({"--format", "jsonl", "-"}, pdf).out).size(), 3u);
}

// --format pdf: each page the image at its size (pixels at the resolution a PDF input was
// rendered at), its text found by poppler's text extraction, as a viewer's search finds it.
TEST(CliInputs, ASearchablePdfHasEveryPageWithItsTextWherePopplerFindsIt) {
  ScratchDir dir;
  const std::string pdf = dir.file("doc.pdf");
  write_pdf(pdf, {kSeedStrip, testing::data_path("tesseract-testing/phototest.png"), kSeedStrip}, 150);
  const std::string out = dir.file("searchable.pdf");
  const auto r = run_cli({"--format", "pdf", "--dpi", "150", "-o", out, pdf});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::unique_ptr<poppler::document> doc(poppler::document::load_from_file(out));
  ASSERT_NE(doc, nullptr) << "poppler cannot open the PDF";
  ASSERT_EQ(doc->pages(), 3);
  const auto text_of = [&](int page) {
    std::unique_ptr<poppler::page> p(doc->create_page(page));
    const auto bytes = p->text().to_utf8();
    return std::string(bytes.begin(), bytes.end());
  };
  EXPECT_NE(text_of(0).find("ZGUVU"), std::string::npos) << text_of(0);
  EXPECT_NE(text_of(1).find("quick brown dog"), std::string::npos) << text_of(1);
  std::unique_ptr<poppler::page> first(doc->create_page(0));
  EXPECT_NEAR(first->page_rect().width(), 203 * 72.0 / 150, 0.5);
  EXPECT_NEAR(first->page_rect().height(), 50 * 72.0 / 150, 0.5);
  // The image is there: the page renders dark where the strip's letters are.
  const poppler::image rendered = poppler::page_renderer().render_page(first.get(), 150, 150);
  ASSERT_TRUE(rendered.is_valid());
  ASSERT_EQ(rendered.format(), poppler::image::format_argb32);
  int dark = 0;
  for (int y = 0; y < rendered.height(); ++y) {
    const auto* row = reinterpret_cast<const unsigned char*>(rendered.const_data() + y * rendered.bytes_per_row());
    for (int x = 0; x < rendered.width(); ++x) dark += row[4 * x] < 100 && row[4 * x + 1] < 100 && row[4 * x + 2] < 100;
  }
  EXPECT_GT(dark, 500) << "no letters drawn: the image is missing";
}

TEST(CliInputs, APdfPageTooLargeAtTheAskedResolutionIsRefusedBeforeRendering) {
  ScratchDir dir;
  const std::string pdf = dir.file("one.pdf");
  write_pdf(pdf, {kSeedStrip}, 150);  // 203x50 pixels at 150 ppi: 1353x333 at 1000 dpi
  const auto r = run_cli({"--format", "jsonl", "--dpi", "1000", "--max-pixels", "100000", pdf});
  EXPECT_EQ(r.exit_code, 1);
  const auto rows = json_lines(r.out);
  ASSERT_EQ(rows.size(), 1u) << r.out;
  EXPECT_FALSE(rows[0].contains("page"));  // a one-page PDF is one image
  EXPECT_EQ(rows[0]["error_kind"], "limit");
  EXPECT_NE(rows[0]["error"].get<std::string>().find("at 1000 dpi"), std::string::npos) << rows[0];
}

}  // namespace
}  // namespace crossocr

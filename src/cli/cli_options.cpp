#include "cli/cli_options.hpp"

#include "crossocr/version.hpp"

#include <CLI/CLI.hpp>

#include <iostream>
#include <map>

namespace crossocr::cli {

ParseOutcome parse_command_line(int argc, const char* const* argv) {
  CliOptions o;
  CLI::App app{"crossocr: read the exact text of images with OpenCV + Tesseract (local), a vision\n"
               "LLM (remote), or both cross-checked (vote).",
               "crossocr"};
  app.set_version_flag("--version", std::string("crossocr ") + version());
  app.footer(
      "Exit status: 0 all images read; 1 some image could not be read (the rest were);\n"
      "2 bad usage; 3 misconfiguration (e.g. Tesseract data missing); 4 mode not available.\n"
      "An IMAGE of - reads the image from standard input.");

  const std::map<std::string, Mode> modes = {
      {"local", Mode::kLocal}, {"remote", Mode::kRemote}, {"vote", Mode::kVote}};
  const std::map<std::string, OutputFormat> formats = {
      {"text", OutputFormat::kText}, {"json", OutputFormat::kJson}, {"jsonl", OutputFormat::kJsonl}};
  const std::map<std::string, Layout> layouts = {
      {"auto", Layout::kAuto}, {"strip", Layout::kStrip}, {"page", Layout::kPage}};

  app.add_option("images", o.images, "image files to read (PNG, JPEG, TIFF, BMP, WebP, GIF)")
      ->required();
  app.add_option("--mode", o.run.mode, "local: OpenCV + Tesseract, offline (default)")
      ->transform(CLI::CheckedTransformer(modes, CLI::ignore_case));
  app.add_option("--format", o.format, "text (default), json (one array) or jsonl (a line per image)")
      ->transform(CLI::CheckedTransformer(formats, CLI::ignore_case));
  app.add_option("-o,--output", o.output_path, "write results to FILE as they are produced");
  app.add_option("-j,--jobs", o.run.jobs, "threads reading images (default: all cores)")
      ->check(CLI::Range(1u, 256u));

  auto& local = o.run.local;
  app.add_option("--layout", local.preprocess.layout,
                 "auto (default), strip (one line of text) or page (a document)")
      ->transform(CLI::CheckedTransformer(layouts, CLI::ignore_case));
  app.add_option("--psm", local.tesseract.psm,
                 "Tesseract page segmentation mode (default: 7 for strips, 3 for pages)")
      ->check(CLI::Range(0, 13));
  app.add_option("--lang", local.tesseract.lang, "Tesseract language(s), e.g. eng or eng+deu")
      ->capture_default_str();
  app.add_option("--tessdata", local.tesseract.tessdata_dir, "folder holding LANG.traineddata")
      ->check(CLI::ExistingDirectory);
  app.add_option("--charset", local.tesseract.charset,
                 "the only characters the local engine may output, e.g. ABCDEFGHJKLMNPQRSTUVWXYZ23456789");
  app.add_option("--debug-dir", local.preprocess.debug_dir,
                 "write every preprocessing step of every image there as PNG");
  app.add_option("--max-pixels", o.run.limits.max_pixels,
                 "refuse images whose header declares more pixels")
      ->capture_default_str();
  app.add_option("--max-file-bytes", o.run.limits.max_file_bytes, "refuse larger files")
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int status = app.exit(e);  // prints help, version or the error
    return ParseOutcome{std::nullopt, status == 0 ? kExitOk : kExitUsage};
  }
  return ParseOutcome{std::move(o), kExitOk};
}

}  // namespace crossocr::cli

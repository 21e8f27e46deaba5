// TesseractEngine: an adapter over Tesseract's C++ API. Each recognition leases a started
// TessBaseAPI of its flavour (dictionaries off for strips, on for pages and words) from pools the
// process's engines share, so a batch starts Tesseract about once per flavour, not per thread.
// Not thread-safe (its time budget is per image): create one per thread.
#pragma once

#include "engine.hpp"
#include "crossocr/options.hpp"
#include "local/preprocessor.hpp"

#include <chrono>
#include <memory>
#include <optional>
#include <string>

namespace crossocr {


class TesseractEngine : public Engine {
 public:
  // Throws ConfigError when Tesseract cannot be initialised (missing or broken language data).
  explicit TesseractEngine(const TesseractOptions& options);

  // Throws the constructor's ConfigError when the language data is missing, without loading it.
  static void check_language_data(const TesseractOptions& options);
  ~TesseractEngine() override;
  TesseractEngine(const TesseractEngine&) = delete;
  TesseractEngine& operator=(const TesseractEngine&) = delete;

  // Reads an already preprocessed variant; glyph boxes are mapped back to original coordinates.
  // On strips, gaps not clearly wider than the letter spacing are not word spaces (CAPTCHAs space
  // their letters widely), unless `keep_word_spaces` (a label, whose spaces are words').
  Reading recognize(const Variant& variant, Layout layout, bool keep_word_spaces = false);

  // Reads a one-line variant with the dictionaries on: words in scenes and on signs, where
  // English helps (codes are read without, by recognize).
  Reading recognize_words(const Variant& variant);

  // True when every word of `text` (letters, punctuation around them ignored) is in Tesseract's
  // English dictionaries.
  bool is_word(const std::string& text);

  // Reads `image` as given, without preprocessing (what stock Tesseract would see).
  Reading read(const LoadedImage& image) override;

  // Every recognition from now on stops at `deadline` (none: no limit): a read still running then
  // is abandoned, and one asked later fails at once. out_of_time() says whether that happened.
  // Time spent waiting for a pooled API (busy with another engine, or starting) moves it out.
  void set_deadline(std::optional<std::chrono::steady_clock::time_point> deadline);
  bool out_of_time() const;

 private:
  // `dictionaries` picks the API (kPage: with them); `spacing` kStrip drops letter spacing.
  Reading recognize_with(const Variant& variant, Layout dictionaries, Layout spacing, int psm);

  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace crossocr

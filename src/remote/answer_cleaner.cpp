#include "remote/answer_cleaner.hpp"

#include <array>
#include <regex>

namespace crossocr::remote {
namespace {

// libstdc++'s std::regex matches by recursion, frames per character: a 100 KB fenced answer
// overflowed the stack (found by fuzz/fuzz_remote_answer). A transcription asked for within
// max_tokens is far shorter, so a longer answer is taken as it stands, only trimmed.
constexpr std::size_t kMaxWrappedAnswer = 16 * 1024;

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

// ```lang\n...\n``` around the whole answer (or around its only block).
bool strip_code_fence(std::string& text) {
  static const std::regex fence(R"(^(?:[\s\S]*?\n)?```[A-Za-z0-9_-]*[ \t]*\n?([\s\S]*?)\n?```[\s\S]*$)");
  std::smatch m;
  if (text.find("```") == std::string::npos || !std::regex_match(text, m, fence)) return false;
  text = std::string(trim(m[1].str()));
  return true;
}

// The same mark on both ends: "ZGUVU", 'ZGUVU', `ZGUVU`, **ZGUVU**, “ZGUVU”.
bool strip_enclosing_marks(std::string& text) {
  static const std::array<std::pair<std::string_view, std::string_view>, 7> marks = {{
      {"**", "**"}, {"\"", "\""}, {"'", "'"}, {"`", "`"}, {"\u201c", "\u201d"},
      {"\u2018", "\u2019"}, {"\u00ab", "\u00bb"},
  }};
  for (const auto& [open, close] : marks) {
    if (text.size() > open.size() + close.size() && text.starts_with(open) &&
        text.ends_with(close)) {
      const std::string inner = text.substr(open.size(), text.size() - open.size() - close.size());
      // "a" and "b" is two quoted pieces, not one quoted answer.
      if (inner.find(close) != std::string::npos) continue;
      text = std::string(trim(inner));
      return true;
    }
  }
  return false;
}

// A lead-in sentence that announces the transcription: "The text in the image is:",
// "Here is the extracted text:", "Extracted text -", "The image says "…"." and the like.
bool strip_preamble(std::string& text) {
  static const std::regex lead_in(
      R"(^\s*(?:sure[,!.]?\s*)?(?:here(?:'s| is| are)\s+)?(?:the\s+)?)"
      R"((?:extracted\s+|exact\s+|visible\s+|transcribed\s+)?)"
      R"((?:text|characters|string|code|captcha|transcription|answer|output|result))"
      R"((?:\s+(?:in|from|of|on|shown in)\s+(?:the\s+|this\s+)?(?:image|picture|captcha))?)"
      R"((?:\s+(?:is|reads|says|shows|are))?)"
      // ends with a colon or dash, or directly with the quoted answer: 'is "ZGUVU".'
      R"((?:\s*(?::|-|=|—|as follows:)\s*|\s+(?=["'`*]|“)))",
      std::regex::icase);
  static const std::regex sentence(
      R"(^\s*(?:the\s+)?(?:image|picture|captcha)\s+(?:contains|shows|reads|says)(?:\s+the\s+text)?\s*:?\s*)",
      std::regex::icase);
  // A bare label ("Code: 4711") may be the image's own text: it counts as a lead-in only when it
  // says where the text came from, or when the transcription starts on a line of its own.
  static const std::regex announcing(R"(here|extracted|exact|visible|transcri|image|picture|captcha|\b(?:is|reads|says|shows|are)\b)",
                                     std::regex::icase);
  std::smatch m;
  for (const std::regex* r : {&lead_in, &sentence}) {
    if (!std::regex_search(text, m, *r, std::regex_constants::match_continuous)) continue;
    const std::string prefix = m.str(0);
    const auto rest_at = static_cast<std::size_t>(m.length(0));
    if (rest_at >= text.size()) continue;
    const bool own_line = prefix.find('\n') != std::string::npos;
    if (!own_line && !std::regex_search(prefix, announcing)) continue;
    text = std::string(trim(std::string_view(text).substr(rest_at)));
    return true;
  }
  return false;
}

// After a lead-in, a sentence's own full stop is not part of the answer: 'is "ZGUVU".'
void strip_sentence_end(std::string& text) {
  if (text.size() > 2 && text.back() == '.' &&
      (text[text.size() - 2] == '"' || text[text.size() - 2] == '\'' ||
       text[text.size() - 2] == '`' || text.ends_with("\u201d.") || text.ends_with("**."))) {
    text.pop_back();
  }
}

}  // namespace

std::string clean_answer(std::string_view raw) {
  std::string text(trim(raw));
  if (text.size() > kMaxWrappedAnswer) return text;
  // Each step only fires on wrapping it recognises; a bare answer passes through all of them.
  strip_code_fence(text);
  if (strip_preamble(text)) strip_sentence_end(text);
  // Quotes around a whole answer are wrapping, not transcription; nested wrapping ("**`ZGUVU`**")
  // is peeled one layer at a time.
  for (int layer = 0; layer < 3 && strip_enclosing_marks(text); ++layer) {
  }
  return text;
}

bool is_refusal(std::string_view cleaned) {
  static const std::regex declining(
      R"(^(?:sorry,|unfortunately,|i(?:'|’)m (?:sorry|unable to|not able to)\b|)"
      R"(i (?:am (?:sorry|unable to|not able to)|can(?:'|’)t|cannot|can not|don(?:'|’)t see|do not see)\b|)"
      R"(unable to (?:read|see|transcribe|identify|extract)\b|there (?:is|are) no (?:visible |readable |legible )?(?:text|characters)\b|)"
      R"(no (?:visible |readable |legible )?(?:text|characters) (?:is |are |was |were )?(?:visible|found|detected|present)\b))",
      std::regex::icase);
  if (cleaned.size() > kMaxWrappedAnswer) return false;  // no sentence of refusal is that long
  const std::string text(cleaned);
  return text.find(' ') != std::string::npos && std::regex_search(text, declining, std::regex_constants::match_continuous);
}

}  // namespace crossocr::remote

#include "crossocr/alignment.hpp"
#include "crossocr/evaluation.hpp"

#include "eval/scoring.hpp"
#include "remote/digest.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace crossocr {
namespace {

using eval::percent;
using nlohmann::ordered_json;

ordered_json number_or_null(const std::optional<double>& x) {
  return x ? ordered_json(*x) : ordered_json(nullptr);
}

ordered_json reliability_json(const SetMetrics& m) {
  ordered_json bins = ordered_json::array();
  for (const ReliabilityBin& b : m.reliability) {
    bins.push_back({{"low", b.low}, {"high", b.high}, {"count", b.count},
                    {"mean_confidence", std::round(b.mean_confidence * 1000) / 1000},
                    {"accuracy", std::round(b.accuracy * 1000) / 1000}});
  }
  return bins;
}

ordered_json coverage_curve_json(const SetMetrics& m) {
  ordered_json points = ordered_json::array();
  for (const CoveragePoint& p : m.coverage_curve) {
    points.push_back({{"threshold", p.threshold}, {"coverage", p.coverage}, {"accuracy", number_or_null(p.accuracy)}});
  }
  return points;
}

// ">=0.90: 95.0% right @ 60.0%; ...": the coverage-accuracy curve on one line.
std::string coverage_line(const SetMetrics& m) {
  std::string out;
  for (const CoveragePoint& p : m.coverage_curve) {
    char threshold[16];
    std::snprintf(threshold, sizeof threshold, "%.2f", p.threshold);
    out += (out.empty() ? ">=" : "; >=") + std::string(threshold) + ": " + percent(p.accuracy) + " right @ " +
           percent(p.coverage);
  }
  return out;
}

// "0.9-1.0: 250 claimed 0.97, right 96.0%; ...": a reliability table on one line.
std::string reliability_line(const SetMetrics& m) {
  std::string out;
  for (const ReliabilityBin& b : m.reliability) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "%s%.1f-%.1f: %d claimed %.2f, right %.1f%%", out.empty() ? "" : "; ",
                  b.low, b.high, b.count, b.mean_confidence, b.accuracy * 100);
    out += buf;
  }
  return out;
}

ordered_json metrics_json(const SetModeMetrics& s) {
  const SetMetrics& m = s.metrics;
  ordered_json confusions = ordered_json::array();
  for (const Confusion& c : m.top_confusions) {
    confusions.push_back({{"expected", c.expected}, {"got", c.got}, {"count", c.count}});
  }
  return {{"set", s.set},
          {"mode", s.mode},
          {"images", m.images},
          {"case_sensitive", m.case_sensitive},
          {"exact", m.exact},
          {"exact_rate", number_or_null(m.exact_rate)},
          {"exact_cs", m.exact_cs},
          {"exact_cs_rate", number_or_null(m.exact_cs_rate)},
          {"exact_ci", m.exact_ci},
          {"exact_ci_rate", number_or_null(m.exact_ci_rate)},
          {"wrong", m.wrong},
          {"cer", number_or_null(m.cer)},
          {"wer", number_or_null(m.wer)},
          {"case_errors", m.case_errors},
          {"top_confusions", confusions},
          {"latency_median_ms", number_or_null(m.latency_median_ms)},
          {"latency_p95_ms", number_or_null(m.latency_p95_ms)},
          {"seconds", std::round(s.seconds * 1000) / 1000},
          {"images_per_second", std::round(s.images_per_second * 100) / 100},
          {"total_tokens", m.total_tokens},
          {"failures", m.failures},
          {"status_counts", m.status_counts},
          {"flagged", m.flagged},
          {"flag_precision", number_or_null(m.flag_precision)},
          {"flag_recall", number_or_null(m.flag_recall)},
          {"unflagged_accuracy", number_or_null(m.unflagged_accuracy)},
          {"coverage", number_or_null(m.coverage)},
          {"calibration_error", number_or_null(m.calibration_error)},
          {"reliability", reliability_json(m)},
          {"coverage_curve", coverage_curve_json(m)}};
}

std::string fixed(const std::optional<double>& x, const char* format = "%.3f") {
  if (!x) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, *x);
  return buf;
}

// No reading of the set in this mode succeeded (e.g. remote without a key): its rates describe
// the failure, not the reader, and the report says so instead of showing 0%.
bool all_failed(const SetModeMetrics& s) { return s.metrics.images > 0 && s.metrics.failures == s.metrics.images; }

// One column of the summary table, for both the Markdown and the HTML report: its header and how
// a set and mode's figures read in it. `html_class` names the cell for the browser test; a column
// with `joins` shares the previous column's Markdown cell after that text ("unflagged accuracy @
// coverage") and has a cell of its own in HTML. The set and mode lead every row outside this
// table: Markdown marks a case-insensitive set there, HTML tags the row with both.
struct SummaryColumn {
  const char* header;
  std::string (*cell)(const SetModeMetrics&);
  const char* html_class = nullptr;
  const char* joins = nullptr;
};

const SummaryColumn kSummaryColumns[] = {
    {"images", [](const SetModeMetrics& s) { return std::to_string(s.metrics.images); }},
    {"failed", [](const SetModeMetrics& s) { return std::to_string(s.metrics.failures); }, "failed"},
    {"exact", [](const SetModeMetrics& s) { return all_failed(s) ? std::string("failed") : percent(s.metrics.exact_rate); },
     "exact"},
    {"exact (any case)", [](const SetModeMetrics& s) { return all_failed(s) ? std::string("–") : percent(s.metrics.exact_ci_rate); }},
    {"CER", [](const SetModeMetrics& s) { return all_failed(s) ? std::string("–") : fixed(s.metrics.cer); }, "cer"},
    {"WER", [](const SetModeMetrics& s) { return all_failed(s) ? std::string("–") : fixed(s.metrics.wer); }},
    {"case errors", [](const SetModeMetrics& s) { return std::to_string(s.metrics.case_errors); }},
    {"median ms",
     [](const SetModeMetrics& s) { return fixed(s.metrics.latency_median_ms, "%.1f"); }},
    {"images/s", [](const SetModeMetrics& s) { return fixed(s.images_per_second, "%.1f"); }},
    {"flagged", [](const SetModeMetrics& s) { return std::to_string(s.metrics.flagged); }},
    {"flag precision", [](const SetModeMetrics& s) { return percent(s.metrics.flag_precision); }},
    {"flag recall", [](const SetModeMetrics& s) { return percent(s.metrics.flag_recall); }},
    {"unflagged accuracy",
     [](const SetModeMetrics& s) { return percent(s.metrics.unflagged_accuracy); }},
    {"coverage", [](const SetModeMetrics& s) { return percent(s.metrics.coverage); }, nullptr,
     " @ "},
    {"ECE", [](const SetModeMetrics& s) { return fixed(s.metrics.calibration_error); }, "ece"},
};

// One Markdown table line: the leading cells, then each column's text.
template <typename Text>
std::string markdown_line(std::vector<std::string> cells, const Text& text) {
  for (const SummaryColumn& c : kSummaryColumns) {
    if (c.joins) {
      cells.back() += c.joins + text(c);
    } else {
      cells.push_back(text(c));
    }
  }
  std::string line = "|";
  for (const std::string& cell : cells) line += " " + cell + " |";
  return line + "\n";
}

// The summary table in Markdown: a header line, the rule, and one line per set and mode.
std::string markdown_summary(const EvalReport& report) {
  std::string table = markdown_line({"set", "mode"}, [](const SummaryColumn& c) {
    return std::string(c.header);
  });
  table += "|---|---|";
  for (const SummaryColumn& c : kSummaryColumns) table += c.joins ? "" : "---|";
  table += "\n";
  for (const SetModeMetrics& s : report.summary) {
    const std::string set = s.set + (s.metrics.case_sensitive ? "" : " (case-insensitive)");
    table += markdown_line({set, s.mode}, [&s](const SummaryColumn& c) { return c.cell(s); });
  }
  return table;
}

// "agree 12, case_conflict 2, conflict 1": how often each vote status occurred.
std::string status_line(const SetMetrics& m) {
  std::string line;
  for (const auto& [status, count] : m.status_counts) {
    line += (line.empty() ? "" : ", ") + status + " " + std::to_string(count);
  }
  return line;
}

std::string html_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\n': out += "⏎"; break;
      default: out += c;
    }
  }
  return out;
}

// Expected and read text with the characters that differ marked.
std::pair<std::string, std::string> marked_difference(const std::string& expected,
                                                      const std::string& got) {
  std::string e, g;
  for (const AlignedPair& p : align(expected, got)) {
    if (p.op == EditOp::kMatch) {
      e += html_escape(p.left);
      g += html_escape(p.right);
    } else {
      if (!p.left.empty()) e += "<mark>" + html_escape(p.left) + "</mark>";
      g += p.right.empty() ? "<mark class=gap>_</mark>" : "<mark>" + html_escape(p.right) + "</mark>";
    }
  }
  return {e, g};
}

// The MIME type of an image a browser shows, by its first bytes; "" for anything else.
std::string shown_image_type(const std::vector<std::uint8_t>& bytes) {
  const auto starts = [&](std::string_view magic, std::size_t at = 0) {
    return bytes.size() >= at + magic.size() &&
           std::equal(magic.begin(), magic.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at),
                      [](char m, std::uint8_t b) { return static_cast<std::uint8_t>(m) == b; });
  };
  if (starts("\x89PNG\r\n\x1a\n")) return "image/png";
  if (starts("\xff\xd8\xff")) return "image/jpeg";
  if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
  if (starts("RIFF") && starts("WEBP", 8)) return "image/webp";
  if (starts("BM")) return "image/bmp";
  return "";
}

// A labels.tsv may name any file: only an image (by its bytes, not its name) is embedded, so that a
// report never carries a key file or other text a set's labels point at.
std::string image_data_url(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.size() > (2u << 20)) return {};  // a report is for looking at, not a copy of the set
  const std::string mime = shown_image_type(bytes);
  if (mime.empty()) return {};
  return "data:" + mime + ";base64," + remote::base64_encode(bytes);
}

// The summary table in HTML: the same columns, each in a cell of its own.
std::string html_summary(const EvalReport& report) {
  std::string table = "<table id=summary><thead><tr><th class=l>set</th><th class=l>mode</th>";
  for (const SummaryColumn& c : kSummaryColumns) table += "<th>" + html_escape(c.header) + "</th>";
  table += "</tr></thead><tbody>\n";
  for (const SetModeMetrics& s : report.summary) {
    const std::string set = html_escape(s.set), mode = html_escape(s.mode);
    table += "<tr data-set=\"" + set + "\" data-mode=\"" + mode + "\"><td class=l>" + set +
             "</td><td class=l>" + mode + "</td>";
    for (const SummaryColumn& c : kSummaryColumns) {
      table += c.html_class ? std::string("<td class=") + c.html_class + ">" : std::string("<td>");
      table += html_escape(c.cell(s)) + "</td>";
    }
    table += "</tr>\n";
  }
  return table + "</tbody></table>\n";
}

// One set and mode's section: its statuses, its reliability, and every wrong or flagged image.
std::string html_set_section(const EvalReport& report, const SetModeMetrics& s) {
  std::ostringstream h;
  h << "<h2>" << html_escape(s.set) << " · " << s.mode << "</h2>\n";
  if (!s.metrics.status_counts.empty()) {
    h << "<p class=statuses>statuses: " << html_escape(status_line(s.metrics)) << "</p>\n";
  }
  h << "<p class=reliability>reliability: " << html_escape(reliability_line(s.metrics)) << "</p>\n";
  h << "<p class=coverage>coverage and accuracy: " << html_escape(coverage_line(s.metrics)) << "</p>\n";
  int shown = 0;
  std::ostringstream rows;
  for (const EvalRow& r : report.rows) {
    if (r.set != s.set || r.mode != s.mode || (r.exact && !r.flagged)) continue;
    ++shown;
    const auto [expected, got] = marked_difference(r.expected, r.got);
    rows << "<tr class=" << (r.exact ? "flagged" : "wrong") << "><td class=l>"
         << html_escape(r.file) << "</td><td class=l><img alt=\"\" src=\""
         << image_data_url(r.image_path) << "\"></td><td class=l><code>" << expected
         << "</code></td><td class=l><code>" << got << "</code></td><td class=l>"
         << html_escape(r.status.empty() ? (r.failed ? "failed" : "wrong") : r.status)
         << (r.flagged ? " ⚑" : "") << "</td><td class=l>" << html_escape(r.local_text)
         << "</td><td class=l>" << html_escape(r.remote_text) << "</td><td class=l>"
         << html_escape(r.error) << "</td></tr>\n";
  }
  if (shown == 0) {
    h << "<p>Every image read exactly, none flagged.</p>\n";
  } else {
    h << "<table class=images><thead><tr><th class=l>file</th><th class=l>image</th>"
         "<th class=l>expected</th><th class=l>read</th><th class=l>status</th>"
         "<th class=l>local</th><th class=l>remote</th><th class=l>error</th></tr></thead><tbody>\n"
      << rows.str() << "</tbody></table>\n";
  }
  return h.str();
}

}  // namespace

std::string report_json(const EvalReport& report) {
  ordered_json j;
  j["version"] = report.version;
  j["started"] = report.started;
  j["options"] = nlohmann::ordered_json::parse(report.options, nullptr, false);
  j["summary"] = ordered_json::array();
  for (const SetModeMetrics& s : report.summary) j["summary"].push_back(metrics_json(s));
  j["rows"] = ordered_json::array();
  for (const EvalRow& r : report.rows) {
    ordered_json row = {{"set", r.set},          {"mode", r.mode},       {"file", r.file},
                        {"expected", r.expected}, {"got", r.got},         {"exact", r.exact},
                        {"failed", r.failed},     {"flagged", r.flagged}, {"status", r.status},
                        {"confidence", std::round(r.confidence * 1000) / 1000},
                        {"latency_ms", std::round(r.latency_ms * 10) / 10},
                        {"tokens", r.tokens}};
    if (!r.error.empty()) row["error"] = r.error;
    if (r.mode == "vote") {
      row["local"] = r.local_text;
      row["remote"] = r.remote_text;
    }
    j["rows"].push_back(std::move(row));
  }
  return j.dump(1, ' ', false, ordered_json::error_handler_t::replace) + "\n";
}

std::string report_markdown(const EvalReport& report) {
  std::ostringstream md;
  md << "# crossocr eval " << report.started << " (crossocr " << report.version << ")\n\n"
     << markdown_summary(report);
  for (const SetModeMetrics& s : report.summary) {
    if (!all_failed(s)) continue;
    const auto first = std::find_if(report.rows.begin(), report.rows.end(),
                                    [&](const EvalRow& r) { return r.set == s.set && r.mode == s.mode && r.failed; });
    md << "\n" << s.set << " / " << s.mode << ": every reading failed, so its figures are not a measure of the "
       << "reader" << (first != report.rows.end() && !first->error.empty() ? " (first error: " + first->error + ")" : "")
       << "\n";
  }
  for (const SetModeMetrics& s : report.summary) {
    if (!s.metrics.status_counts.empty()) {
      md << "\n" << s.set << " / " << s.mode << " statuses: " << status_line(s.metrics) << "\n";
    }
  }
  md << "\nReliability (confidence bins: how many, the confidence they claimed, how many were right):\n\n";
  for (const SetModeMetrics& s : report.summary) {
    md << "- " << s.set << " / " << s.mode << ": " << reliability_line(s.metrics) << "\n";
  }
  md << "\nCoverage and accuracy (results whose confidence reaches each --flag-below: how often right, "
        "and their share of the set):\n\n";
  for (const SetModeMetrics& s : report.summary) {
    md << "- " << s.set << " / " << s.mode << ": " << coverage_line(s.metrics) << "\n";
  }
  return md.str();
}

std::string report_html(const EvalReport& report) {
  std::ostringstream h;
  h << "<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>crossocr eval "
    << html_escape(report.started) << "</title>\n<style>"
       "body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
       "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;"
       "text-align:right}th{background:#f4f4f4}td.l,th.l{text-align:left}"
       "mark{background:#ffd84d}mark.gap{background:#ff9c9c}code{font-size:15px}"
       "img{max-height:60px;image-rendering:pixelated}pre{white-space:pre-wrap}</style></head><body>\n"
    << "<h1>crossocr eval</h1><p>" << html_escape(report.started) << " · crossocr "
    << html_escape(report.version) << "</p>\n<pre>" << html_escape(report.options) << "</pre>\n"
    << html_summary(report);
  for (const SetModeMetrics& s : report.summary) h << html_set_section(report, s);
  h << "</body></html>\n";
  return h.str();
}

}  // namespace crossocr

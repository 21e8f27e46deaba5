#include "crossocr/alignment.hpp"
#include "crossocr/evaluation.hpp"

#include "remote/digest.hpp"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace crossocr {
namespace {

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
          {"exact_ci", m.exact_ci},
          {"exact_ci_rate", number_or_null(m.exact_ci_rate)},
          {"wrong", m.wrong},
          {"correct", m.correct},
          {"correct_rate", number_or_null(m.correct_rate)},
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
          {"reliability", reliability_json(m)}};
}

std::string percent(const std::optional<double>& x) {
  if (!x) return "–";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", *x * 100);
  return buf;
}

std::string fixed(const std::optional<double>& x, const char* format = "%.3f") {
  if (!x) return "–";
  char buf[32];
  std::snprintf(buf, sizeof buf, format, *x);
  return buf;
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

std::string image_data_url(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  if (bytes.size() > (2u << 20)) return {};  // a report is for looking at, not a copy of the set
  std::string ext = std::filesystem::path(path).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string mime = ext == ".jpg" || ext == ".jpeg" ? "image/jpeg"
                           : ext == ".gif"                  ? "image/gif"
                           : ext == ".webp"                 ? "image/webp"
                                                            : "image/png";
  return "data:" + mime + ";base64," + remote::base64_encode(bytes);
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
     << "| set | mode | images | exact | exact (any case) | CER | WER | case errors | median ms | "
        "images/s | flagged | flag precision | flag recall | unflagged accuracy @ coverage | ECE |\n"
     << "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n";
  for (const SetModeMetrics& s : report.summary) {
    const SetMetrics& m = s.metrics;
    char ips[32];
    std::snprintf(ips, sizeof ips, "%.1f", s.images_per_second);
    md << "| " << s.set << (m.case_sensitive ? "" : " (case-insensitive)") << " | " << s.mode
       << " | " << m.images << " | " << percent(m.correct_rate) << " | " << percent(m.exact_ci_rate)
       << " | " << fixed(m.cer) << " | " << fixed(m.wer) << " | " << m.case_errors << " | "
       << fixed(m.latency_median_ms, "%.1f") << " | " << ips << " | " << m.flagged << " | "
       << percent(m.flag_precision) << " | " << percent(m.flag_recall) << " | "
       << percent(m.unflagged_accuracy) << " @ " << percent(m.coverage) << " | "
       << fixed(m.calibration_error) << " |\n";
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
    << "<table id=summary><thead><tr><th class=l>set</th><th class=l>mode</th><th>images</th>"
       "<th>exact</th><th>exact (any case)</th><th>CER</th><th>WER</th><th>case errors</th>"
       "<th>median ms</th><th>images/s</th><th>flagged</th><th>flag precision</th>"
       "<th>flag recall</th><th>unflagged accuracy</th><th>coverage</th><th>ECE</th></tr></thead><tbody>\n";
  for (const SetModeMetrics& s : report.summary) {
    const SetMetrics& m = s.metrics;
    char ips[32];
    std::snprintf(ips, sizeof ips, "%.1f", s.images_per_second);
    h << "<tr data-set=\"" << html_escape(s.set) << "\" data-mode=\"" << s.mode << "\"><td class=l>"
      << html_escape(s.set) << "</td><td class=l>" << s.mode << "</td><td>" << m.images
      << "</td><td class=exact>" << percent(m.correct_rate) << "</td><td>" << percent(m.exact_ci_rate)
      << "</td><td class=cer>" << fixed(m.cer) << "</td><td>" << fixed(m.wer) << "</td><td>"
      << m.case_errors << "</td><td>" << fixed(m.latency_median_ms, "%.1f") << "</td><td>" << ips
      << "</td><td>" << m.flagged << "</td><td>" << percent(m.flag_precision) << "</td><td>"
      << percent(m.flag_recall) << "</td><td>" << percent(m.unflagged_accuracy) << "</td><td>"
      << percent(m.coverage) << "</td><td class=ece>" << fixed(m.calibration_error) << "</td></tr>\n";
  }
  h << "</tbody></table>\n";
  for (const SetModeMetrics& s : report.summary) {
    h << "<h2>" << html_escape(s.set) << " · " << s.mode << "</h2>\n";
    if (!s.metrics.status_counts.empty()) {
      h << "<p class=statuses>statuses: " << html_escape(status_line(s.metrics)) << "</p>\n";
    }
    h << "<p class=reliability>reliability: " << html_escape(reliability_line(s.metrics)) << "</p>\n";
    std::string dir;
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
  }
  h << "</body></html>\n";
  return h.str();
}

}  // namespace crossocr

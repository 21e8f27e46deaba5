#include "crossocr/reconciler.hpp"

#include "local/glyph_case.hpp"

#include <algorithm>
#include <cstdio>

namespace crossocr {
namespace {

// Local glyph index of each code point of the local text (-1 for the spaces and line breaks
// between glyphs, which have no glyph).
std::vector<int> glyph_of_char(const Reading& local) {
  std::vector<int> map;
  int g = 0;
  for (char32_t c : to_code_points(local.text)) {
    const bool gap = c == U' ' || c == U'\n' || c == U'\t';
    map.push_back(gap || g >= static_cast<int>(local.glyphs.size()) ? -1 : g++);
  }
  return map;
}

bool same_letter_other_case(const std::string& a, const std::string& b) {
  const auto ca = to_code_points(a), cb = to_code_points(b);
  return ca.size() == 1 && cb.size() == 1 && ca != cb && to_lower(ca[0]) == to_lower(cb[0]);
}

bool is_upper(const std::string& letter) {
  const auto c = to_code_points(letter);
  return c.size() == 1 && to_lower(c[0]) != c[0];
}

struct Choice {
  bool take_local = true;
  bool strong = false;
  double confidence = 0.0;
  std::string why;
};

std::string describe(const AlignedPair& p, double local_conf, double remote_conf) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "'%s' (local %.2f) vs '%s' (remote %.2f)",
                p.left.empty() ? "" : p.left.c_str(), local_conf,
                p.right.empty() ? "" : p.right.c_str(), remote_conf);
  return buf;
}

}  // namespace

std::string_view to_string(VerdictStatus status) {
  switch (status) {
    case VerdictStatus::kAgree: return "agree";
    case VerdictStatus::kCaseConflict: return "case_conflict";
    case VerdictStatus::kConflict: return "conflict";
    case VerdictStatus::kLocalOnly: return "local_only";
    case VerdictStatus::kRemoteOnly: return "remote_only";
    case VerdictStatus::kFailed: return "failed";
  }
  return "unknown";
}

Verdict reconcile(const Reading& local, const Reading& remote, const ReconcilePolicy& policy) {
  Verdict v;
  if (!local.ok() && !remote.ok()) {
    v.status = VerdictStatus::kFailed;
    v.reason = "neither engine read the image: local: " + local.status.message() + "; remote: " + remote.status.message();
    return v;
  }
  if (!local.ok() || !remote.ok()) {
    const bool local_side = local.ok();
    const Reading& r = local_side ? local : remote;
    v.text = r.text;
    v.source = local_side ? "local" : "remote";
    v.status = local_side ? VerdictStatus::kLocalOnly : VerdictStatus::kRemoteOnly;
    v.confidence = r.confidence;
    v.reason = std::string("unverified: the ") + (local_side ? "remote" : "local") +
               " reading failed: " + (local_side ? remote.status.message() : local.status.message());
    return v;
  }

  v.alignment = align(local.text, remote.text);
  if (local.text == remote.text) {
    // Two independent readers making the same mistake is rare: the chance both are wrong is at
    // most the product of their chances.
    v.text = local.text;
    v.source = "local";
    v.status = VerdictStatus::kAgree;
    v.confidence = 1.0 - (1.0 - local.confidence) * (1.0 - remote.confidence);
    v.flagged = false;
    return v;
  }

  const std::vector<int> glyph_at = glyph_of_char(local);
  auto local_confidence = [&](int index) {
    const int g = index >= 0 && index < static_cast<int>(glyph_at.size()) ? glyph_at[index] : -1;
    return g >= 0 ? local.glyphs[g].confidence : local.confidence;
  };
  // Where the local reader weighed the remote's character as a runner-up for the glyph, its own
  // choice leads by only the difference: the two readers then differ less than they seem.
  auto lead_over = [&](int glyph, const std::string& rival, double lc) {
    if (glyph < 0) return lc;
    for (const GlyphChoice& alternative : local.glyphs[glyph].alternatives) {
      if (alternative.text == rival) return std::max(0.0, lc - alternative.confidence);
    }
    return lc;
  };
  auto by_policy = [&](double lc, double rc) {
    Choice c;
    c.take_local = policy.prefer == Preference::kLocal ||
                   (policy.prefer == Preference::kConfidence && lc >= rc);
    const double margin = c.take_local ? lc - rc : rc - lc;
    c.strong = margin >= policy.flag_margin;
    c.confidence = std::clamp(margin, 0.0, 1.0);
    return c;
  };

  bool case_only = true, took_local = false, took_remote = false, flagged = false;
  double weakest = 1.0;
  std::vector<std::string> doubts;
  for (const AlignedPair& p : v.alignment) {
    const double lc = local_confidence(p.left_index), rc = remote.confidence;
    if (p.op == EditOp::kMatch) {
      v.text += p.left;
      weakest = std::min(weakest, 1.0 - (1.0 - lc) * (1.0 - rc));
      continue;
    }
    Choice c;
    const bool case_pair = p.op == EditOp::kSubstitute && same_letter_other_case(p.left, p.right);
    case_only = case_only && case_pair;
    const int g = p.left_index >= 0 ? glyph_at[p.left_index] : -1;
    const auto size_says_upper = case_pair && g >= 0 ? upper_case_by_size(local, g) : std::nullopt;
    if (size_says_upper) {
      // The glyph's height against the line's capitals and x-height: evidence, not a guess.
      c.take_local = is_upper(p.left) == *size_says_upper;
      c.strong = true;
      c.confidence = std::max(lc, rc);
    } else {
      c = by_policy(p.op == EditOp::kSubstitute ? lead_over(g, p.right, lc) : lc, rc);
    }
    (c.take_local ? took_local : took_remote) = true;
    v.text += c.take_local ? p.left : p.right;
    weakest = std::min(weakest, c.confidence);
    if (!c.strong) {
      flagged = true;
      doubts.push_back(describe(p, lc, rc));
    }
  }
  v.status = case_only ? VerdictStatus::kCaseConflict : VerdictStatus::kConflict;
  v.source = took_local && took_remote ? "merged" : took_local ? "local" : "remote";
  v.confidence = weakest;
  v.flagged = flagged;
  if (flagged) {
    v.reason = std::string(case_only ? "case" : "text") + " differs without strong evidence: ";
    for (std::size_t i = 0; i < doubts.size(); ++i) v.reason += (i ? "; " : "") + doubts[i];
  }
  return v;
}

}  // namespace crossocr

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

// The local reading with the glyph behind each of its characters: glyphs carry the per-character
// confidences and the runners-up the local reader weighed.
struct LocalSide {
  const Reading& reading;
  std::vector<int> glyph_at;  // per code point of the text; -1 where no glyph is
};

int glyph_behind(const LocalSide& local, int index) {
  return index >= 0 && index < static_cast<int>(local.glyph_at.size()) ? local.glyph_at[index] : -1;
}

// A character without a glyph of its own has only the reading's confidence.
double char_confidence(const LocalSide& local, int index) {
  const int g = glyph_behind(local, index);
  return g >= 0 ? local.reading.glyphs[g].confidence : local.reading.confidence;
}

// Where the local reader weighed the remote's character as a runner-up for the glyph, its own
// choice leads by only the difference: the two readers then differ less than they seem.
double lead_over(const LocalSide& local, int glyph, const std::string& rival, double lc) {
  if (glyph < 0) return lc;
  for (const GlyphChoice& alternative : local.reading.glyphs[glyph].alternatives) {
    if (alternative.text == rival) return std::max(0.0, lc - alternative.confidence);
  }
  return lc;
}

// Two independent readers making the same mistake is rare: the chance both are wrong is at most
// the product of their chances.
double both_right(double a, double b) { return 1.0 - (1.0 - a) * (1.0 - b); }

Choice by_policy(const ReconcilePolicy& policy, double lc, double rc) {
  Choice c;
  c.take_local = policy.prefer == Preference::kLocal ||
                 (policy.prefer == Preference::kConfidence && lc >= rc);
  const double margin = c.take_local ? lc - rc : rc - lc;
  c.strong = margin >= policy.flag_margin;
  c.confidence = std::clamp(margin, 0.0, 1.0);
  return c;
}

// Picks one engine's character where the two differ.
Choice choose(const AlignedPair& p, bool case_pair, const LocalSide& local, double lc, double rc,
              const ReconcilePolicy& policy) {
  const int g = glyph_behind(local, p.left_index);
  const auto size_says_upper =
      case_pair && g >= 0 ? upper_case_by_size(local.reading, g) : std::nullopt;
  if (!size_says_upper) {
    const double lead = p.op == EditOp::kSubstitute ? lead_over(local, g, p.right, lc) : lc;
    return by_policy(policy, lead, rc);
  }
  // The glyph's height against the line's capitals and x-height: evidence, not a guess.
  Choice c;
  c.take_local = is_upper(p.left) == *size_says_upper;
  c.strong = true;
  c.confidence = std::max(lc, rc);
  return c;
}

std::string describe(const AlignedPair& p, double local_conf, double remote_conf) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "'%s' (local %.2f) vs '%s' (remote %.2f)",
                p.left.empty() ? "" : p.left.c_str(), local_conf,
                p.right.empty() ? "" : p.right.c_str(), remote_conf);
  return buf;
}

Verdict neither_read(const Reading& local, const Reading& remote) {
  Verdict v;
  v.status = VerdictStatus::kFailed;
  v.reason = "neither engine read the image: local: " + local.status.message() + "; remote: " + remote.status.message();
  return v;
}

Verdict one_side_read(const Reading& local, const Reading& remote) {
  Verdict v;
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

Verdict agreement(const Reading& local, const Reading& remote) {
  Verdict v;
  v.alignment = align(local.text, remote.text);
  v.text = local.text;
  v.source = "local";
  v.status = VerdictStatus::kAgree;
  v.confidence = both_right(local.confidence, remote.confidence);
  v.flagged = false;
  return v;
}

// The text taken character by character; every choice made without strong evidence is a doubt.
Verdict merge_differences(const Reading& local, const Reading& remote,
                          const ReconcilePolicy& policy) {
  Verdict v;
  v.alignment = align(local.text, remote.text);
  const LocalSide side{local, glyph_of_char(local)};
  bool case_only = true, took_local = false, took_remote = false;
  double weakest = 1.0;
  std::vector<std::string> doubts;
  for (const AlignedPair& p : v.alignment) {
    const double lc = char_confidence(side, p.left_index), rc = remote.confidence;
    if (p.op == EditOp::kMatch) {
      v.text += p.left;
      weakest = std::min(weakest, both_right(lc, rc));
      continue;
    }
    const bool case_pair = p.op == EditOp::kSubstitute && same_letter_other_case(p.left, p.right);
    case_only = case_only && case_pair;
    if (case_pair && !policy.case_sensitive) {  // the case the user does not care about: no doubt
      v.text += p.left;
      weakest = std::min(weakest, both_right(lc, rc));
      continue;
    }
    const Choice c = choose(p, case_pair, side, lc, rc, policy);
    (c.take_local ? took_local : took_remote) = true;
    v.text += c.take_local ? p.left : p.right;
    weakest = std::min(weakest, c.confidence);
    if (!c.strong) doubts.push_back(describe(p, lc, rc));
  }
  v.status = case_only ? VerdictStatus::kCaseConflict : VerdictStatus::kConflict;
  v.source = took_local && took_remote ? "merged" : took_local ? "local" : "remote";
  v.confidence = weakest;
  v.flagged = !doubts.empty();
  if (v.flagged) {
    v.reason = std::string(case_only ? "case" : "text") + " differs without strong evidence: ";
    for (std::size_t i = 0; i < doubts.size(); ++i) v.reason += (i ? "; " : "") + doubts[i];
  }
  return v;
}

// One side read nothing at all: the other's text stands, but nothing supports it.
Verdict single_sourced(const Reading& local, const Reading& remote) {
  Verdict v;
  v.alignment = align(local.text, remote.text);
  const bool local_side = !local.text.empty();
  const Reading& r = local_side ? local : remote;
  v.text = r.text;
  v.source = local_side ? "local" : "remote";
  v.status = VerdictStatus::kConflict;
  v.confidence = r.confidence;
  v.reason = std::string("unverified: the ") + (local_side ? "remote" : "local") + " reader read nothing, so '" +
             v.text + "' rests on the " + v.source + " reading alone";
  return v;
}

// Readings that differ in most of their characters are not one text misread in places: whichever
// is chosen, the other does not support it.
bool same_ignoring_case(const std::string& a, const std::string& b) { return folded(a) == folded(b); }

// Case does not count here: a size-only letter read in the other case is a misreading in place.
bool wholly_different(const std::string& a, const std::string& b) {
  const std::u32string x = folded(a), y = folded(b);
  return 2 * edit_distance(x, y) > std::max(x.size(), y.size());
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
  if (!local.ok() && !remote.ok()) return neither_read(local, remote);
  if (!local.ok() || !remote.ok()) return one_side_read(local, remote);
  if (local.text.empty() && remote.text.empty()) {
    Verdict v = agreement(local, remote);
    v.flagged = true;
    v.reason = "neither engine read any text";
    return v;
  }
  if (local.text.empty() || remote.text.empty()) return single_sourced(local, remote);
  if (local.text == remote.text) return agreement(local, remote);
  if (!policy.case_sensitive && same_ignoring_case(local.text, remote.text)) return agreement(local, remote);
  Verdict v = merge_differences(local, remote, policy);
  if (wholly_different(local.text, remote.text)) {
    v.flagged = true;
    v.reason = "the readings are wholly different (local '" + local.text + "', remote '" + remote.text +
               "'): neither supports the other";
  }
  return v;
}

}  // namespace crossocr

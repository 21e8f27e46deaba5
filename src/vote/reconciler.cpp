#include "crossocr/reconciler.hpp"

#include "local/glyph_case.hpp"
#include "text/glyph_map.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace crossocr {
namespace {

// Local glyph index of each code point of the local text (-1 for white space). Glyphs that do not
// spell the text are no evidence for any of its characters.
std::vector<int> glyph_of_char(const Reading& local) {
  std::vector<int> map = glyph_of_each_code_point(local);
  if (map.empty()) map.assign(to_code_points(local.text).size(), -1);
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
  bool strong = false;     // right with at least the policy's flag_below
  bool supported = false;  // evidence on both sides accounts for the difference (see below)
  bool by_ink = false;     // settled by the glyph's ink height, not by either reader's confidence
  double confidence = 0.0;
};

// The local reading with the glyph behind each of its characters: glyphs carry the per-character
// confidences and the runners-up the local reader weighed.
struct LocalSide {
  const Reading& reading;
  std::vector<int> glyph_at;  // per code point of the text; -1 where no glyph is
  std::vector<double> glyph_right;  // per glyph: the chance it is right, on the reading's scale
};

// A network's glyph confidences are per-step softmax values, far surer than the reading's
// calibrated confidence p (a multi-line label's glyphs at 0.99 each in a reading right 57% of the
// time). Set beside the remote's per-character chance they would outvote a remote that is right
// 85% of the time. So the reading's chance of being wrong, 1 - p, is shared among its glyphs in
// proportion to each glyph's own doubt (evenly when the glyphs show none): a glyph's chance of
// being right is 1 minus its share. (reconcile() has made every confidence a probability.)
std::vector<double> glyph_right_on_reading_scale(const Reading& local) {
  const std::size_t n = local.glyphs.size();
  double doubt = 0.0;
  for (const Glyph& g : local.glyphs) doubt += 1.0 - g.confidence;
  const double wrong = 1.0 - local.confidence;
  std::vector<double> right(n, 1.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double share = doubt > 1e-6 ? (1.0 - local.glyphs[i].confidence) / doubt : 1.0 / n;
    right[i] = 1.0 - wrong * share;
  }
  return right;
}

// The remote model says nothing per character: a wrong reading is most often one character
// misread (a look-alike, a case, a letter dropped or doubled), so its chance of being wrong,
// 1 - q, is shared evenly among its characters.
double remote_char_right(const Reading& remote) {
  const std::size_t n = std::max<std::size_t>(1, to_code_points(remote.text).size());
  return 1.0 - (1.0 - remote.confidence) / static_cast<double>(n);
}

int glyph_behind(const LocalSide& local, int index) {
  return index >= 0 && index < static_cast<int>(local.glyph_at.size()) ? local.glyph_at[index] : -1;
}

// A character without a glyph of its own has only the reading's confidence.
double char_confidence(const LocalSide& local, int index) {
  const int g = glyph_behind(local, index);
  return g >= 0 ? local.glyph_right[g] : local.reading.confidence;
}

// The network's own confidence in a glyph: what it says of the ink around it (used for the gap
// between two glyphs, where the reading's overall doubt says nothing).
double glyph_confidence(const LocalSide& local, int index) {
  const int g = glyph_behind(local, index);
  return g >= 0 ? local.reading.glyphs[g].confidence : local.reading.confidence;
}

// How sure the local reader is that no `extra` stands between its characters `before` and
// `before + 1` (where the remote reads one more): it read both neighbours and no letter between
// them, so it is as sure of the gap as of the weaker neighbour, by `confidence` (the network's
// own word or the reading's scale). A line's end has one neighbour. Its letters' confidences say
// nothing of the width between them: for a space the remote adds, only the reading's
// confidence speaks.
double gap_confidence(const LocalSide& local, int before, const std::string& extra,
                      double (*confidence)(const LocalSide&, int)) {
  const int chars = static_cast<int>(local.glyph_at.size());
  if (chars == 0 || extra == " " || extra == "\n" || extra == "\t") return local.reading.confidence;
  const double left = before >= 0 ? confidence(local, before) : 1.0;
  const double right = before + 1 < chars ? confidence(local, before + 1) : 1.0;
  return std::min(left, right);
}

// The local reader weighed the remote's character for this glyph itself: the two readers saw
// the same ambiguity, and the difference is a choice between candidates both considered. A
// network weighs every character it knows at every glyph; one sure of its glyph (at least
// kSureGlyph) and not listing the remote's character among its runners-up rejected it outright,
// which is evidence too. A glyph it was unsure of between other candidates is not.
constexpr double kSureGlyph = 0.99;

bool weighed_by_local(const LocalSide& local, int glyph, const std::string& rival) {
  if (glyph < 0) return false;
  const auto& alternatives = local.reading.glyphs[glyph].alternatives;
  return std::any_of(alternatives.begin(), alternatives.end(), [&](const GlyphChoice& a) { return a.text == rival; });
}

// (Asked only where weighed_by_local said no: the rival is not among the runners-up.)
bool rejected_by_local(const LocalSide& local, int glyph, const std::string& rival) {
  if (glyph < 0) return false;
  const auto rival_code = to_code_points(rival);
  const bool visible = rival_code.size() == 1 && rival_code[0] > U' ';
  return visible && local.reading.glyphs[glyph].confidence >= kSureGlyph;
}

// The local reader found ink of its own for the letter the remote lacks: a glyph box that its
// neighbours' boxes do not cover (a letter read twice would sit on its neighbour's ink).
bool has_own_ink(const LocalSide& local, int glyph) {
  if (glyph < 0) return false;
  const auto& glyphs = local.reading.glyphs;
  const cv::Rect box = glyphs[glyph].box;
  if (box.width <= 0) return false;
  const auto overlap = [&](int other) {
    if (other < 0 || other >= static_cast<int>(glyphs.size())) return 0;
    return (box & glyphs[other].box).width;
  };
  return 2 * std::max(overlap(glyph - 1), overlap(glyph + 1)) < box.width;
}

// A glyph box this much wider than the reading's median may hold two letters: a network that
// reads by columns (CTC) merges a doubled letter into one unless it sees a gap between them.
constexpr double kWideGlyph = 1.3;

bool narrow_glyph(const LocalSide& local, int glyph) {
  std::vector<int> widths;
  for (const Glyph& g : local.reading.glyphs) {
    if (g.box.width > 0) widths.push_back(g.box.width);
  }
  if (widths.empty()) return true;
  std::nth_element(widths.begin(), widths.begin() + widths.size() / 2, widths.end());
  return local.reading.glyphs[glyph].box.width <= kWideGlyph * widths[widths.size() / 2];
}

// The remote's extra character repeats the local character beside it: a letter read twice, as
// vision models do, where the local reader read it once from a box no wider than one letter's.
bool repeats_a_neighbour(const LocalSide& local, int before, const std::string& extra) {
  const std::u32string text = to_code_points(local.reading.text);
  const std::u32string letter = to_code_points(extra);
  if (letter.size() != 1) return false;
  const auto at = [&](int i) {
    if (i < 0 || i >= static_cast<int>(text.size()) || text[i] != letter[0]) return false;
    const int g = glyph_behind(local, i);
    return g < 0 || narrow_glyph(local, g);
  };
  return at(before) || at(before + 1);
}

// Where the local reader weighed the remote's character as a runner-up for the glyph, its own
// choice leads by only the difference: the two readers then differ less than they seem. `lc` is
// on the reading's scale; the runner-up takes its part of the glyph's doubt, 1 - lc, as it took
// of the network's (1 - the glyph's own confidence).
double lead_over(const LocalSide& local, int glyph, const std::string& rival, double lc) {
  if (glyph < 0) return lc;
  const Glyph& g = local.reading.glyphs[glyph];
  for (const GlyphChoice& alternative : g.alternatives) {
    if (alternative.text != rival) continue;
    const double network_doubt = std::max(1.0 - g.confidence, alternative.confidence);
    return std::max(0.0, lc - (1.0 - lc) * alternative.confidence / std::max(network_doubt, 1e-9));
  }
  return lc;
}

// Two readers that make the same mistake in the same place are rarer than either mistake: of the
// ways both can be wrong, at most this share yields the same wrong text (look-alikes make it
// more than chance).
constexpr double kSameMistake = 0.1;

// How often ink height settles the case of a size-only letter rightly when upper_case_by_size
// answers at all (it stays silent when the line's capitals and x-height are not clear apart).
constexpr double kCaseBySize = 0.99;

// The chance that a text two readers both read is right, from each one's chance of being right.
double right_when_agreed(double a, double b) {
  const double p = std::clamp(a, 0.01, 0.99), q = std::clamp(b, 0.01, 0.99);
  return p * q / (p * q + kSameMistake * (1.0 - p) * (1.0 - q));
}

// The chance that a reading (or character) is right given that the other reader's differs from
// it, so that at most one of them is right: c1 (1 - c2) / (1 - c1 c2), each kept inside (0, 1).
// No reader is held surer than 0.999 of a letter. The local reader's letters are on its reading's
// calibrated scale (glyph_right_on_reading_scale): a label right with probability 0.99 leaves
// each of its 14 letters about 0.0007 of doubt. Held at 0.995, such a letter lost to a remote
// look-alike at 0.98 (right 0.78: flagged); on generated lines against a simulated remote at 60%
// and 85%, 0.999 left 0.6-3.5 points more of them unflagged, none more of them wrong.
double right_despite(double chosen, double other) {
  const double c1 = std::clamp(chosen, 0.001, 0.999), c2 = std::clamp(other, 0.001, 0.999);
  return c1 * (1.0 - c2) / (1.0 - c1 * c2);
}

// Per-character chances closer than this are level: neither side's evidence for the character
// says more than the other's, and the more probable reading as a whole decides.
constexpr double kLevel = 0.01;

// `local_first`: the local reading as a whole is at least as probable as the remote's.
Choice by_policy(const ReconcilePolicy& policy, double lc, double rc, bool local_first = true) {
  Choice c;
  const bool local_surer = std::abs(lc - rc) < kLevel ? local_first : lc >= rc;
  c.take_local = policy.prefer == Preference::kLocal || (policy.prefer == Preference::kConfidence && local_surer);
  c.confidence = c.take_local ? right_despite(lc, rc) : right_despite(rc, lc);
  c.strong = c.confidence >= policy.flag_below;
  return c;
}

// Picks one engine's character where the two differ.
// `local_first`: the local reading as a whole is at least as probable as the remote's.
Choice choose(const AlignedPair& p, bool case_pair, const LocalSide& local, double lc, double rc, bool local_first,
              const ReconcilePolicy& policy) {
  const int g = glyph_behind(local, p.left_index);
  const auto size_says_upper =
      case_pair && g >= 0 ? upper_case_by_size(local.reading, g) : std::nullopt;
  if (!size_says_upper) {
    const double lead = p.op == EditOp::kSubstitute ? lead_over(local, g, p.right, lc) : lc;
    Choice c = by_policy(policy, lead, rc, local_first);
    if (p.op == EditOp::kSubstitute) {
      c.supported = weighed_by_local(local, g, p.right) || (c.take_local && rejected_by_local(local, g, p.right));
    } else if (p.op == EditOp::kDelete) {
      c.supported = c.take_local && has_own_ink(local, g);
    }
    return c;
  }
  // The glyph's height against the line's capitals and x-height: evidence, not a guess. Both
  // read the same letter; only its case was in doubt, and the geometry is clear.
  Choice c;
  c.take_local = is_upper(p.left) == *size_says_upper;
  c.strong = c.supported = c.by_ink = true;
  c.confidence = kCaseBySize;
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

std::string probability_reason(double probability, const ReconcilePolicy& policy) {
  char buf[96];
  std::snprintf(buf, sizeof buf, "right with probability %.2f, below --flag-below %.2f", probability,
                policy.flag_below);
  return buf;
}

// Agreed text is right unless both readers made the same mistake.
Verdict agreement(const Reading& local, const Reading& remote, const ReconcilePolicy& policy) {
  Verdict v;
  v.alignment = align(local.text, remote.text);
  v.text = local.text;
  v.source = "local";
  v.status = VerdictStatus::kAgree;
  v.confidence = right_when_agreed(local.confidence, remote.confidence);
  v.flagged = v.confidence < policy.flag_below;
  if (v.flagged) v.reason = probability_reason(v.confidence, policy);
  return v;
}

// The text taken character by character. Where the readers differ, each choice is right with
// the probability that one reader is right given that the other differs; the text with the
// product of those. Nothing verifies itself: a difference leaves the result flagged unless
// evidence accounts for it (ink height settling a case, the local reader having weighed the
// remote's character, a letter the remote read twice), and a choice below --flag-below is a
// doubt too; both are named in the reason.
Verdict merge_differences(const Reading& local, const Reading& remote,
                          const ReconcilePolicy& policy) {
  Verdict v;
  v.alignment = align(local.text, remote.text);
  const LocalSide side{local, glyph_of_char(local), glyph_right_on_reading_scale(local)};
  const double remote_char = remote_char_right(remote);
  const bool local_first = local.confidence >= remote.confidence;
  bool case_only = true, took_local = false, took_remote = false, by_confidence = false;
  double probability = 1.0;
  bool unsupported = false;
  std::vector<std::string> doubts;
  int last_left = -1;  // the local character before the current pair
  for (const AlignedPair& p : v.alignment) {
    // A character read differently is weighed on the readings' scale (see
    // glyph_right_on_reading_scale); a character one side has and the other has not is chosen by
    // the network's own word on the ink there against the remote reading as a whole: a letter
    // read twice or missed is what either reader does, and the reading's doubt does not say where.
    const bool substitution = p.op == EditOp::kSubstitute;
    const double lc = p.op == EditOp::kInsert ? gap_confidence(side, last_left, p.right, glyph_confidence)
                      : substitution          ? char_confidence(side, p.left_index)
                                              : glyph_confidence(side, p.left_index);
    // ... but how probable the verdict is, the reading's doubt does say: a reading the
    // calibration gives even odds may have missed a doubled letter its network was sure of.
    const double lc_reading = p.op == EditOp::kInsert ? gap_confidence(side, last_left, p.right, char_confidence)
                                                      : char_confidence(side, p.left_index);
    const double rc = substitution ? remote_char : remote.confidence;
    if (p.left_index >= 0) last_left = p.left_index;
    if (p.op == EditOp::kMatch) {
      v.text += p.left;
      continue;
    }
    const bool case_pair = p.op == EditOp::kSubstitute && same_letter_other_case(p.left, p.right);
    case_only = case_only && case_pair;
    if (case_pair && !policy.case_sensitive) {  // the case the user does not care about: no doubt
      v.text += p.left;
      continue;
    }
    Choice c = choose(p, case_pair, side, lc, rc, local_first, policy);
    if (p.op == EditOp::kInsert && c.take_local) c.supported = repeats_a_neighbour(side, last_left, p.right);
    if (!substitution) {
      c.confidence = c.take_local ? right_despite(lc_reading, rc) : right_despite(rc, lc_reading);
      c.strong = c.confidence >= policy.flag_below;
    }
    (c.take_local ? took_local : took_remote) = true;
    by_confidence = by_confidence || !c.by_ink;
    v.text += c.take_local ? p.left : p.right;
    probability *= c.confidence;
    if (!c.strong || !c.supported) doubts.push_back(describe(p, lc, rc) + (c.supported ? "" : " unaccounted for"));
    unsupported = unsupported || !c.supported;
  }
  v.status = case_only ? VerdictStatus::kCaseConflict : VerdictStatus::kConflict;
  v.source = took_local && took_remote ? "merged" : took_local ? "local" : "remote";
  // A verdict that took one reading whole on the readers' word has two estimates of its chance:
  // letter by letter, which knows where the readings differ but trusts a network's glyph
  // confidences (sure, at times, of the very letter it got wrong), and that reading against the
  // other whole, from the calibrated confidences. It gets their geometric mean, never more than
  // the first. (Ink height is evidence of another kind.)
  if (took_local != took_remote && by_confidence) {
    const double whole = took_local ? right_despite(local.confidence, remote.confidence)
                                    : right_despite(remote.confidence, local.confidence);
    probability = std::min(probability, std::sqrt(probability * whole));
  }
  v.confidence = probability;
  v.flagged = unsupported || probability < policy.flag_below;
  if (v.flagged) {
    v.reason = std::string(case_only ? "case" : "text") + " differs; " +
               (probability < policy.flag_below ? probability_reason(probability, policy)
                                                : "nothing on the other side supports the choice");
    for (std::size_t i = 0; i < doubts.size(); ++i) v.reason += (i ? "; " : ": ") + doubts[i];
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

// Readings that differ in most of their characters are not one text misread in places: no
// letter of one supports the other, so the whole of the more probable reading is taken (a merge
// would splice a word the remote made up into a code), flagged.
Verdict whole_reading(const Reading& local, const Reading& remote, const ReconcilePolicy& policy) {
  Verdict v;
  v.alignment = align(local.text, remote.text);
  const bool take_local = by_policy(policy, local.confidence, remote.confidence).take_local;
  const Reading& chosen = take_local ? local : remote;
  v.text = chosen.text;
  v.source = take_local ? "local" : "remote";
  v.status = VerdictStatus::kConflict;
  v.confidence = right_despite(chosen.confidence, (take_local ? remote : local).confidence);
  v.reason = "the readings are wholly different (local '" + local.text + "', remote '" + remote.text +
             "'): neither supports the other";
  return v;
}

bool same_ignoring_case(const std::string& a, const std::string& b) { return folded(a) == folded(b); }

// Case does not count here: a size-only letter read in the other case is a misreading in place.
bool wholly_different(const std::string& a, const std::string& b) {
  const std::u32string x = folded(a), y = folded(b);
  return 2 * edit_distance(x, y) > std::max(x.size(), y.size());
}

// A confidence as a probability: NaN (no evidence) is 0, anything else is kept inside [0, 1].
// std::clamp passes NaN through, and one NaN would make every product after it NaN.
double probability(double confidence) {
  return std::isnan(confidence) ? 0.0 : std::clamp(confidence, 0.0, 1.0);
}

bool is_probability(double confidence) { return confidence >= 0.0 && confidence <= 1.0; }

// Whether every confidence of `r` (its own, its glyphs', their runners-up') is a probability.
bool confidences_are_probabilities(const Reading& r) {
  if (!is_probability(r.confidence)) return false;
  for (const Glyph& g : r.glyphs) {
    if (!is_probability(g.confidence)) return false;
    for (const GlyphChoice& a : g.alternatives) {
      if (!is_probability(a.confidence)) return false;
    }
  }
  return true;
}

// `r` with each confidence made a probability: an engine (or a calibration map) that hands over
// NaN or 1.3 must not give the verdict a confidence outside [0, 1].
Reading with_probabilities(const Reading& r) {
  Reading out = r;
  out.confidence = probability(r.confidence);
  for (Glyph& g : out.glyphs) {
    g.confidence = probability(g.confidence);
    for (GlyphChoice& a : g.alternatives) a.confidence = probability(a.confidence);
  }
  return out;
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
  if (!confidences_are_probabilities(local) || !confidences_are_probabilities(remote)) {
    return reconcile(with_probabilities(local), with_probabilities(remote), policy);
  }
  if (!local.ok() && !remote.ok()) return neither_read(local, remote);
  if (!local.ok() || !remote.ok()) return one_side_read(local, remote);
  if (local.text.empty() && remote.text.empty()) {
    Verdict v = agreement(local, remote, policy);
    v.flagged = true;
    v.reason = "neither engine read any text";
    return v;
  }
  if (local.text.empty() || remote.text.empty()) return single_sourced(local, remote);
  if (local.text == remote.text) return agreement(local, remote, policy);
  if (!policy.case_sensitive && same_ignoring_case(local.text, remote.text)) return agreement(local, remote, policy);
  if (wholly_different(local.text, remote.text)) return whole_reading(local, remote, policy);
  return merge_differences(local, remote, policy);
}

}  // namespace crossocr

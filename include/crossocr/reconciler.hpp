// Reconciler: two readings of one image, compared case-sensitively with their confidences, become
// one Verdict: the chosen text, where it came from, and whether a person should look at it.
// A pure function: no I/O, no state.
#pragma once

#include "crossocr/alignment.hpp"
#include "crossocr/reading.hpp"

#include <string>
#include <vector>

namespace crossocr {

enum class VerdictStatus {
  kAgree,         // identical, case included
  kCaseConflict,  // identical but for case
  kConflict,      // different text
  kLocalOnly,     // the remote side failed or was unavailable
  kRemoteOnly,    // the local side failed
  kFailed,        // neither produced text
};

std::string_view to_string(VerdictStatus status);

enum class Preference { kConfidence, kLocal, kRemote };

struct ReconcilePolicy {
  Preference prefer = Preference::kConfidence;
  // A verdict whose probability of being right is below this is flagged (the Reader sets it
  // from ReaderOptions::flag_below: one threshold for every mode).
  double flag_below = 0.9;
  // False when the text's case does not matter to the user (codes that are read case-blind):
  // readings that differ only in case then agree, and case never raises a flag.
  bool case_sensitive = true;
};

struct Verdict {
  std::string text;
  std::string source;  // "local", "remote" or "merged" (chosen character by character)
  VerdictStatus status = VerdictStatus::kFailed;
  double confidence = 0.0;  // the probability that `text` is exactly right
  bool flagged = true;
  std::string reason;  // why it is flagged (empty when not)
  std::vector<AlignedPair> alignment;  // left = local, right = remote
};

Verdict reconcile(const Reading& local, const Reading& remote, const ReconcilePolicy& policy = {});

}  // namespace crossocr

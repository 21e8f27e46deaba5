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
  // A differing character is decided "with strong evidence" when the chosen engine's confidence
  // exceeds the other's by at least this much; anything weaker is flagged.
  double flag_margin = 0.25;
  // False when the text's case does not matter to the user (codes that are read case-blind):
  // readings that differ only in case then agree, and case never raises a flag.
  bool case_sensitive = true;
};

struct Verdict {
  std::string text;
  std::string source;  // "local", "remote" or "merged" (chosen character by character)
  VerdictStatus status = VerdictStatus::kFailed;
  double confidence = 0.0;
  bool flagged = true;
  std::string reason;  // why it is flagged (empty when not)
  std::vector<AlignedPair> alignment;  // left = local, right = remote
};

Verdict reconcile(const Reading& local, const Reading& remote, const ReconcilePolicy& policy = {});

}  // namespace crossocr

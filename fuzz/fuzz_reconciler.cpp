// The reconciler on two readings built from the fuzz bytes: any texts (valid UTF-8 or not), any
// confidences (NaN, infinities and negatives included), glyphs with boxes, ink heights and
// runners-up. Whatever the readings, the verdict's confidence is a probability.
#include "crossocr/reconciler.hpp"
#include "fuzz_support.hpp"

#include <cmath>

using crossocr::fuzz::Bytes;
using crossocr::fuzz::require;

namespace {

crossocr::Glyph glyph(Bytes& in) {
  crossocr::Glyph g;
  g.text = in.text(4);
  g.confidence = in.confidence();
  g.box = cv::Rect(in.byte(), in.byte(), static_cast<std::int8_t>(in.byte()), static_cast<std::int8_t>(in.byte()));
  g.ink_height = in.byte() < 128 ? in.byte() / 4.0 : in.any_double();
  for (int n = in.byte() % 4; n > 0; --n) g.alternatives.push_back({in.text(4), in.confidence()});
  return g;
}

crossocr::Reading reading(Bytes& in, const char* engine) {
  crossocr::Reading r;
  r.engine = engine;
  const std::uint8_t flags = in.byte();
  if (flags & 1) r.status = crossocr::Status(crossocr::StatusCode::kDecode, "failed");
  r.text = in.text(24);
  r.confidence = in.confidence();
  for (int n = in.byte() % 12; n > 0; --n) r.glyphs.push_back(glyph(in));
  return r;
}

crossocr::ReconcilePolicy policy(Bytes& in) {
  crossocr::ReconcilePolicy p;
  const std::uint8_t flags = in.byte();
  p.prefer = static_cast<crossocr::Preference>(flags % 3);
  p.case_sensitive = (flags & 4) == 0;
  p.flag_below = in.byte() / 255.0;  // the CLI refuses anything outside [0, 1]
  return p;
}

void check(const crossocr::Verdict& v, const crossocr::Reading& local, const crossocr::Reading& remote,
           const crossocr::ReconcilePolicy& p) {
  require(std::isfinite(v.confidence) && v.confidence >= 0.0 && v.confidence <= 1.0,
          "a verdict's confidence is in [0, 1]");
  require(!v.flagged || !v.reason.empty(), "a flagged verdict says why");
  require(v.flagged || v.confidence >= p.flag_below, "an unflagged verdict is at least flag_below sure");
  if (v.status == crossocr::VerdictStatus::kAgree) require(v.text == local.text, "agreement keeps the local text");
  (void)remote;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  const crossocr::ReconcilePolicy p = policy(in);
  const crossocr::Reading local = reading(in, "local");
  const crossocr::Reading remote = reading(in, "remote");
  check(crossocr::reconcile(local, remote, p), local, remote, p);
  return 0;
}

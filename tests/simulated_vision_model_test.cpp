#include "simulated_vision_model.hpp"

#include "crossocr/evaluation.hpp"
#include "remote/answer_cleaner.hpp"
#include "remote/digest.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace crossocr::testing {
namespace {

std::string digest_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return remote::sha256_hex(std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()});
}

// The stand-in is right on the share of images asked for, the same images every run, and its
// errors are real errors (never the label by accident).
TEST(SimulatedVisionModel, IsRightOnTheAskedShareDeterministically) {
  const std::string dir = data_path("xor-strips");
  const LabelledSet set = load_labelled_set(dir);
  const SimulatedVisionModel model({dir}, 0.6, 7), again({dir}, 0.6, 7);
  EXPECT_EQ(model.known_images(), set.items.size());
  int right = 0, chatter = 0;
  for (const auto& [file, label] : set.items) {
    const std::string digest = digest_of(std::filesystem::path(dir) / file);
    const std::string answer = model.answer_for(digest, label);
    EXPECT_EQ(answer, again.answer_for(digest, label));
    if (answer == label) ++right;
    if (answer.starts_with("The text in the image is:")) {
      ++chatter;
      EXPECT_NE(remote::clean_answer(answer), label);  // the chatter hides an error too
    }
  }
  const double share = static_cast<double>(right) / set.items.size();
  EXPECT_NEAR(share, 0.6, 0.08);
  EXPECT_GT(chatter, 0);
}

}  // namespace
}  // namespace crossocr::testing

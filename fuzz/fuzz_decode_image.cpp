// Image decoding from memory, with small limits so that a header declaring a huge canvas is
// refused (as it must be) instead of the fuzzer running out of memory.
#include "crossocr/image_loader.hpp"
#include "fuzz_support.hpp"

using crossocr::fuzz::require;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  crossocr::ImageLimits limits;
  limits.max_file_bytes = 1 << 20;
  limits.max_pixels = 1 << 22;  // 4 megapixels: room for real images, not for a decompression bomb
  const crossocr::LoadedImage image = crossocr::decode_image({data, size}, limits);
  if (image.ok()) {
    require(!image.pixels.empty() && image.pixels.type() == CV_8UC3, "a decoded image is 8-bit BGR");
    require(image.pixels.total() <= limits.max_pixels, "a decoded image is within the pixel limit");
    require(image.pixels.cols >= 4 && image.pixels.rows >= 4, "a decoded image is at least 4x4");
    require(image.encoded.size() == size, "the encoded bytes are kept whole");
  } else {
    require(image.pixels.empty(), "a failed decode holds no pixels");
    require(!image.status.message().empty(), "a failed decode says why");
  }
  return 0;
}

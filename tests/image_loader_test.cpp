#include "crossocr/image_loader.hpp"

#include "test_support.hpp"

#include <gtest/gtest.h>
#include <leptonica/allheaders.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

namespace crossocr {
namespace {

using testing::ScratchDir;
using testing::kSeedStrip;

TEST(ImageLoader, ReadsTheSeedStripAsBgr) {
  const LoadedImage image = load_image(kSeedStrip);
  ASSERT_TRUE(image.ok()) << image.status.message();
  EXPECT_EQ(image.pixels.cols, 203);
  EXPECT_EQ(image.pixels.rows, 50);
  EXPECT_EQ(image.pixels.type(), CV_8UC3);
}

// Every format the issue names decodes to the same pixels as the PNG (lossless ones exactly,
// JPEG and lossy WebP closely).
class FormatTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FormatTest, DecodesToTheSeedStripPixels) {
  const cv::Mat reference = cv::imread(kSeedStrip, cv::IMREAD_COLOR);
  ScratchDir dir;
  const std::string ext = GetParam();
  const std::string path = dir.file("seed." + ext);
  if (ext == "gif") {
    // OpenCV 4.6 cannot write GIF; Leptonica can.
    PIX* pix = pixRead(kSeedStrip.c_str());
    ASSERT_NE(pix, nullptr);
    PIX* mapped = pixConvertRGBToColormap(pix, 1);
    ASSERT_EQ(pixWrite(path.c_str(), mapped, IFF_GIF), 0);
    pixDestroy(&mapped);
    pixDestroy(&pix);
  } else {
    ASSERT_TRUE(cv::imwrite(path, reference));
  }
  const LoadedImage image = load_image(path);
  ASSERT_TRUE(image.ok()) << ext << ": " << image.status.message();
  ASSERT_EQ(image.pixels.size(), reference.size());
  ASSERT_EQ(image.pixels.type(), CV_8UC3);
  const double mean_difference = cv::norm(image.pixels, reference, cv::NORM_L1) / reference.total();
  const bool lossy = ext == "jpg" || ext == "webp" || ext == "gif";
  EXPECT_LE(mean_difference, lossy ? 30.0 : 0.0) << ext;
}

INSTANTIATE_TEST_SUITE_P(Formats, FormatTest,
                         ::testing::Values("png", "jpg", "tiff", "bmp", "webp", "gif"));

TEST(ImageLoader, FlattensAlphaOntoWhite) {
  cv::Mat bgra(20, 20, CV_8UC4, cv::Scalar(0, 0, 0, 0));           // transparent black
  bgra(cv::Rect(5, 5, 10, 10)).setTo(cv::Scalar(0, 0, 0, 255));    // opaque black square
  std::vector<std::uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", bgra, png));
  const LoadedImage image = decode_image(png);
  ASSERT_TRUE(image.ok()) << image.status.message();
  EXPECT_EQ(image.pixels.at<cv::Vec3b>(0, 0), cv::Vec3b(255, 255, 255));
  EXPECT_EQ(image.pixels.at<cv::Vec3b>(10, 10), cv::Vec3b(0, 0, 0));
}

TEST(ImageLoader, SixteenBitGreyBecomesEightBitBgr) {
  cv::Mat grey16(10, 10, CV_16UC1, cv::Scalar(65535));
  std::vector<std::uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", grey16, png));
  const LoadedImage image = decode_image(png);
  ASSERT_TRUE(image.ok()) << image.status.message();
  EXPECT_EQ(image.pixels.type(), CV_8UC3);
  EXPECT_EQ(image.pixels.at<cv::Vec3b>(3, 3), cv::Vec3b(255, 255, 255));
}

// A JPEG whose EXIF block says "rotate 90 degrees clockwise to view" (orientation 6), as phone
// cameras write: the loader hands out the upright image, as viewers show it.
std::vector<std::uint8_t> jpeg_with_orientation(const cv::Mat& image, std::uint8_t orientation) {
  std::vector<std::uint8_t> jpeg;
  cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 100});
  // APP1: "Exif\0\0", a little-endian TIFF header, one directory with one entry (0x0112 SHORT).
  const std::vector<std::uint8_t> exif = {
      0xFF, 0xE1, 0x00, 0x22, 'E', 'x', 'i', 'f', 0, 0, 'I', 'I', 42, 0, 8, 0, 0, 0,
      1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, orientation, 0, 0, 0, 0, 0, 0, 0};
  jpeg.insert(jpeg.begin() + 2, exif.begin(), exif.end());  // right after the start of image
  return jpeg;
}

TEST(ImageLoader, JpegIsTurnedUprightByItsExifOrientation) {
  cv::Mat landscape(20, 40, CV_8UC3, cv::Scalar::all(255));
  landscape(cv::Rect(0, 0, 10, 10)).setTo(cv::Scalar::all(0));  // a dark block at the top left
  const LoadedImage plain = decode_image(jpeg_with_orientation(landscape, 1));
  ASSERT_TRUE(plain.ok()) << plain.status.message();
  EXPECT_EQ(plain.pixels.size(), cv::Size(40, 20));

  const LoadedImage turned = decode_image(jpeg_with_orientation(landscape, 6));
  ASSERT_TRUE(turned.ok()) << turned.status.message();
  ASSERT_EQ(turned.pixels.size(), cv::Size(20, 40));
  EXPECT_LT(turned.pixels.at<cv::Vec3b>(2, 17)[0], 60);   // the block is now at the top right
  EXPECT_GT(turned.pixels.at<cv::Vec3b>(2, 2)[0], 200);
}

TEST(ImageLoader, AnExifBlockThatLiesIsReadWithinItsBounds) {
  cv::Mat image(20, 40, CV_8UC3, cv::Scalar::all(128));
  std::vector<std::uint8_t> jpeg = jpeg_with_orientation(image, 6);
  for (std::size_t cut = 4; cut < 40; ++cut) {  // every truncation of the EXIF block
    std::vector<std::uint8_t> bytes(jpeg.begin(), jpeg.begin() + cut);
    EXPECT_FALSE(decode_image(bytes).ok()) << cut;
  }
  std::vector<std::uint8_t> far = jpeg;
  far[16] = 0xF0;  // the directory said to lie past the block's end
  std::vector<std::uint8_t> many = jpeg;
  many[20] = many[21] = 0xFF;  // 65,535 entries in a block that holds one
  const LoadedImage lost = decode_image(far);
  ASSERT_TRUE(lost.ok()) << lost.status.message();
  EXPECT_EQ(lost.pixels.size(), cv::Size(40, 20));  // as stored: no orientation could be read
  const LoadedImage counted = decode_image(many);
  ASSERT_TRUE(counted.ok()) << counted.status.message();
  EXPECT_EQ(counted.pixels.size(), cv::Size(20, 40));  // the one entry there is still read
}

struct BadInput {
  std::string name;
  std::string expected_error;
};

void PrintTo(const BadInput& input, std::ostream* os) { *os << input.name; }

class BadInputTest : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputTest, IsRefusedWithItsCause) {
  ScratchDir dir;
  const std::vector<std::string> bad = testing::write_bad_inputs(dir);
  const auto it = std::find_if(bad.begin(), bad.end(), [&](const std::string& p) {
    return p.ends_with("/" + GetParam().name);
  });
  ASSERT_NE(it, bad.end());
  const LoadedImage image = load_image(*it);
  EXPECT_FALSE(image.ok());
  EXPECT_TRUE(image.pixels.empty());
  EXPECT_NE(image.status.message().find(GetParam().expected_error), std::string::npos) << image.status.message();
}

INSTANTIATE_TEST_SUITE_P(
    SixKinds, BadInputTest,
    ::testing::Values(BadInput{"missing.png", "no such file"},
                      BadInput{"empty.png", "file is empty"},
                      BadInput{"notes.png", "not an image"},
                      BadInput{"truncated.png", "PNG data is corrupt or truncated"},
                      BadInput{"one-pixel.png", "1x1 pixels, too small"},
                      BadInput{"huge.png", "declares 100000x100000 pixels, over the limit"}),
    [](const auto& info) {
      std::string n = info.param.name.substr(0, info.param.name.find('.'));
      std::replace(n.begin(), n.end(), '-', '_');
      return n;
    });

TEST(ImageLoader, LimitsAreConfigurable) {
  ImageLimits tight;
  tight.max_pixels = 203 * 50 - 1;
  EXPECT_NE(load_image(kSeedStrip, tight).status.message().find("over the limit of 10149 pixels"),
            std::string::npos);
  tight = ImageLimits{};
  tight.max_file_bytes = 100;
  EXPECT_NE(load_image(kSeedStrip, tight).status.message().find("over the limit of 100"), std::string::npos);
}

// A Radiance HDR header can declare gigapixels in a few bytes; OpenCV would allocate them before
// any limit applied. Formats whose header crossocr cannot read first are refused undecoded.
TEST(ImageLoader, FormatsOutsideTheListAreRefusedBeforeDecoding) {
  const std::string hdr = "#?RADIANCE\nFORMAT=32-bit_rle_rgbe\n\n-Y 16384 +X 32767\n";
  const LoadedImage image = decode_image(std::span(reinterpret_cast<const std::uint8_t*>(hdr.data()), hdr.size()));
  EXPECT_EQ(image.status.code(), StatusCode::kDecode);
  EXPECT_NE(image.status.message().find("not an image in a format crossocr reads"), std::string::npos);
}

// Variants of a readable format that the decoder does not take are named as such, not as damage:
// a user with a float TIFF or a colour-masked BMP has nothing to repair, only to convert.
TEST(ImageLoader, UnreadVariantsOfReadFormatsSayWhatTheyAre) {
  ScratchDir dir;
  const std::string tiff = dir.file("float.tiff");
  cv::Mat grey = cv::imread(kSeedStrip, cv::IMREAD_GRAYSCALE), float_grey;
  grey.convertTo(float_grey, CV_32F, 1.0 / 255);
  ASSERT_TRUE(cv::imwrite(tiff, float_grey));
  const LoadedImage floats = load_image(tiff);
  EXPECT_EQ(floats.status.code(), StatusCode::kDecode);
  EXPECT_EQ(floats.status.message(),
            "a TIFF of 32 bits per sample (floating-point or 32-bit integer data), which crossocr does not "
            "decode: it reads 1 to 16 bits per sample");

  // A 32-bit BMP with a BITMAPINFOHEADER and BI_BITFIELDS masks, 8x8 white pixels.
  std::vector<std::uint8_t> bmp(14 + 40 + 12 + 8 * 8 * 4, 0xff);
  const auto put = [&](std::size_t at, std::uint32_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) bmp[at + i] = static_cast<std::uint8_t>(value >> (8 * i));
  };
  bmp[0] = 'B';
  bmp[1] = 'M';
  put(2, static_cast<std::uint32_t>(bmp.size()), 4);
  put(6, 0, 4);
  put(10, 14 + 40 + 12, 4);
  put(14, 40, 4), put(18, 8, 4), put(22, 8, 4), put(26, 1, 2), put(28, 32, 2), put(30, 3, 4);
  put(34, 8 * 8 * 4, 4), put(38, 2835, 4), put(42, 2835, 4), put(46, 0, 4), put(50, 0, 4);
  put(54, 0x00ff0000, 4), put(58, 0x0000ff00, 4), put(62, 0x000000ff, 4);
  const LoadedImage masked = decode_image(bmp);
  EXPECT_EQ(masked.status.code(), StatusCode::kDecode);
  EXPECT_EQ(masked.status.message(),
            "a 32-bit BMP with BI_BITFIELDS colour masks, which crossocr does not decode: save it as PNG or "
            "as an uncompressed 24-bit BMP");
}

// What Leptonica, which decoded every PNG and JPEG before, gives for a file: 8-bit BGR, alpha
// flattened onto white.
cv::Mat leptonica_bgr(const std::vector<std::uint8_t>& bytes) {
  PIX* pix = pixReadMem(bytes.data(), bytes.size());
  if (pix == nullptr) return {};
  PIX* rgb = pixConvertTo32(pix);
  pixDestroy(&pix);
  if (pixGetSpp(rgb) == 4) {
    PIX* flat = pixAlphaBlendUniform(rgb, 0xffffff00);
    pixDestroy(&rgb);
    rgb = flat;
  }
  cv::Mat bgr(pixGetHeight(rgb), pixGetWidth(rgb), CV_8UC3);
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      l_int32 r = 0, g = 0, b = 0;
      pixGetRGBPixel(rgb, x, y, &r, &g, &b);
      bgr.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<std::uint8_t>(b), static_cast<std::uint8_t>(g),
                                          static_cast<std::uint8_t>(r));
    }
  }
  pixDestroy(&rgb);
  return bgr;
}

std::vector<std::uint8_t> bytes_of(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// PNG and JPEG are decoded by crossocr's own calls to libpng and libjpeg (to keep their messages
// off standard error): every bundled image, and the PNG kinds the sets lack, must come out with
// Leptonica's pixels, or readings would change with the decoder.
TEST(ImageLoader, PngAndJpegDecodeToLeptonicasPixels) {
  std::vector<std::vector<std::uint8_t>> files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(testing::data_path(""))) {
    const std::string ext = entry.path().extension().string();
    if (ext == ".png" || ext == ".jpg" || ext == ".jpeg") files.push_back(bytes_of(entry.path().string()));
  }
  ASSERT_GT(files.size(), 500u);
  const cv::Mat seed = cv::imread(kSeedStrip, cv::IMREAD_COLOR);
  cv::Mat grey, bgra, grey16;
  cv::cvtColor(seed, grey, cv::COLOR_BGR2GRAY);
  cv::cvtColor(seed, bgra, cv::COLOR_BGR2BGRA);
  for (int y = 0; y < bgra.rows; ++y) {
    for (int x = 0; x < bgra.cols; ++x) bgra.at<cv::Vec4b>(y, x)[3] = static_cast<std::uint8_t>((x * 5) % 256);
  }
  grey.convertTo(grey16, CV_16U, 257.0);
  const std::size_t with_alpha = files.size() + 1;
  for (const cv::Mat& made : {grey, bgra, grey16}) {
    std::vector<std::uint8_t> png;
    ASSERT_TRUE(cv::imencode(".png", made, png));
    files.push_back(png);
  }
  std::vector<std::uint8_t> grey_jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", grey, grey_jpeg));
  files.push_back(grey_jpeg);
  // Colour-mapped and 1-bit PNGs, as Leptonica writes them.
  PIX* pix = pixRead(kSeedStrip.c_str());
  PIX* mapped = pixConvertRGBToColormap(pix, 1);
  PIX* one_bit = pixConvertTo1(pix, 128);
  for (PIX* kind : {mapped, one_bit}) {
    l_uint8* data = nullptr;
    size_t size = 0;
    ASSERT_EQ(pixWriteMemPng(&data, &size, kind, 0.0f), 0);
    files.emplace_back(data, data + size);
    lept_free(data);
  }
  pixDestroy(&one_bit);
  pixDestroy(&mapped);
  pixDestroy(&pix);

  for (std::size_t i = 0; i < files.size(); ++i) {
    const LoadedImage ours = decode_image(files[i]);
    const cv::Mat theirs = leptonica_bgr(files[i]);
    ASSERT_TRUE(ours.ok()) << i << ": " << ours.status.message();
    ASSERT_EQ(ours.pixels.size(), theirs.size()) << i;
    // Alpha is blended with rounding of its own: within one level.
    const double worst = cv::norm(ours.pixels, theirs, cv::NORM_INF);
    EXPECT_LE(worst, i == with_alpha ? 1.0 : 0.0) << "file " << i << " of " << files.size();
  }
}

// An uncompressed 8-bit grey TIFF with its directory first (as PIL writes them), so that a copy
// cut short keeps its header and loses pixel rows.
std::vector<std::uint8_t> grey_tiff_directory_first(int width, int height) {
  std::vector<std::uint8_t> tiff = {'I', 'I', 42, 0, 8, 0, 0, 0};
  const auto put16 = [&](int v) { tiff.push_back(v & 0xFF), tiff.push_back((v >> 8) & 0xFF); };
  const auto put32 = [&](int v) { put16(v & 0xFFFF), put16((v >> 16) & 0xFFFF); };
  const std::vector<std::pair<int, int>> tags = {{256, width}, {257, height}, {258, 8}, {259, 1}, {262, 1},
                                                 {273, 8 + 2 + 9 * 12 + 4}, {277, 1}, {278, height},
                                                 {279, width * height}};
  put16(static_cast<int>(tags.size()));
  for (const auto& [tag, value] : tags) {
    put16(tag);
    put16(4);  // LONG
    put32(1);
    put32(value);
  }
  put32(0);
  for (int i = 0; i < width * height; ++i) tiff.push_back(static_cast<std::uint8_t>(i % 7 == 0 ? 0 : 255));
  return tiff;
}

// Damaged PNGs, JPEGs and TIFFs are refused with crossocr's one cause; libpng's, libjpeg's and
// Leptonica's own lines ("libpng error: ...", "Corrupt JPEG data: ...", "Bad file: amount too
// big") no longer reach standard error beside it.
TEST(ImageLoader, DamagedImagesAddNothingToStandardError) {
  const std::vector<std::uint8_t> tiff = grey_tiff_directory_first(64, 32);
  ASSERT_TRUE(decode_image(tiff).ok()) << decode_image(tiff).status.message();
  const std::vector<std::uint8_t> png = bytes_of(kSeedStrip);
  std::vector<std::uint8_t> jpeg;
  ASSERT_TRUE(cv::imencode(".jpg", cv::imread(kSeedStrip, cv::IMREAD_COLOR), jpeg));
  std::vector<std::vector<std::uint8_t>> damaged;
  for (const std::vector<std::uint8_t>& good : {png, jpeg}) {
    damaged.emplace_back(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(good.size() / 3));
    std::vector<std::uint8_t> scribbled = good;
    for (std::size_t at = good.size() / 2; at < good.size() / 2 + 40; ++at) scribbled[at] ^= 0x5A;
    damaged.push_back(scribbled);
  }
  std::vector<std::uint8_t> stray_marker = jpeg;  // a header scribbled over: "Bogus marker length"
  stray_marker[4] = stray_marker[5] = 0;
  damaged.push_back(stray_marker);
  // A start-of-image marker and then junk (the fuzzer's find): libjpeg's "Corrupt JPEG data: 13
  // extraneous bytes" came from Leptonica's header reader, which took it for a JPEG.
  damaged.push_back({0xff, 0xd8, 0x12, 0x01, 0x3f, 0x00, 0x00, 0x00, 0xa5, 0xa5, 0x2e, 0xa5, 0xa5, 0xa5, 0xa5,
                     0xff, 0xff, 0x47, 0x0e, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0x49});
  // Its rows cut off: Leptonica fills them with black and returns the image, which was then read.
  damaged.emplace_back(tiff.begin(), tiff.begin() + static_cast<std::ptrdiff_t>(tiff.size() / 2));
  ::testing::internal::CaptureStderr();
  std::vector<std::string> causes;
  for (const auto& bytes : damaged) causes.push_back(decode_image(bytes).status.message());
  const std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(printed, "");
  for (std::size_t i = 0; i < causes.size(); ++i) {
    EXPECT_NE(causes[i].find(i < 2 ? "PNG" : i < 6 ? "JPEG" : "TIFF"), std::string::npos) << i << ": " << causes[i];
    EXPECT_NE(causes[i].find("corrupt or truncated"), std::string::npos) << i << ": " << causes[i];
  }
}

TEST(ImageLoader, ADirectoryIsNotAnImage) {
  ScratchDir dir;
  EXPECT_NE(load_image(dir.path().string()).status.message().find("directory"), std::string::npos);
}

}  // namespace
}  // namespace crossocr

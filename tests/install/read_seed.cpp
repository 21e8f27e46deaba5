// A program a user would write against the installed library: public headers only.
//   read_seed IMAGE local|remote|vote [BASE_URL]
#include <crossocr/reader.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const std::string mode = argv[2];
  crossocr::ReaderOptions options;
  options.mode = mode == "vote" ? crossocr::Mode::kVote
                 : mode == "remote" ? crossocr::Mode::kRemote
                                    : crossocr::Mode::kLocal;
  if (argc > 3) {
    options.remote = crossocr::for_provider("llamacpp");  // a keyless, OpenAI-compatible server
    options.remote.base_url = argv[3];
    options.use_cache = false;
  }
  try {
    const auto reader = crossocr::Reader::open(options);
    const crossocr::ImageResult result = reader->read(crossocr::ImageSource{.name = argv[1]});
    if (!result.ok()) {
      std::cerr << result.reading.status.message() << "\n";
      return 1;
    }
    std::cout << result.reading.text << "\n";
    return result.verdict && result.verdict->status != crossocr::VerdictStatus::kAgree ? 1 : 0;
  } catch (const crossocr::ConfigError& e) {
    std::cerr << e.what() << "\n";
    return 3;
  }
}

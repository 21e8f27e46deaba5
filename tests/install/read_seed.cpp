// A program a user would write against the installed library: public headers only.
#include <crossocr/image_loader.hpp>
#include <crossocr/local_engine.hpp>

#include <iostream>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  const crossocr::LoadedImage image = crossocr::load_image(argv[1]);
  if (!image.ok()) {
    std::cerr << image.error << "\n";
    return 1;
  }
  crossocr::LocalEngine engine(crossocr::LocalOptions{});
  const crossocr::Reading reading = engine.read(image);
  std::cout << reading.text << "\n";
  return reading.ok() ? 0 : 1;
}

// crossocr_simulated_vlm: a loopback OpenAI-compatible server answering like a vision LLM that is
// right on a chosen share of images (see simulated_vision_model.hpp), for measuring vote mode.
//   crossocr_simulated_vlm --accuracy 0.6 [--seed N] SET_DIR...
// Prints its base URL on the first line and serves until standard input closes, e.g.
//   sleep infinity | crossocr_simulated_vlm --accuracy 0.6 data/xor-strips > url.txt &
#include "simulated_vision_model.hpp"

#include <httplib.h>

#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

int main(int argc, char** argv) {
  double accuracy = 0.6;
  std::uint64_t seed = 0;
  std::vector<std::string> sets;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--accuracy" && i + 1 < argc) {
      accuracy = std::atof(argv[++i]);
    } else if (arg == "--seed" && i + 1 < argc) {
      seed = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg.starts_with("-")) {
      sets.clear();  // an option it does not know (--help included): the usage below
      break;
    } else {
      sets.push_back(arg);
    }
  }
  if (sets.empty() || !(accuracy >= 0.0 && accuracy <= 1.0)) {
    std::cerr << "usage: crossocr_simulated_vlm --accuracy P [--seed N] SET_DIR...\n";
    return 2;
  }
  std::optional<crossocr::testing::SimulatedVisionModel> known;
  try {
    known.emplace(sets, accuracy, seed);
  } catch (const std::exception& e) {  // a folder that is not a labelled set: say which, no abort
    std::cerr << "crossocr_simulated_vlm: " << e.what() << "\n";
    return 2;
  }
  const crossocr::testing::SimulatedVisionModel& model = *known;
  httplib::Server server;
  server.Post("/v1/chat/completions", [&](const httplib::Request& req, httplib::Response& res) {
    res.set_content(model.respond(req.body), "application/json");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });
  std::cout << "http://127.0.0.1:" << port << "/v1" << std::endl;
  std::cerr << "simulated vision model: " << model.known_images() << " images known, " << accuracy * 100
            << "% answered right\n";
  for (std::string line; std::getline(std::cin, line);) {
  }
  server.stop();
  serving.join();
  return 0;
}

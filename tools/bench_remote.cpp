// Remote-mode throughput: N images read by the crossocr CLI against an OpenAI-compatible server on
// loopback that takes a fixed time per answer, at several concurrency levels; then the latency of
// one image in local, remote and vote mode (vote should cost about the slower of the two).
//   build/tools/crossocr_bench_remote [IMAGES=100] [DELAY_MS=200]
#include "fake_provider.hpp"
#include "test_support.hpp"

#include <chrono>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  using namespace crossocr::testing;
  const int count = argc > 1 ? std::atoi(argv[1]) : 100;
  const int delay_ms = argc > 2 ? std::atoi(argv[2]) : 200;

  std::vector<std::string> images;
  for (const auto& e : std::filesystem::directory_iterator(data_path("xor-strips"))) {
    if (e.path().extension() == ".png") images.push_back(e.path().string());
  }
  std::sort(images.begin(), images.end());
  images.resize(std::min<std::size_t>(images.size(), static_cast<std::size_t>(count)));

  // Threads for every connection the highest concurrency opens (and vote's): the client is
  // measured, not the stand-in server (with httplib's default 8, concurrency 16 took 8 s).
  FakeProvider server(64);
  server.script({Reply{200, seed_response_body(), {}, std::chrono::milliseconds(delay_ms)}});
  ScratchDir dir;
  const std::string key = dir.write("key", std::string("bench-key\n"));
  std::printf("%zu images, server answers in %d ms each (sequential: %.1f s)\n", images.size(),
              delay_ms, images.size() * delay_ms / 1000.0);
  for (const char* concurrency : {"1", "4", "8", "16"}) {
    std::vector<std::string> args = {"--mode", "remote", "--base-url", server.base_url(),
                                     "--api-key-file", key, "--no-cache", "--format", "jsonl",
                                     "--remote-concurrency", concurrency};
    args.insert(args.end(), images.begin(), images.end());
    const auto start = std::chrono::steady_clock::now();
    const ProcessResult r = run_cli(args);
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("concurrency %2s: %6.2f s  %7.1f images/s  (exit %d)\n", concurrency, s,
                images.size() / s, r.exit_code);
  }

  // One image, each mode, median of 7 runs (process start included in all three).
  auto median_seconds = [&](const std::vector<std::string>& args) {
    std::vector<double> runs;
    for (int i = 0; i < 7; ++i) {
      const auto start = std::chrono::steady_clock::now();
      run_cli(args);
      runs.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(runs.begin(), runs.end());
    return runs[runs.size() / 2];
  };
  const std::vector<std::string> remote_flags = {"--base-url", server.base_url(), "--api-key-file",
                                                 key, "--no-cache", kSeedStrip};
  auto with_mode = [&](const char* mode) {
    std::vector<std::string> args = {"--mode", mode};
    args.insert(args.end(), remote_flags.begin(), remote_flags.end());
    return args;
  };
  const double local = median_seconds({"--mode", "local", kSeedStrip});
  const double remote = median_seconds(with_mode("remote"));
  const double vote = median_seconds(with_mode("vote"));
  std::printf("one image: local %.3f s, remote %.3f s, vote %.3f s (%.1f%% over the slower)\n",
              local, remote, vote, 100.0 * (vote / std::max(local, remote) - 1.0));
  return 0;
}

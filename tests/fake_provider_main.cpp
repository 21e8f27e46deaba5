// crossocr_fake_provider: the tests' loopback provider as a process, for scripts (the install
// test). Answers every request with the seed's response, prints its base URL on the first line of
// standard output, and serves until standard input closes.
#include "fake_provider.hpp"

#include <iostream>
#include <string>

int main() {
  crossocr::testing::FakeProvider server;
  server.script({crossocr::testing::Reply{200, crossocr::testing::seed_response_body()}});
  std::cout << server.base_url() << std::endl;
  for (std::string line; std::getline(std::cin, line);) {
  }
  return 0;
}

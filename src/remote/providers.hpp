// Provider presets: the endpoints crossocr knows by name. Internal: users name a preset through
// for_provider() (options.hpp).
#pragma once

#include <span>
#include <string_view>

namespace crossocr {

// A provider's endpoint, the variable its key usually lives in, and how it names the seed's model.
struct ProviderPreset {
  std::string_view name;
  std::string_view base_url;
  std::string_view key_env;       // empty: the server needs no key
  std::string_view model;         // the model a read asks for unless told otherwise
  bool accepts_logprobs = false;  // Groq answers 400 to `logprobs`
};

std::span<const ProviderPreset> provider_presets();
const ProviderPreset* find_provider(std::string_view name);  // nullptr when unknown

}  // namespace crossocr

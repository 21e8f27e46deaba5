// Provider presets and API key lookup: what a user names (a provider, a key variable or file)
// becomes the remote engine's options here, in the library, for the CLI and library users alike.
#include "crossocr/errors.hpp"
#include "crossocr/options.hpp"
#include "remote/providers.hpp"

#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>

namespace crossocr {
namespace {

constexpr std::array<ProviderPreset, 6> kPresets = {{
    {"groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY",
     "meta-llama/llama-4-scout-17b-16e-instruct", false},
    {"openai", "https://api.openai.com/v1", "OPENAI_API_KEY", "gpt-4o-mini", true},
    {"openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY", "meta-llama/llama-4-scout",
     false},
    {"together", "https://api.together.xyz/v1", "TOGETHER_API_KEY",
     "meta-llama/Llama-4-Scout-17B-16E-Instruct", true},
    {"ollama", "http://localhost:11434/v1", "", "llama4:scout", false},
    {"llamacpp", "http://localhost:8080/v1", "", "default", false},
}};


bool is_loopback(const std::string& url) {
  for (const char* host : {"://localhost", "://127.", "://[::1]"}) {
    if (url.find(host) != std::string::npos) return true;
  }
  return false;
}

std::string joined_provider_names() {
  std::string names;
  for (const ProviderPreset& p : provider_presets()) names += (names.empty() ? "" : ", ") + std::string(p.name);
  return names;
}

}  // namespace

std::span<const ProviderPreset> provider_presets() { return kPresets; }

const ProviderPreset* find_provider(std::string_view name) {
  for (const ProviderPreset& p : kPresets) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> provider_names() {
  std::vector<std::string> names;
  for (const ProviderPreset& p : kPresets) names.emplace_back(p.name);
  return names;
}

RemoteOptions for_provider(std::string_view provider) {
  const ProviderPreset* preset = find_provider(provider);
  if (!preset) {
    throw ConfigError("unknown provider '" + std::string(provider) + "': choose one of " + joined_provider_names());
  }
  RemoteOptions o;
  o.provider = preset->name;
  o.base_url = preset->base_url;
  o.model = preset->model;
  o.logprobs = preset->accepts_logprobs;
  o.api_key_env = preset->key_env;
  return o;
}

std::string find_api_key(RemoteOptions& o) {
  if (!o.api_key.empty()) return {};
  if (!o.api_key_file.empty()) {
    std::ifstream in(o.api_key_file);
    if (!in) return "cannot read the API key file " + o.api_key_file;
    std::getline(in, o.api_key);
    while (!o.api_key.empty() && std::isspace(static_cast<unsigned char>(o.api_key.back()))) o.api_key.pop_back();
    if (o.api_key.empty()) return "the API key file " + o.api_key_file + " is empty";
    return {};
  }
  const ProviderPreset* preset = find_provider(o.provider);
  const std::string variable =
      !o.api_key_env.empty() ? o.api_key_env : preset ? std::string(preset->key_env) : std::string();
  if (!variable.empty()) {
    if (const char* key = std::getenv(variable.c_str()); key && *key) {
      o.api_key = key;
      return {};
    }
  }
  const bool keyless_server = (preset && preset->key_env.empty()) || is_loopback(o.base_url);
  if (keyless_server) return {};
  return "no API key for " + o.base_url + ": set " + (variable.empty() ? std::string("GROQ_API_KEY") : variable) +
         ", or name another variable with --api-key-env, or a file with --api-key-file";
}

}  // namespace crossocr

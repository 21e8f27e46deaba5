// ReadingCache: remote readings stored in SQLite, keyed by a digest of everything that decides
// the answer (image sent, endpoint, model, prompt, parameters). Repeated runs then cost nothing
// and work offline. One connection per thread; SQLite's WAL mode lets threads and processes share
// the file.
#pragma once

#include "crossocr/reading.hpp"

#include <memory>
#include <optional>
#include <string>

struct sqlite3;

namespace crossocr::remote {

class ReadingCache {
 public:
  // Opens (creating folders and the table as needed). On failure returns nothing and says why in
  // `error`: a cache that cannot be opened is not a reason to stop reading.
  static std::unique_ptr<ReadingCache> open(const std::string& path, std::string* error);
  ~ReadingCache();
  ReadingCache(const ReadingCache&) = delete;
  ReadingCache& operator=(const ReadingCache&) = delete;

  // Opens the cache at `path` once and checks it; if it cannot be used (not a database, a damaged
  // page, a table of another shape), moves it aside and starts a new one. Returns what happened,
  // for the user to be told once (also when no cache could be made there); empty when the cache
  // was whole.
  static std::string repair(const std::string& path);

  std::optional<Reading> find(const std::string& key);
  void store(const std::string& key, const Reading& reading);

 private:
  // Why the open cache cannot be used, "" when it can.
  std::string damage();
  explicit ReadingCache(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

}  // namespace crossocr::remote

#include "remote/reading_cache.hpp"

#include "remote/remote_engine.hpp"
#include "format/reading_json.hpp"
#include "user_paths.hpp"

#include <sqlite3.h>

#include <chrono>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <thread>

namespace crossocr::remote {
namespace {

struct Statement {
  sqlite3_stmt* stmt = nullptr;
  Statement(sqlite3* db, const char* sql) { sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr); }
  ~Statement() { sqlite3_finalize(stmt); }
};

}  // namespace

std::unique_ptr<ReadingCache> ReadingCache::open(const std::string& path, std::string* error) {
  std::error_code ec;
  const auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                                             SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
    if (error) *error = "cannot open cache " + path + ": " + sqlite3_errmsg(db);
    sqlite3_close(db);
    return nullptr;
  }
  sqlite3_busy_timeout(db, 5000);  // other threads and processes write the same file
  // Switching to WAL needs the file to itself, and SQLite may answer BUSY at once rather than call
  // the busy handler: when several engines open the cache together, the losers wait and retry
  // (without this, an engine ran uncached now and then, and re-sent what was cached).
  char* message = nullptr;
  int rc = SQLITE_BUSY;
  for (int attempt = 0; attempt < 500 && (rc == SQLITE_BUSY || rc == SQLITE_LOCKED); ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    sqlite3_free(message);
    message = nullptr;
    rc = sqlite3_exec(db,
                      "PRAGMA journal_mode=WAL;"
                      "CREATE TABLE IF NOT EXISTS readings("
                      "  key TEXT PRIMARY KEY, reading TEXT NOT NULL, created INTEGER);",
                      nullptr, nullptr, &message);
  }
  if (rc != SQLITE_OK) {
    if (error) *error = "cannot use cache " + path + ": " + (message ? message : "unknown error");
    sqlite3_free(message);
    sqlite3_close(db);
    return nullptr;
  }
  return std::unique_ptr<ReadingCache>(new ReadingCache(db));
}

ReadingCache::~ReadingCache() { sqlite3_close(db_); }

std::optional<Reading> ReadingCache::find(const std::string& key) {
  Statement q(db_, "SELECT reading FROM readings WHERE key = ?1");
  if (q.stmt == nullptr) return std::nullopt;
  sqlite3_bind_text(q.stmt, 1, key.c_str(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  if (sqlite3_step(q.stmt) != SQLITE_ROW) return std::nullopt;
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(q.stmt, 0));
  const auto j = nlohmann::json::parse(text ? text : "", nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  try {
    return reading_from_json(j);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;  // a row of the wrong shape is a miss; the next answer replaces it
  }
}

std::string ReadingCache::damage() {
  // A table of another shape opens and then fails every query: every image would be sent again.
  if (Statement shape(db_, "SELECT key, reading, created FROM readings LIMIT 0"); shape.stmt == nullptr) {
    return std::string("its readings table is not crossocr's (") + sqlite3_errmsg(db_) + ")";
  }
  // A damaged page past the header opens too. quick_check reads every page once: milliseconds
  // for a cache of thousands of readings, once a run.
  Statement check(db_, "PRAGMA quick_check");
  if (check.stmt == nullptr || sqlite3_step(check.stmt) != SQLITE_ROW) return sqlite3_errmsg(db_);
  const auto* verdict = reinterpret_cast<const char*>(sqlite3_column_text(check.stmt, 0));
  const std::string said = verdict ? verdict : "";
  return said == "ok" ? "" : "it is damaged (" + said + ")";
}

std::string ReadingCache::repair(const std::string& path) {
  std::string error;
  const bool existed = std::filesystem::exists(path);
  if (auto cache = open(path, &error)) {
    const std::string damage = cache->damage();
    if (damage.empty()) return {};
    error = "cannot use cache " + path + ": " + damage;
  }
  if (!existed) return error + "; readings are not cached";  // it could not even be made
  const std::string aside = path + ".unreadable";
  std::error_code ec;
  std::filesystem::rename(path, aside, ec);
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
  if (ec) return error + "; it could not be set aside, so readings are not cached";
  std::string again;
  if (!open(path, &again)) return error + "; set aside as " + aside + ", but a new one failed too: " + again;
  return error + "; it was set aside as " + aside + " and a new cache started";
}

void ReadingCache::store(const std::string& key, const Reading& reading) {
  Statement q(db_, "INSERT OR REPLACE INTO readings(key, reading, created) VALUES(?1, ?2, ?3)");
  if (q.stmt == nullptr) return;
  const std::string value = reading_to_json(reading).dump(-1, ' ', false,
                                                          nlohmann::json::error_handler_t::replace);
  sqlite3_bind_text(q.stmt, 1, key.c_str(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
  sqlite3_bind_text(q.stmt, 2, value.c_str(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
  sqlite3_bind_int64(q.stmt, 3, static_cast<sqlite3_int64>(std::time(nullptr)));
  sqlite3_step(q.stmt);  // a failed write loses a cache entry, never a reading
}

}  // namespace crossocr::remote

namespace crossocr {

std::string default_remote_cache_path() {
  return user_file("XDG_CACHE_HOME", ".cache", "remote.sqlite").value_or(".crossocr-cache.sqlite");
}

}  // namespace crossocr

// RunStore: every evaluation run kept in SQLite (code version, options, sets, metrics, per-image
// rows), so that two runs can be compared later, per set and per image.
//
// Thread-safety: a RunStore holds one SQLite connection; use it from one thread at a time. Stores
// in other threads or processes may share the database file: SQLite locks it, and a writer waits.
#pragma once

#include "crossocr/evaluation.hpp"

#include <memory>
#include <string>

struct sqlite3;

namespace crossocr {

class RunStore {
 public:
  // Opens or creates the database; throws ConfigError when it cannot.
  static std::unique_ptr<RunStore> open(const std::string& path);
  ~RunStore();
  RunStore(const RunStore&) = delete;
  RunStore& operator=(const RunStore&) = delete;

  // Stores the report's summary and rows as typed columns, and its JSON (report_json) whole.
  // Returns the new run's id.
  long long save(const EvalReport& report, const std::string& code_version);

  // What changed from run `a` to run `b`: per set and mode, and per image (newly right, newly
  // wrong). Throws ConfigError for an unknown id.
  std::string compare(long long a, long long b);

 private:
  explicit RunStore(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

// $XDG_DATA_HOME/crossocr/runs.sqlite, else ~/.local/share/crossocr/runs.sqlite.
std::string default_runs_path();

}  // namespace crossocr

#include "crossocr/run_store.hpp"

#include "crossocr/errors.hpp"
#include "eval/scoring.hpp"
#include "user_paths.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <sstream>

namespace crossocr {
namespace {

// One prepared SQL statement. Not copyable: two copies would finalize it twice.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw ConfigError(std::string("run database: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, long long v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  // A rate without data is stored as NULL.
  Statement& bind(int i, const std::optional<double>& v) {
    if (v) {
      sqlite3_bind_double(stmt_, i, *v);
    } else {
      sqlite3_bind_null(stmt_, i);
    }
    return *this;
  }
  bool step() { return sqlite3_step(stmt_) == SQLITE_ROW; }
  // Runs the statement again with new bindings.
  void reset() { sqlite3_reset(stmt_); }

  // Column values are copied out: SQLite's own buffers last only until the next step.
  std::string text(int i) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return t ? std::string(t, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i))) : "";
  }
  long long integer(int i) { return sqlite3_column_int64(stmt_, i); }
  std::optional<double> real(int i) {
    if (sqlite3_column_type(stmt_, i) == SQLITE_NULL) return std::nullopt;
    return sqlite3_column_double(stmt_, i);
  }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

void exec(sqlite3* db, const char* sql) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    const std::string why = message ? message : "unknown error";
    sqlite3_free(message);
    throw ConfigError("run database: " + why);
  }
}

// What --compare reads of one set and mode.
struct StoredSummary {
  std::string set;
  std::string mode;
  std::optional<double> exact_rate;  // under the set's case rule
  std::optional<double> cer;
};

// What --compare reads of one image.
struct StoredRow {
  std::string set;
  std::string mode;
  std::string file;
  std::string expected;
  std::string got;
  bool exact = false;  // under the set's case rule

  std::string key() const { return set + "/" + mode + "/" + file; }
};

struct StoredRun {
  std::string started;
  std::string options;  // JSON
  std::vector<StoredSummary> summary;
  std::vector<StoredRow> rows;
};

// Runs stored before the summary table have their figures only in the report JSON, where
// "correct_rate" was the exact rate under the set's case rule; runs older still only have
// "exact_rate", which was case-sensitive then and is what they reported.
std::vector<StoredSummary> summary_from_report(const std::string& report) {
  const auto j = nlohmann::json::parse(report, nullptr, false);
  std::vector<StoredSummary> summary;
  if (!j.is_object() || !j.contains("summary")) return summary;
  for (const auto& m : j["summary"]) {
    const auto rate = [&m](const char* key) -> std::optional<double> {
      const auto it = m.find(key);
      if (it == m.end() || !it->is_number()) return std::nullopt;
      return it->get<double>();
    };
    const char* exact = m.contains("correct_rate") ? "correct_rate" : "exact_rate";
    summary.push_back({m.value("set", ""), m.value("mode", ""), rate(exact), rate("cer")});
  }
  return summary;
}

StoredRun load_run(sqlite3* db, long long id) {
  StoredRun run;
  Statement q(db, "SELECT started, options FROM runs WHERE id = ?1");
  q.bind(1, id);
  if (!q.step()) throw ConfigError("no run " + std::to_string(id) + " in the run database");
  run.started = q.text(0);
  run.options = q.text(1);

  Statement s(db, "SELECT set_name, mode, exact_rate, cer FROM summary WHERE run = ?1 "
                  "ORDER BY rowid");
  s.bind(1, id);
  while (s.step()) run.summary.push_back({s.text(0), s.text(1), s.real(2), s.real(3)});
  if (run.summary.empty()) {
    Statement r(db, "SELECT report FROM runs WHERE id = ?1");
    r.bind(1, id);
    if (r.step()) run.summary = summary_from_report(r.text(0));
  }

  Statement rows(db, "SELECT set_name, mode, file, expected, got, exact FROM rows WHERE run = ?1 "
                     "ORDER BY rowid");
  rows.bind(1, id);
  while (rows.step()) {
    run.rows.push_back({rows.text(0), rows.text(1), rows.text(2), rows.text(3), rows.text(4),
                        rows.integer(5) != 0});
  }
  return run;
}

// A CER as the comparison has always printed it: its first five characters, e.g. "0.123".
std::string short_number(const std::optional<double>& x) {
  return x ? std::to_string(*x).substr(0, 5) : "–";
}

std::string delta(const std::optional<double>& a, const std::optional<double>& b, double scale,
                  const char* unit) {
  if (!a || !b) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, " (%+.1f%s)", (*b - *a) * scale, unit);
  return buf;
}

// Options as compact JSON with sorted keys, so that equal options print and compare equal.
nlohmann::json options_of(const StoredRun& run) {
  return nlohmann::json::parse(run.options, nullptr, false);
}

}  // namespace

std::unique_ptr<RunStore> RunStore::open(const std::string& path) {
  std::error_code ec;
  const auto folder = std::filesystem::path(path).parent_path();
  if (!folder.empty()) std::filesystem::create_directories(folder, ec);
  sqlite3* db = nullptr;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw ConfigError("cannot open run database " + path + ": " + why);
  }
  std::unique_ptr<RunStore> store(new RunStore(db));
  sqlite3_busy_timeout(db, 5000);
  // `report` keeps every number of a run as report.json has it; `summary` and `rows` are what
  // --compare reads. Databases from before `summary` also hold a `metrics` table, no longer
  // written.
  exec(db,
       "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started TEXT, code_version TEXT,"
       "  options TEXT, sets TEXT, report TEXT);"
       "CREATE TABLE IF NOT EXISTS summary(run INTEGER, set_name TEXT, mode TEXT,"
       "  case_sensitive INTEGER, images INTEGER, exact INTEGER, exact_rate REAL, exact_cs INTEGER,"
       "  exact_ci INTEGER, wrong INTEGER, cer REAL, wer REAL, failures INTEGER, flagged INTEGER,"
       "  calibration_error REAL, seconds REAL);"
       "CREATE TABLE IF NOT EXISTS rows(run INTEGER, set_name TEXT, mode TEXT, file TEXT,"
       "  expected TEXT, got TEXT, exact INTEGER, flagged INTEGER, status TEXT);");
  return store;
}

RunStore::~RunStore() { sqlite3_close(db_); }

long long RunStore::save(const EvalReport& report, const std::string& code_version) {
  nlohmann::json sets = nlohmann::json::array();
  for (const SetModeMetrics& s : report.summary) {
    if (std::find(sets.begin(), sets.end(), s.set) == sets.end()) sets.push_back(s.set);
  }
  exec(db_, "BEGIN");
  Statement run(db_, "INSERT INTO runs(started, code_version, options, sets, report) "
                     "VALUES(?1,?2,?3,?4,?5)");
  run.bind(1, report.started).bind(2, code_version).bind(3, report.options)
      .bind(4, sets.dump()).bind(5, report_json(report));
  run.step();
  const long long id = sqlite3_last_insert_rowid(db_);
  Statement summary(db_, "INSERT INTO summary "
                         "VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16)");
  for (const SetModeMetrics& s : report.summary) {
    const SetMetrics& m = s.metrics;
    summary.reset();
    summary.bind(1, id).bind(2, s.set).bind(3, s.mode)
        .bind(4, static_cast<long long>(m.case_sensitive)).bind(5, static_cast<long long>(m.images))
        .bind(6, static_cast<long long>(m.exact)).bind(7, m.exact_rate)
        .bind(8, static_cast<long long>(m.exact_cs)).bind(9, static_cast<long long>(m.exact_ci))
        .bind(10, static_cast<long long>(m.wrong)).bind(11, m.cer).bind(12, m.wer)
        .bind(13, static_cast<long long>(m.failures)).bind(14, static_cast<long long>(m.flagged))
        .bind(15, m.calibration_error).bind(16, std::optional<double>(s.seconds));
    summary.step();
  }
  Statement rows(db_, "INSERT INTO rows VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");
  for (const EvalRow& r : report.rows) {
    rows.reset();
    rows.bind(1, id).bind(2, r.set).bind(3, r.mode).bind(4, r.file).bind(5, r.expected)
        .bind(6, r.got).bind(7, static_cast<long long>(r.exact)).bind(8, static_cast<long long>(r.flagged))
        .bind(9, r.status);
    rows.step();
  }
  exec(db_, "COMMIT");
  return id;
}

std::string RunStore::compare(long long a, long long b) {
  const StoredRun ra = load_run(db_, a);
  const StoredRun rb = load_run(db_, b);
  std::ostringstream out;
  out << "run " << a << " (" << ra.started << ") -> run " << b << " (" << rb.started << ")\n";
  const nlohmann::json options_a = options_of(ra), options_b = options_of(rb);
  if (options_a != options_b) {
    out << "options: " << options_a.dump() << "\n      -> " << options_b.dump() << "\n";
  }
  // Per set and mode. The maps hold copies: nothing here points into a temporary.
  std::map<std::pair<std::string, std::string>, StoredSummary> before;
  for (const StoredSummary& s : ra.summary) before[{s.set, s.mode}] = s;
  for (const StoredSummary& s : rb.summary) {
    out << s.set << " / " << s.mode << ": ";
    const auto it = before.find({s.set, s.mode});
    if (it == before.end()) {
      out << "exact " << eval::percent(s.exact_rate) << " (new in run " << b << ")\n";
      continue;
    }
    const StoredSummary& p = it->second;
    out << "exact " << eval::percent(p.exact_rate) << " -> " << eval::percent(s.exact_rate)
        << delta(p.exact_rate, s.exact_rate, 100, " points") << ", CER " << short_number(p.cer)
        << " -> " << short_number(s.cer) << "\n";
  }
  // Per image: keyed by set, mode and file.
  std::map<std::string, StoredRow> rows_before;
  for (const StoredRow& r : ra.rows) rows_before[r.key()] = r;
  std::vector<std::string> right, wrong;
  for (const StoredRow& r : rb.rows) {
    const auto it = rows_before.find(r.key());
    if (it == rows_before.end() || it->second.exact == r.exact) continue;
    (r.exact ? right : wrong)
        .push_back("  " + r.key() + ": \"" + it->second.got + "\" -> \"" + r.got +
                   "\" (expected \"" + r.expected + "\")");
  }
  out << "newly right: " << right.size() << "\n";
  for (const auto& l : right) out << l << "\n";
  out << "newly wrong: " << wrong.size() << "\n";
  for (const auto& l : wrong) out << l << "\n";
  return out.str();
}

std::string default_runs_path() {
  return user_file("XDG_DATA_HOME", ".local/share", "runs.sqlite").value_or("crossocr-runs.sqlite");
}

}  // namespace crossocr

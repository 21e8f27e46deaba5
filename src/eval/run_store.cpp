#include "crossocr/run_store.hpp"

#include "crossocr/errors.hpp"
#include "user_paths.hpp"

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

namespace crossocr {
namespace {

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    if (sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr) != SQLITE_OK) {
      throw ConfigError(std::string("run database: ") + sqlite3_errmsg(db));
    }
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  Statement& bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.c_str(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, long long v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  bool step() { return sqlite3_step(stmt_) == SQLITE_ROW; }
  std::string text(int i) {
    const auto* t = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, i));
    return t ? t : "";
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

std::string rate(const nlohmann::json& x) {
  if (!x.is_number()) return "–";
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.1f%%", x.get<double>() * 100);
  return buf;
}

std::string delta(const nlohmann::json& a, const nlohmann::json& b, double scale, const char* unit) {
  if (!a.is_number() || !b.is_number()) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, " (%+.1f%s)", (b.get<double>() - a.get<double>()) * scale, unit);
  return buf;
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
  exec(db,
       "CREATE TABLE IF NOT EXISTS runs(id INTEGER PRIMARY KEY, started TEXT, code_version TEXT,"
       "  options TEXT, sets TEXT, report TEXT);"
       "CREATE TABLE IF NOT EXISTS metrics(run INTEGER, set_name TEXT, mode TEXT, metrics TEXT);"
       "CREATE TABLE IF NOT EXISTS rows(run INTEGER, set_name TEXT, mode TEXT, file TEXT,"
       "  expected TEXT, got TEXT, exact INTEGER, flagged INTEGER, status TEXT);");
  return store;
}

RunStore::~RunStore() { sqlite3_close(db_); }

long long RunStore::save(const EvalReport& report, const std::string& code_version) {
  const auto full = nlohmann::json::parse(report_json(report));
  nlohmann::json sets = nlohmann::json::array();
  for (const SetModeMetrics& s : report.summary) {
    if (std::find(sets.begin(), sets.end(), s.set) == sets.end()) sets.push_back(s.set);
  }
  exec(db_, "BEGIN");
  Statement run(db_, "INSERT INTO runs(started, code_version, options, sets, report) VALUES(?1,?2,?3,?4,?5)");
  run.bind(1, report.started).bind(2, code_version).bind(3, report.options)
      .bind(4, sets.dump()).bind(5, full.dump());
  run.step();
  const long long id = sqlite3_last_insert_rowid(db_);
  for (const auto& m : full["summary"]) {
    Statement s(db_, "INSERT INTO metrics VALUES(?1,?2,?3,?4)");
    s.bind(1, id).bind(2, m["set"].get<std::string>()).bind(3, m["mode"].get<std::string>()).bind(4, m.dump());
    s.step();
  }
  for (const EvalRow& r : report.rows) {
    Statement s(db_, "INSERT INTO rows VALUES(?1,?2,?3,?4,?5,?6,?7,?8,?9)");
    s.bind(1, id).bind(2, r.set).bind(3, r.mode).bind(4, r.file).bind(5, r.expected).bind(6, r.got)
        .bind(7, static_cast<long long>(r.exact)).bind(8, static_cast<long long>(r.flagged))
        .bind(9, r.status);
    s.step();
  }
  exec(db_, "COMMIT");
  return id;
}

std::string RunStore::compare(long long a, long long b) {
  auto load = [&](long long id) {
    Statement q(db_, "SELECT report FROM runs WHERE id = ?1");
    q.bind(1, id);
    if (!q.step()) throw ConfigError("no run " + std::to_string(id) + " in the run database");
    return nlohmann::json::parse(q.text(0));
  };
  const auto ra = load(a), rb = load(b);
  std::ostringstream out;
  out << "run " << a << " (" << ra["started"].get<std::string>() << ") -> run " << b << " ("
      << rb["started"].get<std::string>() << ")\n";
  if (ra["options"] != rb["options"]) {
    out << "options: " << ra["options"].dump() << "\n      -> " << rb["options"].dump() << "\n";
  }
  // Exact under each set's case rule; runs stored before "correct_rate" existed only have the
  // case-sensitive rate.
  const auto exact = [](const nlohmann::json& m) {
    return m.contains("correct_rate") ? m["correct_rate"] : m["exact_rate"];
  };
  std::map<std::pair<std::string, std::string>, nlohmann::json> before;
  for (const auto& m : ra["summary"]) before[{m["set"], m["mode"]}] = m;
  for (const auto& m : rb["summary"]) {
    const auto it = before.find({m["set"], m["mode"]});
    out << m["set"].get<std::string>() << " / " << m["mode"].get<std::string>() << ": ";
    if (it == before.end()) {
      out << "exact " << rate(exact(m)) << " (new in run " << b << ")\n";
      continue;
    }
    const auto& p = it->second;
    out << "exact " << rate(exact(p)) << " -> " << rate(exact(m))
        << delta(exact(p), exact(m), 100, " points") << ", CER "
        << (p["cer"].is_number() ? std::to_string(p["cer"].get<double>()).substr(0, 5) : "–")
        << " -> " << (m["cer"].is_number() ? std::to_string(m["cer"].get<double>()).substr(0, 5) : "–")
        << "\n";
  }
  // Per image: keyed by set, mode and file.
  std::map<std::string, nlohmann::json> rows_before;
  for (const auto& r : ra["rows"]) {
    rows_before[r["set"].get<std::string>() + "/" + r["mode"].get<std::string>() + "/" +
                r["file"].get<std::string>()] = r;
  }
  std::vector<std::string> right, wrong;
  for (const auto& r : rb["rows"]) {
    const std::string key = r["set"].get<std::string>() + "/" + r["mode"].get<std::string>() + "/" +
                            r["file"].get<std::string>();
    const auto it = rows_before.find(key);
    if (it == rows_before.end() || it->second["exact"] == r["exact"]) continue;
    const std::string line = "  " + key + ": \"" + it->second["got"].get<std::string>() + "\" -> \"" +
                             r["got"].get<std::string>() + "\" (expected \"" +
                             r["expected"].get<std::string>() + "\")";
    (r["exact"].get<bool>() ? right : wrong).push_back(line);
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

// lifeline-relay audit verify|head: check the audit log's hash chain, or print its newest row's hash
// for publishing elsewhere (a later verify against a published head also catches a truncated log).
#include "relay/app/commands.hpp"
#include "relay/store/sqlite/sqlite_store.hpp"

#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <filesystem>
#include <iostream>

namespace lifeline::relay::app {

namespace {

bool audit_data_dir(const std::string& data_dir) {
    if (std::filesystem::exists(database_path(data_dir))) return true;
    std::cerr << "lifeline-relay audit: " << data_dir << " is not a relay data dir (no lifeline.db)\n";
    return false;
}

}  // namespace

int run_audit_verify(const AuditOptions& options) {
    if (!audit_data_dir(options.data_dir)) return 2;
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteAuditStore audit(db);
    const v1::AuditVerification verdict = audit.verify();
    if (options.json) {
        std::string line;
        (void)google::protobuf::util::MessageToJsonString(verdict, &line);
        std::cout << line << "\n";
    } else if (verdict.intact()) {
        std::cout << "audit log intact: " << verdict.rows() << " rows; head " << verdict.head_seq()
                  << " sha256:" << verdict.head_hash() << "\n";
    } else {
        std::cout << "audit log BROKEN at row " << verdict.broken_at() << ": " << verdict.problem() << " ("
                  << verdict.rows() << " rows before it verify)\n";
    }
    return verdict.intact() ? 0 : 1;
}

int run_audit_head(const AuditOptions& options) {
    if (!audit_data_dir(options.data_dir)) return 2;
    store::sqlite::Database db(database_path(options.data_dir), false);
    store::sqlite::SqliteAuditStore audit(db);
    store::AuditQuery newest;
    newest.limit = 1;
    const auto page = audit.list(newest);
    if (page.entries().empty()) {
        std::cout << (options.json ? "{\"seq\":0}\n" : "the audit log is empty\n");
        return 0;
    }
    const auto& head = page.entries(0);
    const std::string at = google::protobuf::util::TimeUtil::ToString(head.at());
    if (options.json) {
        std::cout << "{\"seq\":" << head.seq() << ",\"at\":\"" << at << "\",\"hash\":\"" << head.hash() << "\"}\n";
    } else {
        std::cout << head.seq() << " " << at << " sha256:" << head.hash() << "\n";
    }
    return 0;
}

}  // namespace lifeline::relay::app

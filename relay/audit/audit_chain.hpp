// The audit log's hash chain as plain logic: the canonical form of a row, its hash, and a verifier
// that walks rows in sequence order and names the first one that breaks the chain.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lifeline::relay::audit {

struct AuditRow {
    std::int64_t seq = 0;  // 1, 2, 3, ... with no gaps
    std::int64_t at_ms = 0;
    std::string actor;  // "user:NAME", "device:ID", "system", "cli"
    std::string action;
    std::string ticket;
    std::string session;
    std::string device;
    std::string details;    // a JSON object, exactly as stored
    std::string prev_hash;  // the previous row's hash (kGenesisHash for the first row)
    std::string hash;       // row_hash(*this)
};

// What the first row follows.
inline constexpr std::string_view kGenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

// Every field but `hash`, each length-prefixed so no choice of field contents can imitate another row.
std::string canonical_row(const AuditRow& row);
// SHA-256 of the canonical row, lower-case hex.
std::string row_hash(const AuditRow& row);

// Feed rows in ascending seq order. Catches an edited row (its hash no longer matches its content, or
// its successor's prev_hash no longer matches its hash), a deleted row (a gap in seq, or a successor
// that does not follow), and a reordering (seq is hashed, so a moved row fails at its new place).
// Deleting the newest rows is caught only against a head published elsewhere (`audit head`).
class ChainVerifier {
public:
    // False once the chain is broken; later rows are ignored.
    bool add(const AuditRow& row);

    bool intact() const { return broken_at_ == 0; }
    std::int64_t rows_checked() const { return rows_; }
    std::int64_t broken_at() const { return broken_at_; }  // the seq of the first bad row; 0 when intact
    const std::string& problem() const { return problem_; }
    std::int64_t head_seq() const { return last_seq_; }
    const std::string& head_hash() const { return last_hash_; }

private:
    bool fail(std::int64_t seq, std::string problem);

    std::int64_t rows_ = 0;
    std::int64_t last_seq_ = 0;
    std::string last_hash_{kGenesisHash};
    std::int64_t broken_at_ = 0;
    std::string problem_;
};

}  // namespace lifeline::relay::audit

#include "relay/audit/audit_chain.hpp"

#include "shared/core/ids.hpp"

namespace lifeline::relay::audit {

namespace {

void field(std::string& out, std::string_view value) {
    out += std::to_string(value.size());
    out += ':';
    out += value;
    out += '\n';
}

}  // namespace

std::string canonical_row(const AuditRow& row) {
    std::string out = "lifeline-audit-v1\n";
    field(out, std::to_string(row.seq));
    field(out, std::to_string(row.at_ms));
    field(out, row.actor);
    field(out, row.action);
    field(out, row.ticket);
    field(out, row.session);
    field(out, row.device);
    field(out, row.details);
    field(out, row.prev_hash);
    return out;
}

std::string row_hash(const AuditRow& row) { return core::sha256_hex(canonical_row(row)); }

bool ChainVerifier::fail(std::int64_t seq, std::string problem) {
    broken_at_ = seq;
    problem_ = std::move(problem);
    return false;
}

bool ChainVerifier::add(const AuditRow& row) {
    if (!intact()) return false;
    const std::int64_t expected = last_seq_ + 1;
    if (row.seq != expected) {
        // The row that should be here is gone (or the log was renumbered): the break is at `expected`.
        return fail(expected, row.seq > expected ? "row " + std::to_string(expected) + " is missing (the next is " +
                                                       std::to_string(row.seq) + ")"
                                                 : "row " + std::to_string(row.seq) + " is out of order");
    }
    if (row.hash != row_hash(row)) {
        return fail(row.seq, "row " + std::to_string(row.seq) + " was altered: its hash does not match its content");
    }
    if (row.prev_hash != last_hash_) {
        return fail(row.seq, "row " + std::to_string(row.seq) + " does not follow row " + std::to_string(last_seq_) +
                                 ": a row before it was removed, altered or moved");
    }
    ++rows_;
    last_seq_ = row.seq;
    last_hash_ = row.hash;
    return true;
}

}  // namespace lifeline::relay::audit

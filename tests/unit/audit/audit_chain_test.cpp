// The audit chain as plain logic: canonical rows, hashes, and the verifier's verdict on tampered logs.
#include "relay/audit/audit_chain.hpp"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace lifeline::relay::audit {
namespace {

std::vector<AuditRow> chain(int count) {
    std::vector<AuditRow> rows;
    std::string prev(kGenesisHash);
    for (int i = 1; i <= count; ++i) {
        AuditRow row{i,           1'700'000'000'000 + i,
                     "user:tina", "ticket.status",
                     "LL-000001", "",
                     "",          "{\"from\":\"new\",\"to\":\"open\"}",
                     prev,        ""};
        row.hash = row_hash(row);
        prev = row.hash;
        rows.push_back(row);
    }
    return rows;
}

ChainVerifier verify(const std::vector<AuditRow>& rows) {
    ChainVerifier verifier;
    for (const auto& row : rows)
        if (!verifier.add(row)) break;
    return verifier;
}

TEST(AuditChainTest, AnUntouchedChainVerifiesAndNamesItsHead) {
    const auto rows = chain(5);
    const auto verdict = verify(rows);
    EXPECT_TRUE(verdict.intact());
    EXPECT_EQ(verdict.rows_checked(), 5);
    EXPECT_EQ(verdict.head_seq(), 5);
    EXPECT_EQ(verdict.head_hash(), rows.back().hash);
    EXPECT_TRUE(verify({}).intact());
}

TEST(AuditChainTest, FieldBoundariesCannotBeShifted) {
    // Moving characters between adjacent fields keeps their concatenation but not the canonical form.
    AuditRow a{1, 5, "user:ab", "c", "", "", "", "{}", std::string(kGenesisHash), ""};
    AuditRow b{1, 5, "user:a", "bc", "", "", "", "{}", std::string(kGenesisHash), ""};
    EXPECT_NE(canonical_row(a), canonical_row(b));
    EXPECT_NE(row_hash(a), row_hash(b));
    EXPECT_EQ(row_hash(a).size(), 64u);
}

TEST(AuditChainTest, AnEditedRowIsNamed) {
    auto rows = chain(6);
    rows[2].details = "{\"from\":\"new\",\"to\":\"closed\"}";
    const auto verdict = verify(rows);
    EXPECT_FALSE(verdict.intact());
    EXPECT_EQ(verdict.broken_at(), 3);
    EXPECT_EQ(verdict.rows_checked(), 2);
    EXPECT_NE(verdict.problem().find("altered"), std::string::npos) << verdict.problem();
}

TEST(AuditChainTest, AnEditedRowWithARecomputedHashBreaksAtItsSuccessor) {
    auto rows = chain(6);
    rows[2].actor = "user:mallory";
    rows[2].hash = row_hash(rows[2]);
    const auto verdict = verify(rows);
    EXPECT_EQ(verdict.broken_at(), 4);
    EXPECT_NE(verdict.problem().find("does not follow row 3"), std::string::npos) << verdict.problem();
}

TEST(AuditChainTest, ADeletedRowIsNamed) {
    auto rows = chain(6);
    rows.erase(rows.begin() + 3);  // seq 4
    const auto verdict = verify(rows);
    EXPECT_EQ(verdict.broken_at(), 4);
    EXPECT_NE(verdict.problem().find("row 4 is missing"), std::string::npos) << verdict.problem();
}

TEST(AuditChainTest, ADeletedRowHiddenByRenumberingIsStillCaught) {
    auto rows = chain(6);
    rows.erase(rows.begin() + 3);
    for (std::size_t i = 3; i < rows.size(); ++i)
        rows[i].seq = static_cast<std::int64_t>(i) + 1;
    EXPECT_EQ(verify(rows).broken_at(), 4);
}

TEST(AuditChainTest, ReorderedRowsAreCaught) {
    auto rows = chain(6);
    std::swap(rows[1].seq, rows[2].seq);  // rows 2 and 3 trade places in the table
    std::swap(rows[1], rows[2]);          // and so in seq order
    const auto verdict = verify(rows);
    EXPECT_FALSE(verdict.intact());
    EXPECT_EQ(verdict.broken_at(), 2);
}

TEST(AuditChainTest, TheFirstRowMustFollowTheGenesisHash) {
    auto rows = chain(3);
    rows[0].prev_hash = std::string(64, 'f');
    rows[0].hash = row_hash(rows[0]);
    EXPECT_EQ(verify(rows).broken_at(), 1);
}

}  // namespace
}  // namespace lifeline::relay::audit

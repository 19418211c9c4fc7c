// Asset inventory changes between two snapshots of a machine.
#include "relay/helpdesk/inventory.hpp"

#include <gtest/gtest.h>

namespace lifeline::relay::helpdesk {
namespace {

v1::SystemInfo snapshot() {
    v1::SystemInfo info;
    info.set_hostname("pc-7");
    info.set_os_name("Debian GNU/Linux 12 (bookworm)");
    info.set_kernel("6.1.0-18-amd64");
    info.set_memory_total(8LL << 30);
    info.set_load_1m(0.5);
    auto* root = info.add_disks();
    root->set_mount_point("/");
    root->set_device("/dev/sda1");
    root->set_filesystem("ext4");
    root->set_size(256LL << 30);
    root->set_free(100LL << 30);
    return info;
}

TEST(Inventory, the_same_machine_with_other_readings_has_no_changes) {
    auto before = snapshot();
    auto after = snapshot();
    after.set_load_1m(3.0);
    after.mutable_disks(0)->set_free(1LL << 30);
    after.set_uptime_seconds(12345);
    EXPECT_TRUE(diff_inventory(before, after).empty());
}

TEST(Inventory, ram_os_and_kernel_upgrades_are_changes) {
    auto before = snapshot();
    auto after = snapshot();
    after.set_memory_total(16LL << 30);
    after.set_kernel("6.1.0-20-amd64");
    auto changes = diff_inventory(before, after);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].field, "kernel");
    EXPECT_EQ(changes[0].to, "6.1.0-20-amd64");
    EXPECT_EQ(changes[1].field, "memory_total");
    EXPECT_EQ(changes[1].from, std::to_string(8LL << 30));
}

TEST(Inventory, disks_added_removed_and_replaced_are_changes) {
    auto before = snapshot();
    auto after = snapshot();
    after.mutable_disks(0)->set_size(512LL << 30);  // replaced by a bigger one
    auto* data = after.add_disks();
    data->set_mount_point("/data");
    data->set_device("/dev/sdb1");
    data->set_filesystem("xfs");
    data->set_size(1LL << 40);
    auto changes = diff_inventory(before, after);
    ASSERT_EQ(changes.size(), 2u);
    EXPECT_EQ(changes[0].field, "disk /");
    EXPECT_EQ(changes[1].field, "disk /data");
    EXPECT_EQ(changes[1].from, "");
    auto removed = diff_inventory(after, before);
    ASSERT_EQ(removed.size(), 2u);
    EXPECT_EQ(removed[1].field, "disk /data");
    EXPECT_EQ(removed[1].to, "");
}

}  // namespace
}  // namespace lifeline::relay::helpdesk

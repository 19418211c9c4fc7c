// System-info parsers on captured /proc, /sys and /etc samples, including odd machines: an ARM
// board, a server without battery or IPv6, a host with hundreds of mounts, and broken files.
#include "agent/machine/proc_parsers.hpp"

#include <gtest/gtest.h>

namespace lifeline::agent::machine {
namespace {

TEST(OsRelease, quoted_unquoted_and_escaped_values) {
    auto debian = parse_os_release(R"x(PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
ID=debian
# a comment
HOME_URL="https://www.debian.org/"
)x");
    EXPECT_EQ(debian.pretty_name, "Debian GNU/Linux 12 (bookworm)");
    EXPECT_EQ(debian.version_id, "12");
    EXPECT_EQ(debian.id, "debian");
    auto odd = parse_os_release("NAME='My OS'\nVERSION=\"1 \\\"beta\\\"\"\nID=myos\ngarbage line\n=novalue\n");
    EXPECT_EQ(odd.pretty_name, "My OS 1 \"beta\"");
    EXPECT_EQ(odd.id, "myos");
    EXPECT_EQ(parse_os_release("").pretty_name, "");
}

TEST(MemInfo, kibibytes_become_bytes) {
    auto m = parse_meminfo(
        "MemTotal:       16303428 kB\nMemFree:         1234 kB\nMemAvailable:   "
        "9876543 kB\nSwapTotal:             0 kB\nSwapFree:              0 kB\nHugePages_Total: 0\n");
    EXPECT_EQ(m.total, 16303428LL * 1024);
    EXPECT_EQ(m.available, 9876543LL * 1024);
    EXPECT_EQ(m.swap_total, 0);
    auto truncated = parse_meminfo("MemTotal:  12");
    EXPECT_EQ(truncated.total, 12);
    EXPECT_EQ(parse_meminfo("MemTotal: lots kB\n").total, 0);
}

TEST(CpuInfo, x86_model_and_logical_cpus) {
    auto cpu = parse_cpuinfo(
        "processor\t: 0\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Core(TM) i7-8650U CPU "
        "@ 1.90GHz\n\nprocessor\t: 1\nmodel name\t: Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz\n");
    EXPECT_EQ(cpu.model, "Intel(R) Core(TM) i7-8650U CPU @ 1.90GHz");
    EXPECT_EQ(cpu.logical_cpus, 2);
}

TEST(CpuInfo, arm_board_without_model_name_uses_hardware) {
    auto cpu = parse_cpuinfo(
        "processor\t: 0\nBogoMIPS\t: 108.00\nFeatures\t: fp asimd evtstrm crc32 cpuid\n"
        "CPU implementer\t: 0x41\nCPU part\t: 0xd08\n\nprocessor\t: 1\nBogoMIPS\t: 108.00\n\n"
        "Hardware\t: BCM2835\nRevision\t: c03111\nModel\t\t: Raspberry Pi 4 Model B Rev 1.1\n");
    EXPECT_EQ(cpu.model, "BCM2835");
    EXPECT_EQ(cpu.logical_cpus, 2);
}

TEST(LoadAndUptime, numbers_or_nothing) {
    auto load = parse_loadavg("0.52 0.58 0.59 2/1215 123456\n");
    ASSERT_TRUE(load);
    EXPECT_DOUBLE_EQ(load->five, 0.58);
    EXPECT_FALSE(parse_loadavg("0.52 x"));
    EXPECT_DOUBLE_EQ(*parse_uptime("350735.47 234388.90\n"), 350735.47);
    EXPECT_FALSE(parse_uptime(""));
}

TEST(Mounts, real_disks_only_with_escaped_names) {
    auto mounts = parse_mounts(R"(sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p2 / ext4 rw,relatime,errors=remount-ro 0 0
tmpfs /run tmpfs rw,nosuid,nodev,noexec,relatime,size=1629188k,mode=755 0 0
/dev/nvme0n1p1 /boot/efi vfat rw,relatime 0 0
/dev/loop3 /snap/core22/1380 squashfs ro,nodev,relatime 0 0
/dev/sda1 /media/anna/My\040Disk exfat rw,nosuid,nodev 0 0
/dev/mapper/data /data btrfs rw,relatime 0 0
/dev/mapper/data2 /data btrfs rw,relatime 0 0
cgroup2 /sys/fs/cgroup cgroup2 rw 0 0
)");
    ASSERT_EQ(mounts.size(), 4u);
    EXPECT_EQ(mounts[0].mount_point, "/");
    EXPECT_EQ(mounts[0].filesystem, "ext4");
    EXPECT_EQ(mounts[1].mount_point, "/boot/efi");
    EXPECT_EQ(mounts[2].mount_point, "/media/anna/My Disk");
    EXPECT_EQ(mounts[3].device, "/dev/mapper/data2") << "the later mount on a path hides the earlier one";
}

TEST(Mounts, a_container_root_on_overlay_counts_and_hundreds_of_mounts_parse) {
    std::string text = "overlay / overlay rw,relatime,lowerdir=/a,upperdir=/b 0 0\n";
    for (int i = 0; i < 300; ++i)
        text += "/dev/sd" + std::to_string(i) + " /mnt/disk" + std::to_string(i) + " xfs rw 0 0\n";
    text += "truncated line";
    auto mounts = parse_mounts(text);
    ASSERT_EQ(mounts.size(), 301u);
    EXPECT_EQ(mounts[0].filesystem, "overlay");
    EXPECT_EQ(mounts[300].mount_point, "/mnt/disk299");
}

TEST(Routes, the_default_route_with_the_lowest_metric_wins) {
    auto route = parse_ipv4_default_route(
        "Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n"
        "wlp2s0\t00000000\t0101A8C0\t0003\t0\t0\t600\t00000000\t0\t0\t0\n"
        "enp0s31f6\t00000000\t0100000A\t0003\t0\t0\t100\t00000000\t0\t0\t0\n"
        "enp0s31f6\t0000000A\t00000000\t0001\t0\t0\t100\t00FFFFFF\t0\t0\t0\n");
    ASSERT_TRUE(route);
    EXPECT_EQ(route->gateway, "10.0.0.1");
    EXPECT_EQ(route->interface, "enp0s31f6");
    EXPECT_FALSE(parse_ipv4_default_route("Iface\tDestination\tGateway\n"));
    EXPECT_FALSE(parse_ipv4_default_route(""));
}

TEST(Routes, ipv6_default_route_and_none_on_a_server_without_ipv6) {
    auto route = parse_ipv6_default_route(
        "fd000000000000000000000000000000 40 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "fe800000000000000000000000000001 00000400 00000002 00000000 00000003     eth0\n"
        "00000000000000000000000000000000 00 00000000000000000000000000000000 00 "
        "00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n");
    ASSERT_TRUE(route);
    EXPECT_EQ(route->gateway, "fe80::1");
    EXPECT_EQ(route->interface, "eth0");
    EXPECT_FALSE(parse_ipv6_default_route(""));
}

TEST(ResolvConf, nameservers_in_order) {
    auto servers = parse_resolv_conf(
        "# Generated by NetworkManager\nsearch example.org\nnameserver 192.168.1.1\n"
        "nameserver   2001:db8::53\n; old\n#nameserver 8.8.8.8\nnameserver\n");
    EXPECT_EQ(servers, (std::vector<std::string>{"192.168.1.1", "2001:db8::53"}));
}

TEST(ProcessStat, names_with_spaces_and_parentheses) {
    std::string tail =
        " S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 4 0 5000 123456789 2048 "
        "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 3 0 0 0 0 0\n";
    auto stat = parse_process_stat("4242 (Web Content (x) ) " + tail);
    ASSERT_TRUE(stat);
    EXPECT_EQ(stat->pid, 4242);
    EXPECT_EQ(stat->name, "Web Content (x) ");
    EXPECT_EQ(stat->cpu_ticks, 300u);
    EXPECT_EQ(stat->rss_pages, 2048);
    EXPECT_FALSE(parse_process_stat("4242 (short) S 1 2"));
    EXPECT_FALSE(parse_process_stat("no parens at all"));
    EXPECT_EQ(*parse_status_uid("Name:\tbash\nUid:\t1000\t1000\t1000\t1000\n"), 1000u);
    EXPECT_FALSE(parse_status_uid("Name:\tbash\n"));
}

TEST(PowerSupply, laptop_battery_and_things_that_are_not_one) {
    auto battery = parse_power_supply_uevent(
        "POWER_SUPPLY_NAME=BAT0\nPOWER_SUPPLY_TYPE=Battery\n"
        "POWER_SUPPLY_STATUS=Discharging\nPOWER_SUPPLY_CAPACITY=87\n");
    ASSERT_TRUE(battery);
    EXPECT_EQ(battery->name, "BAT0");
    EXPECT_EQ(battery->percent, 87);
    EXPECT_EQ(battery->status, "Discharging");
    auto energy = parse_power_supply_uevent(
        "POWER_SUPPLY_NAME=BAT1\nPOWER_SUPPLY_TYPE=Battery\n"
        "POWER_SUPPLY_ENERGY_NOW=25000000\nPOWER_SUPPLY_ENERGY_FULL=50000000\n");
    EXPECT_EQ(energy->percent, 50);
    EXPECT_FALSE(parse_power_supply_uevent("POWER_SUPPLY_NAME=AC\nPOWER_SUPPLY_TYPE=Mains\nPOWER_SUPPLY_ONLINE=1\n"));
    EXPECT_FALSE(
        parse_power_supply_uevent("POWER_SUPPLY_NAME=hidpp_battery_0\nPOWER_SUPPLY_TYPE=Battery\n"
                                  "POWER_SUPPLY_SCOPE=Device\nPOWER_SUPPLY_CAPACITY=40\n"));
    EXPECT_FALSE(parse_power_supply_uevent(""));
}

}  // namespace
}  // namespace lifeline::agent::machine

// Parsers for the text files the system info comes from (/proc, /sys, /etc). Pure functions over
// file contents, so they are tested on captured samples; odd or broken input yields empty values,
// never an exception.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lifeline::agent::machine {

struct OsRelease {
    std::string id;           // ID
    std::string pretty_name;  // PRETTY_NAME, or NAME + VERSION when it is missing
    std::string version_id;   // VERSION_ID
};
OsRelease parse_os_release(std::string_view text);

struct MemInfo {
    std::int64_t total = 0;  // bytes
    std::int64_t available = 0;
    std::int64_t swap_total = 0;
    std::int64_t swap_free = 0;
};
MemInfo parse_meminfo(std::string_view text);

struct CpuInfo {
    std::string model;
    int logical_cpus = 0;  // "processor" entries
};
CpuInfo parse_cpuinfo(std::string_view text);

struct LoadAverage {
    double one = 0, five = 0, fifteen = 0;
};
std::optional<LoadAverage> parse_loadavg(std::string_view text);
std::optional<double> parse_uptime(std::string_view text);  // seconds

struct Mount {
    std::string device;
    std::string mount_point;
    std::string filesystem;
};
// The mounts a user thinks of as disks: no pseudo or virtual filesystems, no snap images, each
// mount point once (the last mount on a path hides the earlier ones).
std::vector<Mount> parse_mounts(std::string_view text);

struct DefaultRoute {
    std::string gateway;  // "192.0.2.1" or "fe80::1"
    std::string interface;
};
std::optional<DefaultRoute> parse_ipv4_default_route(std::string_view proc_net_route);
std::optional<DefaultRoute> parse_ipv6_default_route(std::string_view proc_net_ipv6_route);

std::vector<std::string> parse_resolv_conf(std::string_view text);  // nameserver addresses, in order

struct ProcessStat {
    int pid = 0;
    std::string name;             // comm, which may hold spaces and parentheses
    std::uint64_t cpu_ticks = 0;  // utime + stime
    std::int64_t rss_pages = 0;
};
std::optional<ProcessStat> parse_process_stat(std::string_view text);
std::optional<unsigned> parse_status_uid(std::string_view proc_status);  // real uid

struct BatteryState {
    std::string name;
    int percent = -1;
    std::string status;
};
// A power_supply uevent file; nullopt unless it describes a battery.
std::optional<BatteryState> parse_power_supply_uevent(std::string_view text);

}  // namespace lifeline::agent::machine

// Line-oriented parsing of /proc, /sys and /etc files, tolerant of whatever a kernel or distro writes.
#include "agent/machine/proc_parsers.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <set>

namespace lifeline::agent::machine {

namespace {

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        auto end = text.find('\n');
        lines.push_back(text.substr(0, end));
        if (end == std::string_view::npos) break;
        text.remove_prefix(end + 1);
    }
    return lines;
}

std::string_view trim(std::string_view s) {
    auto begin = s.find_first_not_of(" \t\r");
    if (begin == std::string_view::npos) return {};
    auto end = s.find_last_not_of(" \t\r");
    return s.substr(begin, end - begin + 1);
}

std::vector<std::string_view> fields_of(std::string_view line) {
    std::vector<std::string_view> fields;
    std::size_t i = 0;
    while (i < line.size()) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t'))
            ++i;
        std::size_t start = i;
        while (i < line.size() && line[i] != ' ' && line[i] != '\t')
            ++i;
        if (i > start) fields.push_back(line.substr(start, i - start));
    }
    return fields;
}

template <class T>
std::optional<T> number(std::string_view s, int base = 10) {
    T value{};
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, base);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

std::optional<double> decimal(std::string_view s) {
    double value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return value;
}

// os-release values are shell-style: bare, "double" or 'single' quoted, with backslash escapes.
std::string unquote(std::string_view value) {
    value = trim(value);
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front()) {
        char quote = value.front();
        value = value.substr(1, value.size() - 2);
        std::string out;
        for (std::size_t i = 0; i < value.size(); ++i) {
            if (quote == '"' && value[i] == '\\' && i + 1 < value.size()) ++i;
            out += value[i];
        }
        return out;
    }
    return std::string(value);
}

// /proc/mounts escapes space, tab, newline and backslash as \ooo.
std::string unescape_octal(std::string_view s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\\' && i + 3 < s.size()) {
            auto code = number<int>(s.substr(i + 1, 3), 8);
            if (code && *code < 256) {
                out += static_cast<char>(*code);
                i += 3;
                continue;
            }
        }
        out += s[i];
    }
    return out;
}

std::string ipv6_from_hex(std::string_view hex) {
    if (hex.size() != 32) return {};
    in6_addr address{};
    for (std::size_t i = 0; i < 16; ++i) {
        auto byte = number<unsigned>(hex.substr(i * 2, 2), 16);
        if (!byte) return {};
        address.s6_addr[i] = static_cast<unsigned char>(*byte);
    }
    char text[INET6_ADDRSTRLEN] = {};
    return ::inet_ntop(AF_INET6, &address, text, sizeof text) ? text : "";
}

}  // namespace

OsRelease parse_os_release(std::string_view text) {
    std::map<std::string, std::string, std::less<>> values;
    for (auto line : lines_of(text)) {
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        auto eq = line.find('=');
        if (eq == std::string_view::npos || eq == 0) continue;
        values[std::string(trim(line.substr(0, eq)))] = unquote(line.substr(eq + 1));
    }
    OsRelease release;
    release.id = values["ID"];
    release.version_id = values["VERSION_ID"];
    release.pretty_name = values["PRETTY_NAME"];
    if (release.pretty_name.empty()) {
        release.pretty_name = values["NAME"];
        if (!values["VERSION"].empty()) release.pretty_name += " " + values["VERSION"];
    }
    return release;
}

MemInfo parse_meminfo(std::string_view text) {
    MemInfo info;
    for (auto line : lines_of(text)) {
        auto fields = fields_of(line);
        if (fields.size() < 2) continue;
        auto kib = number<std::int64_t>(fields[1]);
        if (!kib) continue;
        std::int64_t bytes = *kib * (fields.size() >= 3 && fields[2] == "kB" ? 1024 : 1);
        if (fields[0] == "MemTotal:") info.total = bytes;
        if (fields[0] == "MemAvailable:") info.available = bytes;
        if (fields[0] == "SwapTotal:") info.swap_total = bytes;
        if (fields[0] == "SwapFree:") info.swap_free = bytes;
    }
    return info;
}

CpuInfo parse_cpuinfo(std::string_view text) {
    CpuInfo info;
    std::string fallback;  // ARM: no "model name" on older kernels, but "Hardware" or "Processor"
    for (auto line : lines_of(text)) {
        auto colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        auto key = trim(line.substr(0, colon));
        auto value = std::string(trim(line.substr(colon + 1)));
        if (key == "processor" && number<int>(value)) ++info.logical_cpus;
        if (key == "model name" && info.model.empty()) info.model = value;
        if ((key == "Hardware" || key == "Processor" || key == "cpu model" || key == "Model") && fallback.empty()) {
            fallback = value;
        }
    }
    if (info.model.empty()) info.model = fallback;
    return info;
}

std::optional<LoadAverage> parse_loadavg(std::string_view text) {
    auto fields = fields_of(trim(text));
    if (fields.size() < 3) return std::nullopt;
    auto one = decimal(fields[0]), five = decimal(fields[1]), fifteen = decimal(fields[2]);
    if (!one || !five || !fifteen) return std::nullopt;
    return LoadAverage{*one, *five, *fifteen};
}

std::optional<double> parse_uptime(std::string_view text) {
    auto fields = fields_of(trim(text));
    if (fields.empty()) return std::nullopt;
    return decimal(fields[0]);
}

std::vector<Mount> parse_mounts(std::string_view text) {
    static const std::set<std::string, std::less<>> kVirtual = {
        "proc",     "sysfs",    "devtmpfs", "devpts",          "tmpfs",       "securityfs", "cgroup",
        "cgroup2",  "pstore",   "bpf",      "autofs",          "mqueue",      "hugetlbfs",  "debugfs",
        "tracefs",  "fusectl",  "configfs", "binfmt_misc",     "ramfs",       "rpc_pipefs", "nsfs",
        "efivarfs", "squashfs", "overlay",  "fuse.gvfsd-fuse", "fuse.portal", "selinuxfs",  "devfs",
        "none"};
    std::vector<Mount> mounts;
    for (auto line : lines_of(text)) {
        auto fields = fields_of(line);
        if (fields.size() < 3) continue;
        Mount mount{unescape_octal(fields[0]), unescape_octal(fields[1]), std::string(fields[2])};
        if (mount.mount_point.empty() || mount.mount_point.front() != '/') continue;
        // An overlay root is the disk of a container; elsewhere overlays are implementation detail.
        bool virtual_fs =
            kVirtual.contains(mount.filesystem) && !(mount.filesystem == "overlay" && mount.mount_point == "/");
        if (virtual_fs || mount.mount_point.starts_with("/snap/")) continue;
        std::erase_if(mounts, [&](const Mount& m) { return m.mount_point == mount.mount_point; });
        mounts.push_back(std::move(mount));
    }
    return mounts;
}

std::optional<DefaultRoute> parse_ipv4_default_route(std::string_view text) {
    std::optional<DefaultRoute> best;
    long best_metric = 0;
    for (auto line : lines_of(text)) {
        auto f = fields_of(line);
        if (f.size() < 8 || f[0] == "Iface") continue;
        auto destination = number<std::uint32_t>(f[1], 16), gateway = number<std::uint32_t>(f[2], 16);
        auto flags = number<unsigned>(f[3], 16);
        auto metric = number<long>(f[6]);
        auto mask = number<std::uint32_t>(f[7], 16);
        if (!destination || !gateway || !flags || !metric || !mask) continue;
        constexpr unsigned kRouteUp = 0x1;
        if (*destination != 0 || *mask != 0 || !(*flags & kRouteUp)) continue;
        if (best && *metric >= best_metric) continue;
        // The kernel prints the address in host byte order: little-endian on the machines we run on.
        std::uint32_t g = *gateway;
        char text_address[16];
        std::snprintf(text_address, sizeof text_address, "%u.%u.%u.%u", g & 0xff, (g >> 8) & 0xff, (g >> 16) & 0xff,
                      (g >> 24) & 0xff);
        best = DefaultRoute{text_address, std::string(f[0])};
        best_metric = *metric;
    }
    return best;
}

std::optional<DefaultRoute> parse_ipv6_default_route(std::string_view text) {
    std::optional<DefaultRoute> best;
    unsigned long best_metric = 0;
    for (auto line : lines_of(text)) {
        auto f = fields_of(line);
        if (f.size() < 10) continue;
        if (f[0] != std::string(32, '0') || f[1] != "00") continue;  // not ::/0
        auto metric = number<unsigned long>(f[5], 16);
        auto flags = number<unsigned>(f[8], 16);
        if (!metric || !flags || !(*flags & 0x1) || f[9] == "lo") continue;  // not up, or the unreachable route
        if (f[4] == std::string(32, '0')) continue;                          // no gateway
        if (best && *metric >= best_metric) continue;
        best = DefaultRoute{ipv6_from_hex(f[4]), std::string(f[9])};
        best_metric = *metric;
    }
    return best;
}

std::vector<std::string> parse_resolv_conf(std::string_view text) {
    std::vector<std::string> servers;
    for (auto line : lines_of(text)) {
        line = trim(line);
        if (line.empty() || line.front() == '#' || line.front() == ';') continue;
        auto f = fields_of(line);
        if (f.size() >= 2 && f[0] == "nameserver" && f[1].size() <= 64) servers.emplace_back(f[1]);
    }
    return servers;
}

std::optional<ProcessStat> parse_process_stat(std::string_view text) {
    // "pid (comm) state ppid ..." where comm may hold anything, even ") (": split at the last ')'.
    auto open = text.find('(');
    auto close = text.rfind(')');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) return std::nullopt;
    auto pid = number<int>(trim(text.substr(0, open)));
    if (!pid) return std::nullopt;
    auto rest = fields_of(text.substr(close + 1));
    // After comm: state(0) ppid(1) ... utime(11) stime(12) ... rss(21)
    if (rest.size() < 22) return std::nullopt;
    auto utime = number<std::uint64_t>(rest[11]), stime = number<std::uint64_t>(rest[12]);
    auto rss = number<std::int64_t>(rest[21]);
    if (!utime || !stime || !rss) return std::nullopt;
    return ProcessStat{*pid, std::string(text.substr(open + 1, close - open - 1)), *utime + *stime, *rss};
}

std::optional<unsigned> parse_status_uid(std::string_view text) {
    for (auto line : lines_of(text)) {
        if (!line.starts_with("Uid:")) continue;
        auto f = fields_of(line.substr(4));
        if (f.empty()) return std::nullopt;
        return number<unsigned>(f[0]);
    }
    return std::nullopt;
}

std::optional<BatteryState> parse_power_supply_uevent(std::string_view text) {
    std::map<std::string, std::string, std::less<>> values;
    for (auto line : lines_of(text)) {
        auto eq = line.find('=');
        if (eq == std::string_view::npos) continue;
        values[std::string(line.substr(0, eq))] = std::string(trim(line.substr(eq + 1)));
    }
    if (values["POWER_SUPPLY_TYPE"] != "Battery") return std::nullopt;
    // Peripherals (mice, headsets) report batteries too; only the machine's own count here.
    if (values["POWER_SUPPLY_SCOPE"] == "Device") return std::nullopt;
    BatteryState battery;
    battery.name = values["POWER_SUPPLY_NAME"];
    battery.status = values["POWER_SUPPLY_STATUS"];
    if (auto capacity = number<int>(values["POWER_SUPPLY_CAPACITY"])) {
        battery.percent = std::clamp(*capacity, 0, 100);
    } else {
        auto now = number<std::int64_t>(values["POWER_SUPPLY_ENERGY_NOW"]);
        auto full = number<std::int64_t>(values["POWER_SUPPLY_ENERGY_FULL"]);
        if (now && full && *full > 0)
            battery.percent = static_cast<int>(std::clamp<std::int64_t>(*now * 100 / *full, 0, 100));
    }
    return battery;
}

}  // namespace lifeline::agent::machine

// Gathers SystemInfo field by field; every source is optional, so a missing file or service leaves
// its fields empty rather than failing the whole collection.
#include "agent/machine/system_info.hpp"

#include "agent/machine/proc_parsers.hpp"
#include "agent/machine/xlib_setup.hpp"

#include <X11/Xlib.h>
#include <X11/extensions/Xrandr.h>
#include <google/protobuf/util/time_util.h>
#include <systemd/sd-bus.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <pwd.h>
#include <sys/statvfs.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>

namespace lifeline::agent::machine {

namespace fs = std::filesystem;

namespace {

constexpr std::size_t kMaxFile = 1 << 20;
constexpr int kMaxDisks = 64;
constexpr int kMaxInterfaces = 64;

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::string data;
    char buffer[8192];
    while (in && data.size() < kMaxFile) {
        in.read(buffer, sizeof buffer);
        data.append(buffer, static_cast<std::size_t>(in.gcount()));
    }
    return data;
}

std::string user_name(unsigned uid) {
    passwd entry{};
    passwd* found = nullptr;
    char buffer[4096];
    if (::getpwuid_r(uid, &entry, buffer, sizeof buffer, &found) == 0 && found != nullptr) return found->pw_name;
    return std::to_string(uid);
}

int prefix_length(const sockaddr* netmask) {
    if (netmask == nullptr) return 0;
    const unsigned char* bytes = nullptr;
    std::size_t size = 0;
    if (netmask->sa_family == AF_INET) {
        bytes = reinterpret_cast<const unsigned char*>(&reinterpret_cast<const sockaddr_in*>(netmask)->sin_addr);
        size = 4;
    } else if (netmask->sa_family == AF_INET6) {
        bytes = reinterpret_cast<const sockaddr_in6*>(netmask)->sin6_addr.s6_addr;
        size = 16;
    }
    int bits = 0;
    for (std::size_t i = 0; i < size; ++i)
        bits += __builtin_popcount(bytes[i]);
    return bits;
}

void collect_interfaces(v1::SystemInfo& info) {
    ifaddrs* list = nullptr;
    if (::getifaddrs(&list) != 0) return;
    std::unique_ptr<ifaddrs, decltype(&::freeifaddrs)> guard(list, &::freeifaddrs);
    std::map<std::string, v1::NetworkInterface> by_name;
    for (ifaddrs* entry = list; entry != nullptr; entry = entry->ifa_next) {
        if (entry->ifa_name == nullptr || (entry->ifa_flags & IFF_LOOPBACK)) continue;
        auto& nic = by_name[entry->ifa_name];
        nic.set_name(entry->ifa_name);
        nic.set_up((entry->ifa_flags & IFF_UP) != 0);
        if (entry->ifa_addr == nullptr) continue;
        int family = entry->ifa_addr->sa_family;
        if (family == AF_PACKET) {
            const auto* link = reinterpret_cast<const sockaddr_ll*>(entry->ifa_addr);
            if (link->sll_halen == 6) {
                char mac[18];
                std::snprintf(mac, sizeof mac, "%02x:%02x:%02x:%02x:%02x:%02x", link->sll_addr[0], link->sll_addr[1],
                              link->sll_addr[2], link->sll_addr[3], link->sll_addr[4], link->sll_addr[5]);
                nic.set_mac(mac);
            }
        } else if (family == AF_INET || family == AF_INET6) {
            char text[INET6_ADDRSTRLEN] = {};
            const void* address =
                family == AF_INET
                    ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(entry->ifa_addr)->sin_addr)
                    : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(entry->ifa_addr)->sin6_addr);
            if (::inet_ntop(family, address, text, sizeof text) != nullptr) {
                nic.add_addresses(std::string(text) + "/" + std::to_string(prefix_length(entry->ifa_netmask)));
            }
        }
    }
    for (auto& [name, nic] : by_name) {
        if (info.interfaces_size() >= kMaxInterfaces) break;
        *info.add_interfaces() = std::move(nic);
    }
}

void collect_disks(v1::SystemInfo& info, const std::string& mounts_text, bool live) {
    for (const auto& mount : parse_mounts(mounts_text)) {
        if (info.disks_size() >= kMaxDisks) break;
        auto* disk = info.add_disks();
        disk->set_mount_point(mount.mount_point);
        disk->set_filesystem(mount.filesystem);
        disk->set_device(mount.device);
        struct statvfs st {};
        if (live && ::statvfs(mount.mount_point.c_str(), &st) == 0) {
            // A file bind-mounted into a container (/etc/hosts) or an empty pseudo mount is no disk.
            std::error_code ec;
            if (st.f_blocks == 0 || !fs::is_directory(mount.mount_point, ec)) {
                info.mutable_disks()->RemoveLast();
                continue;
            }
            disk->set_size(static_cast<std::int64_t>(st.f_blocks) * static_cast<std::int64_t>(st.f_frsize));
            disk->set_free(static_cast<std::int64_t>(st.f_bavail) * static_cast<std::int64_t>(st.f_frsize));
        }
    }
}

struct Sample {
    std::string name;
    unsigned uid = 0;
    std::uint64_t ticks = 0;
    std::int64_t rss_pages = 0;
};

std::map<int, Sample> sample_processes(const fs::path& proc) {
    std::map<int, Sample> samples;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(proc, ec)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) continue;
        auto stat = parse_process_stat(read_file(entry.path() / "stat"));
        if (!stat) continue;  // gone already
        auto uid = parse_status_uid(read_file(entry.path() / "status"));
        samples[stat->pid] = Sample{stat->name, uid.value_or(0), stat->cpu_ticks, stat->rss_pages};
    }
    return samples;
}

void collect_processes(v1::SystemInfo& info, const fs::path& proc, const CollectOptions& options) {
    auto before = sample_processes(proc);
    auto started = std::chrono::steady_clock::now();
    if (options.cpu_sample.count() > 0) std::this_thread::sleep_for(options.cpu_sample);
    auto after = sample_processes(proc);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double ticks_per_second = static_cast<double>(::sysconf(_SC_CLK_TCK));
    const std::int64_t page = ::sysconf(_SC_PAGESIZE);
    std::vector<v1::ProcessInfo> processes;
    for (const auto& [pid, now] : after) {
        v1::ProcessInfo p;
        p.set_pid(pid);
        p.set_name(now.name);
        p.set_user(user_name(now.uid));
        p.set_rss(now.rss_pages * page);
        auto it = before.find(pid);
        if (it != before.end() && seconds > 0 && now.ticks >= it->second.ticks) {
            p.set_cpu_percent(static_cast<double>(now.ticks - it->second.ticks) / ticks_per_second / seconds * 100.0);
        }
        processes.push_back(std::move(p));
    }
    const auto n = static_cast<std::size_t>(std::max(options.top_processes, 0));
    auto top = [&](auto better, auto* out) {
        std::sort(processes.begin(), processes.end(), better);
        for (std::size_t i = 0; i < std::min(n, processes.size()); ++i)
            *out->Add() = processes[i];
    };
    top([](const auto& a, const auto& b) { return a.cpu_percent() > b.cpu_percent(); }, info.mutable_top_cpu());
    // An idle process is no answer to "what is eating the CPU".
    while (info.top_cpu_size() > 0 && info.top_cpu(info.top_cpu_size() - 1).cpu_percent() <= 0)
        info.mutable_top_cpu()->RemoveLast();
    top([](const auto& a, const auto& b) { return a.rss() > b.rss(); }, info.mutable_top_memory());
}

void collect_screens(v1::SystemInfo& info, const std::string& display_name) {
    if (const char* wayland = std::getenv("WAYLAND_DISPLAY"); wayland != nullptr && wayland[0] != '\0') {
        info.set_display_server("wayland");
    }
    const char* name = display_name.empty() ? nullptr : display_name.c_str();
    const char* display_env = std::getenv("DISPLAY");
    if (name == nullptr && (display_env == nullptr || display_env[0] == '\0')) {
        if (info.display_server().empty()) info.set_display_server("none");
        return;
    }
    ensure_xlib_ready();
    std::unique_ptr<Display, decltype(&::XCloseDisplay)> display(::XOpenDisplay(name), &::XCloseDisplay);
    if (!display) {
        if (info.display_server().empty()) info.set_display_server("none");
        return;
    }
    if (info.display_server().empty()) info.set_display_server("x11");
    Window root = DefaultRootWindow(display.get());
    // RandR 1.5 monitors, in XRRGetMonitors order: a screen's index here is what a session request's
    // `monitor` picks (agent/screen/x11_capture serves the same list).
    int event_base = 0, error_base = 0, major = 0, minor = 0;
    if (::XRRQueryExtension(display.get(), &event_base, &error_base) &&
        ::XRRQueryVersion(display.get(), &major, &minor) && (major > 1 || minor >= 5)) {
        int count = 0;
        std::unique_ptr<XRRMonitorInfo, decltype(&::XRRFreeMonitors)> monitors(
            ::XRRGetMonitors(display.get(), root, True, &count), &::XRRFreeMonitors);
        for (int i = 0; monitors && i < count; ++i) {
            const XRRMonitorInfo& monitor = monitors.get()[i];
            auto* screen = info.add_screens();
            if (char* atom_name = ::XGetAtomName(display.get(), monitor.name)) {
                screen->set_name(atom_name);
                ::XFree(atom_name);
            }
            screen->set_width(monitor.width);
            screen->set_height(monitor.height);
            screen->set_x(monitor.x);
            screen->set_y(monitor.y);
            screen->set_primary(monitor.primary != 0);
        }
    }
    if (info.screens_size() == 0) {  // no RandR 1.5: the whole root window is the one screen
        auto* screen = info.add_screens();
        screen->set_name("default");
        screen->set_width(DisplayWidth(display.get(), DefaultScreen(display.get())));
        screen->set_height(DisplayHeight(display.get(), DefaultScreen(display.get())));
        screen->set_primary(true);
    }
}

void collect_failed_units(v1::SystemInfo& info) {
    sd_bus* bus = nullptr;
    if (::sd_bus_open_system(&bus) < 0) return;  // no systemd (containers): nothing to report
    std::unique_ptr<sd_bus, decltype(&::sd_bus_flush_close_unref)> bus_guard(bus, &::sd_bus_flush_close_unref);
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* reply = nullptr;
    int r = ::sd_bus_call_method(bus, "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                                 "org.freedesktop.systemd1.Manager", "ListUnitsFiltered", &error, &reply, "as", 1,
                                 "failed");
    ::sd_bus_error_free(&error);
    if (r < 0) return;
    std::unique_ptr<sd_bus_message, decltype(&::sd_bus_message_unref)> reply_guard(reply, &::sd_bus_message_unref);
    if (::sd_bus_message_enter_container(reply, SD_BUS_TYPE_ARRAY, "(ssssssouso)") < 0) return;
    const char* name = nullptr;
    while (::sd_bus_message_read(reply, "(ssssssouso)", &name, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                 nullptr, nullptr, nullptr) > 0) {
        if (info.failed_units_size() < 100) info.add_failed_units(name);
    }
}

}  // namespace

v1::SystemInfo collect_system_info(const CollectOptions& options) {
    auto started = std::chrono::steady_clock::now();
    const fs::path root(options.root);
    v1::SystemInfo info;
    *info.mutable_collected_at() = google::protobuf::util::TimeUtil::GetCurrentTime();

    auto os = parse_os_release(read_file(root / "etc/os-release"));
    if (os.pretty_name.empty()) os = parse_os_release(read_file(root / "usr/lib/os-release"));
    info.set_os_name(os.pretty_name);
    info.set_os_version(os.version_id);
    info.set_os_id(os.id);
    std::string machine_id = read_file(root / "etc/machine-id");
    info.set_machine_id(machine_id.substr(0, machine_id.find_first_of(" \n")));

    if (auto uptime = parse_uptime(read_file(root / "proc/uptime"))) {
        info.set_uptime_seconds(static_cast<std::int64_t>(*uptime));
    }
    auto cpu = parse_cpuinfo(read_file(root / "proc/cpuinfo"));
    info.set_cpu_model(cpu.model);
    info.set_cpu_cores(cpu.logical_cpus);
    if (auto load = parse_loadavg(read_file(root / "proc/loadavg"))) {
        info.set_load_1m(load->one);
        info.set_load_5m(load->five);
        info.set_load_15m(load->fifteen);
    }
    auto memory = parse_meminfo(read_file(root / "proc/meminfo"));
    info.set_memory_total(memory.total);
    info.set_memory_available(memory.available);
    info.set_swap_total(memory.swap_total);
    info.set_swap_free(memory.swap_free);

    collect_disks(info, read_file(root / "proc/self/mounts"), options.live_sources);
    auto route = parse_ipv4_default_route(read_file(root / "proc/net/route"));
    if (!route) route = parse_ipv6_default_route(read_file(root / "proc/net/ipv6_route"));
    if (route) {
        info.set_default_gateway(route->gateway);
        info.set_default_interface(route->interface);
    }
    auto dns = parse_resolv_conf(read_file(root / "etc/resolv.conf"));
    // systemd-resolved's stub hides the real servers, which it lists in its own file.
    if (dns.size() == 1 && dns[0] == "127.0.0.53") {
        auto upstream = parse_resolv_conf(read_file(root / "run/systemd/resolve/resolv.conf"));
        if (!upstream.empty()) dns = std::move(upstream);
    }
    for (auto& server : dns)
        info.add_dns_servers(std::move(server));

    std::error_code ec;
    for (const auto& supply : fs::directory_iterator(root / "sys/class/power_supply", ec)) {
        if (auto battery = parse_power_supply_uevent(read_file(supply.path() / "uevent"))) {
            auto* b = info.add_batteries();
            b->set_name(battery->name.empty() ? supply.path().filename().string() : battery->name);
            b->set_percent(battery->percent);
            b->set_status(battery->status);
        }
    }

    info.set_user(user_name(::geteuid()));
    if (options.live_sources) {
        utsname names{};
        if (::uname(&names) == 0) {
            info.set_hostname(names.nodename);
            info.set_kernel(names.release);
            info.set_architecture(names.machine);
        }
        collect_interfaces(info);
        collect_screens(info, options.display);
        collect_failed_units(info);
    } else {
        std::string hostname = read_file(root / "etc/hostname");
        info.set_hostname(hostname.substr(0, hostname.find_first_of(" \n")));
        info.set_display_server("none");
    }
    if (cpu.logical_cpus == 0) info.set_cpu_cores(static_cast<int>(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN))));
    collect_processes(info, root / "proc", options);

    info.set_collection_micros(
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count());
    return info;
}

}  // namespace lifeline::agent::machine

// Collects the machine's system info for tickets and the asset inventory: /proc, /sys and /etc
// through the parsers, plus uname, statvfs, getifaddrs, X11 (RandR) and systemd over D-Bus.
// Blocking (it samples CPU use for `cpu_sample`); call it off the I/O thread.
#pragma once

#include "lifeline.pb.h"

#include <chrono>
#include <string>

namespace lifeline::agent::machine {

struct CollectOptions {
    std::string root = "/";  // prefix for /proc, /sys and /etc reads, so tests can supply a fake tree
    std::string display;     // X display; "" = $DISPLAY
    std::chrono::milliseconds cpu_sample{200};
    int top_processes = 5;
    bool live_sources = true;  // uname, statvfs, getifaddrs, X11, D-Bus: off for fake-tree tests
};

v1::SystemInfo collect_system_info(const CollectOptions& options);

}  // namespace lifeline::agent::machine

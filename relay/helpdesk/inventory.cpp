// Snapshot comparison for the asset inventory.
#include "relay/helpdesk/inventory.hpp"

#include <map>

namespace lifeline::relay::helpdesk {

std::vector<store::InventoryChange> diff_inventory(const v1::SystemInfo& before, const v1::SystemInfo& after) {
    std::vector<store::InventoryChange> changes;
    auto compare = [&](const char* field, const std::string& a, const std::string& b) {
        if (a != b) changes.push_back({field, a, b});
    };
    compare("hostname", before.hostname(), after.hostname());
    compare("os", before.os_name(), after.os_name());
    compare("os_version", before.os_version(), after.os_version());
    compare("kernel", before.kernel(), after.kernel());
    compare("architecture", before.architecture(), after.architecture());
    compare("cpu_model", before.cpu_model(), after.cpu_model());
    compare("cpu_cores", std::to_string(before.cpu_cores()), std::to_string(after.cpu_cores()));
    compare("memory_total", std::to_string(before.memory_total()), std::to_string(after.memory_total()));
    compare("swap_total", std::to_string(before.swap_total()), std::to_string(after.swap_total()));

    auto by_mount = [](const v1::SystemInfo& info) {
        std::map<std::string, const v1::Disk*> disks;
        for (const auto& d : info.disks())
            disks[d.mount_point()] = &d;
        return disks;
    };
    auto describe = [](const v1::Disk& d) {
        return d.device() + " " + d.filesystem() + " " + std::to_string(d.size());
    };
    auto old_disks = by_mount(before);
    auto new_disks = by_mount(after);
    for (const auto& [mount, disk] : old_disks) {
        auto it = new_disks.find(mount);
        if (it == new_disks.end()) {
            changes.push_back({"disk " + mount, describe(*disk), ""});
        } else if (describe(*disk) != describe(*it->second)) {
            changes.push_back({"disk " + mount, describe(*disk), describe(*it->second)});
        }
    }
    for (const auto& [mount, disk] : new_disks) {
        if (!old_disks.count(mount)) changes.push_back({"disk " + mount, "", describe(*disk)});
    }
    return changes;
}

}  // namespace lifeline::relay::helpdesk

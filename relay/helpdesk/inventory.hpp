// Asset inventory: which facts of a machine changed between two snapshots (RAM, disks, OS, ...).
#pragma once

#include "lifeline.pb.h"
#include "relay/store/store.hpp"

#include <vector>

namespace lifeline::relay::helpdesk {

// Compares the facts an asset register tracks; volatile readings (load, free space, uptime,
// processes) are not changes. Disks are matched by mount point.
std::vector<store::InventoryChange> diff_inventory(const v1::SystemInfo& before, const v1::SystemInfo& after);

}  // namespace lifeline::relay::helpdesk

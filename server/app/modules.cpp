#include "app/modules.hpp"

#include "app/attendance_module.hpp"
#include "app/audit_module.hpp"
#include "app/devices_module.hpp"
#include "app/stage_module.hpp"

namespace stagedoor::app {

std::vector<std::unique_ptr<Module>> make_modules(ModuleContext& context,
                                                  const ModuleOptions& options) {
    std::vector<std::unique_ptr<Module>> modules;
    auto attendance = std::make_unique<AttendanceModule>(context, options.offline_names);
    // The stage module's pitch queue follows who is in the building.
    PresenceDirectory* presence = attendance.get();
    modules.push_back(std::move(attendance));
    modules.push_back(std::make_unique<StageModule>(context, presence));
    modules.push_back(std::make_unique<AuditModule>(context));
    // Paired devices need the session layer (token checks, closing revoked devices).
    if (context.dispatcher) modules.push_back(std::make_unique<DevicesModule>(context));
    return modules;
}

} // namespace stagedoor::app
